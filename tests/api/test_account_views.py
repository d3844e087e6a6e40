"""Follow options (boosts shown or not, notify), suspended accounts not found, and an
account's statuses filtered as Mastodon's clients ask, through Mastodon.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mastodon import MastodonNotFoundError

from tests.api import Team, bearer, call, mastodon
from tests.api.members import member, post
from tests.api.test_statuses import png
from tests.moderating import end_sanctions_now, sanction_account


def _boosted(home: list[dict[str, Any]], text: str) -> bool:
    return any(status["reblog"] is not None and text in status["reblog"]["content"]
               for status in home)


async def test_follow_options_and_boosts_in_home(team: Team) -> None:
    meg = mastodon(team.kinhaven, team.member_token)
    ada = mastodon(team.kinhaven, team.admin_token)
    asked = await call(meg.account_follow, team.ada.id, reblogs=False, notify=True)
    assert asked["requested"] is True
    assert asked["showing_reblogs"] is False and asked["notifying"] is True
    await call(ada.follow_request_authorize, team.meg.id)
    relation = (await call(meg.account_relationships, [team.ada.id]))[0]
    assert relation["following"] is True and relation["showing_reblogs"] is False
    assert relation["notifying"] is True
    passed_on = await post(team.kinhaven, team.mo, "worth passing on")
    await call(ada.status_reblog, passed_on.id)
    await post(team.kinhaven, team.ada, "ada speaks herself")
    home = await call(meg.timeline_home)
    assert any("ada speaks herself" in status["content"] for status in home)
    assert not _boosted(home, "worth passing on")
    # Mastodon.py always sends `notify` (false unless asked).
    again = await call(meg.account_follow, team.ada.id, reblogs=True)
    assert again["showing_reblogs"] is True and again["notifying"] is False
    assert _boosted(await call(meg.timeline_home), "worth passing on")
    # Following again changes only the options sent.
    notify = await team.kinhaven.client.post(f"/api/v1/accounts/{team.ada.id}/follow",
                                             data={"notify": "true"},
                                             headers=bearer(team.member_token))
    assert notify.status_code == 200
    assert notify.json()["notifying"] is True and notify.json()["showing_reblogs"] is True
    bad = await team.kinhaven.client.post(f"/api/v1/accounts/{team.mo.id}/follow",
                                          json={"reblogs": "sometimes"},
                                          headers=bearer(team.member_token))
    assert bad.status_code == 422
    assert (await call(meg.account_relationships, [team.mo.id]))[0]["requested"] is False
    unfollowed = await call(meg.account_unfollow, team.ada.id)
    assert unfollowed["showing_reblogs"] is False and unfollowed["notifying"] is False


async def test_a_suspended_member_is_not_found(team: Team) -> None:
    sue = await member(team.kinhaven, "sue")
    ada = mastodon(team.kinhaven, team.admin_token)
    assert (await call(ada.account, sue.id))["username"] == "sue"
    await call(ada.account_block, sue.id)
    await sanction_account(team.kinhaven.db, sue.id, "suspend")
    with pytest.raises(MastodonNotFoundError):
        await call(ada.account, sue.id)
    with pytest.raises(MastodonNotFoundError):
        await call(ada.account_lookup, "sue")
    headers = bearer(team.admin_token)
    for path in ("statuses", "followers", "following"):
        answer = await team.kinhaven.client.get(f"/api/v1/accounts/{sue.id}/{path}",
                                                headers=headers)
        assert answer.status_code == 404, path
    followed = await team.kinhaven.client.post(f"/api/v1/accounts/{sue.id}/follow",
                                               headers=headers)
    assert followed.status_code == 404
    assert (await call(ada.account_unblock, sue.id))["blocking"] is False
    await end_sanctions_now(team.kinhaven.db, sue.id)
    assert (await call(ada.account, sue.id))["username"] == "sue"


async def test_account_statuses_filters(team: Team, tmp_path: Path) -> None:
    ada = mastodon(team.kinhaven, team.admin_token)
    meg = mastodon(team.kinhaven, team.member_token)
    mos = await call(mastodon(team.kinhaven, team.moderator_token).status_post,
                     "mo asks", visibility="public")
    top = await call(ada.status_post, "ada begins", visibility="public")
    await call(ada.status_post, "ada goes on", in_reply_to_id=top["id"], visibility="public")
    await call(ada.status_post, "ada answers mo", in_reply_to_id=mos["id"],
               visibility="public")
    await call(ada.status_post, "about #Gardening", visibility="public")
    picture = tmp_path / "p.png"
    picture.write_bytes(png())
    with picture.open("rb") as opened:
        media = await call(ada.media_post, opened, "image/png")
    await call(ada.status_post, "with a picture", media_ids=[media["id"]],
               visibility="public")

    async def texts(**filters: Any) -> list[str]:
        found = await call(meg.account_statuses, team.ada.id, **filters)
        return [status["content"] for status in found]

    everything = await texts()
    assert len(everything) == 5
    without_replies = await texts(exclude_replies=True)
    assert len(without_replies) == 4 and not any("answers mo" in t for t in without_replies)
    assert any("goes on" in t for t in without_replies)
    assert [("picture" in t) for t in await texts(only_media=True)] == [True]
    tagged = await texts(tagged="gardening")
    assert len(tagged) == 1 and "Gardening" in tagged[0]
    assert await texts(pinned=True) == []
    assert len(await texts(exclude_reblogs=True)) == 5
    first = await call(meg.account_statuses, team.ada.id, exclude_replies=True, limit=3)
    rest = await call(meg.fetch_next, first)
    shown = [status["content"] for status in [*first, *(rest or [])]]
    assert len(shown) == 4 and not any("answers mo" in t for t in shown)
    bad = await team.kinhaven.client.get(
        f"/api/v1/accounts/{team.ada.id}/statuses?only_media=lots",
        headers=bearer(team.member_token))
    assert bad.status_code == 422
