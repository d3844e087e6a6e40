"""Muting through Mastodon.py (timelines, notifications, ends), the mutes and blocks
lists with Link paging, and their refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from server.clock import now
from server.storage import mutes as mute_store
from tests.api import Team, bearer, call, mastodon, token_for
from tests.api.members import follows, member, post
from tests.moderating import PAST


def _texts(statuses: list[dict[str, object]]) -> list[str]:
    return [str(status["content"]) for status in statuses]


async def test_a_muted_account_leaves_the_home_timeline(team: Team) -> None:
    kinhaven = team.kinhaven
    await follows(kinhaven, team.meg, team.ada)
    await post(kinhaven, team.ada, "ada speaking")
    meg = mastodon(kinhaven, team.member_token)
    assert any("ada speaking" in text for text in _texts(await call(meg.timeline_home)))
    muted = await call(meg.account_mute, team.ada.id)
    assert muted["muting"] is True and muted["muting_notifications"] is True
    assert muted["following"] is True
    assert not any("ada speaking" in text for text in _texts(await call(meg.timeline_home)))
    relation = (await call(meg.account_relationships, [team.ada.id]))[0]
    assert relation["muting"] is True
    profile = await kinhaven.client.get(f"/api/v1/accounts/{team.ada.id}/statuses",
                                        headers=bearer(team.member_token))
    assert profile.status_code == 200 and profile.json() == []
    unmuted = await call(meg.account_unmute, team.ada.id)
    assert unmuted["muting"] is False and unmuted["muting_notifications"] is False
    assert any("ada speaking" in text for text in _texts(await call(meg.timeline_home)))


async def test_muting_notifications_or_not(team: Team) -> None:
    kinhaven = team.kinhaven
    meg = mastodon(kinhaven, team.member_token)
    await follows(kinhaven, team.ada, team.meg)
    assert [n["type"] for n in await call(meg.notifications)] == ["follow"]
    quiet = await call(meg.account_mute, team.ada.id, notifications=True)
    assert quiet["muting_notifications"] is True
    assert await call(meg.notifications) == []
    loud = await call(meg.account_mute, team.ada.id, notifications=False)
    assert loud["muting"] is True and loud["muting_notifications"] is False
    assert [n["type"] for n in await call(meg.notifications)] == ["follow"]


async def test_a_timed_mute_ends_by_itself(team: Team) -> None:
    kinhaven = team.kinhaven
    meg = mastodon(kinhaven, team.member_token)
    await follows(kinhaven, team.meg, team.ada)
    await post(kinhaven, team.ada, "after the mute")
    timed = await call(meg.account_mute, team.ada.id, duration=3600)
    assert timed["muting"] is True
    listed = await call(meg.mutes)
    assert [account["id"] for account in listed] == [str(team.ada.id)]
    left = listed[0]["mute_expires_at"] - now()
    assert timedelta(minutes=58) < left <= timedelta(hours=1)
    forever = await call(meg.account_mute, team.mo.id)
    assert forever["muting"] is True
    assert {str(a["id"]): a["mute_expires_at"] for a in await call(meg.mutes)}[
        str(team.mo.id)] is None
    # Time passes: the mute's end is behind it.
    await mute_store.mute(kinhaven.db, actor_id=team.meg.id, target_id=team.ada.id,
                          expires_at=PAST)
    relation = (await call(meg.account_relationships, [team.ada.id]))[0]
    assert relation["muting"] is False and relation["muting_notifications"] is False
    assert [a["id"] for a in await call(meg.mutes)] == [str(team.mo.id)]
    assert any("after the mute" in text for text in _texts(await call(meg.timeline_home)))


async def test_mutes_and_blocks_lists_page_by_link_header(team: Team) -> None:
    kinhaven = team.kinhaven
    others = [await member(kinhaven, name) for name in ("pam", "quin", "rue")]
    meg = mastodon(kinhaven, team.member_token)
    for other in others:
        await call(meg.account_mute, other.id)
        await call(meg.account_block, other.id)
    newest_first = [str(other.id) for other in reversed(others)]
    for listing in (meg.mutes, meg.blocks):
        first = await call(listing, limit=2)
        assert [account["id"] for account in first] == newest_first[:2]
        rest = await call(meg.fetch_next, first)
        assert rest is not None and [account["id"] for account in rest] == newest_first[2:]
        back = await call(meg.fetch_previous, rest)
        assert back is not None and [account["id"] for account in back] == newest_first[:2]
    await call(meg.account_unblock, others[0].id)
    assert [a["id"] for a in await call(meg.blocks)] == newest_first[:2]
    assert await call(mastodon(kinhaven, team.admin_token).blocks) == []


async def test_refusals(team: Team) -> None:
    http = team.kinhaven.client
    meg = mastodon(team.kinhaven, team.member_token)
    with pytest.raises(MastodonNotFoundError):
        await call(meg.account_mute, 999999)
    with pytest.raises(MastodonAPIError):
        await call(meg.account_mute, team.meg.id)
    ada = f"/api/v1/accounts/{team.ada.id}"
    for body in ({"duration": "soon"}, {"duration": -5}, {"notifications": "maybe"},
                 {"duration": 10**12}):
        answer = await http.post(f"{ada}/mute", json=body, headers=bearer(team.member_token))
        assert answer.status_code == 422 and "error" in answer.json(), body
    assert (await call(meg.account_relationships, [team.ada.id]))[0]["muting"] is False
    assert (await http.post(f"{ada}/mute")).status_code == 401
    assert (await http.get("/api/v1/mutes")).status_code == 401
    assert (await http.get("/api/v1/blocks")).status_code == 401
    read_only = bearer(team.read_only_token)
    assert (await http.post(f"/api/v1/accounts/{team.meg.id}/mute",
                            headers=read_only)).status_code == 403
    assert (await http.get("/api/v1/mutes", headers=read_only)).status_code == 200
    accounts_only = bearer(await token_for(team.kinhaven, "meg", "read:accounts write:follows"))
    assert (await http.get("/api/v1/mutes", headers=accounts_only)).status_code == 403
    assert (await http.get("/api/v1/blocks", headers=accounts_only)).status_code == 403
    assert (await http.post(f"{ada}/mute", headers=accounts_only)).status_code == 403
    follow_scope = bearer(await token_for(team.kinhaven, "meg", "follow"))
    assert (await http.get("/api/v1/blocks", headers=follow_scope)).status_code == 200
    assert (await http.post(f"{ada}/unmute", headers=follow_scope)).status_code == 200
    assert (await http.post("/api/v1/accounts/junk/unmute",
                            headers=bearer(team.member_token))).status_code == 404
    bad_limit = await http.get("/api/v1/mutes?limit=0", headers=bearer(team.member_token))
    assert bad_limit.status_code == 422
