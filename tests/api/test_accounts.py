"""The accounts endpoints through Mastodon.py against a running instance."""

from __future__ import annotations

import pytest
from mastodon import MastodonNotFoundError

from tests.api import Team, bearer, call, mastodon


async def test_own_account_one_by_id_and_by_name(team: Team) -> None:
    client = mastodon(team.kinhaven, team.member_token)
    me = await call(client.account_verify_credentials)
    assert str(me["id"]) == str(team.meg.id) and me["username"] == "meg"
    assert me["source"]["follow_requests_count"] == 0
    assert me["source"]["privacy"] in ("public", "unlisted", "private", "direct")
    ada = await call(client.account, team.ada.id)
    assert ada["acct"] == "ada"
    assert str((await call(client.account_lookup, "ada"))["id"]) == str(team.ada.id)
    with pytest.raises(MastodonNotFoundError):
        await call(client.account, 999999)


async def test_bad_requests(team: Team) -> None:
    http = team.kinhaven.client
    assert (await http.get("/api/v1/accounts/verify_credentials")).status_code == 401
    junk = await http.get("/api/v1/accounts/junk", headers=bearer(team.member_token))
    assert junk.status_code == 404
    nobody = await http.get("/api/v1/accounts/lookup?acct=nobody",
                            headers=bearer(team.member_token))
    assert nobody.status_code == 404 and "error" in nobody.json()


async def test_follow_block_and_relationships(team: Team) -> None:
    meg = mastodon(team.kinhaven, team.member_token)
    ada = mastodon(team.kinhaven, team.admin_token)
    asked = await call(meg.account_follow, team.ada.id)
    assert asked["requested"] is True and asked["following"] is False
    assert [account["username"] for account in await call(ada.follow_requests)] == ["meg"]
    await call(ada.follow_request_authorize, team.meg.id)
    relation = (await call(meg.account_relationships, [team.ada.id]))[0]
    assert relation["following"] is True and relation["requested"] is False
    assert (await call(meg.account_unfollow, team.ada.id))["following"] is False
    blocked = await call(meg.account_block, team.ada.id)
    assert blocked["blocking"] is True
    assert (await call(ada.account_relationships, [team.meg.id]))[0]["blocked_by"] is True
    assert (await call(meg.account_unblock, team.ada.id))["blocking"] is False
    found = await call(meg.account_search, "ada")
    assert [account["username"] for account in found] == ["ada"]


async def test_follow_refusals(team: Team) -> None:
    http = team.kinhaven.client
    me = await http.post(f"/api/v1/accounts/{team.meg.id}/follow",
                         headers=bearer(team.member_token))
    assert me.status_code == 422 and "error" in me.json()
    missing = await http.post("/api/v1/accounts/999999/follow", headers=bearer(team.member_token))
    assert missing.status_code == 404
    read_only = await http.post(f"/api/v1/accounts/{team.meg.id}/follow",
                                headers=bearer(team.read_only_token))
    assert read_only.status_code == 403
    rejected = await http.post(f"/api/v1/follow_requests/{team.ada.id}/reject",
                               headers=bearer(team.member_token))
    assert rejected.status_code == 404


async def test_account_statuses_page_and_keep_privacy(team: Team) -> None:
    ada = mastodon(team.kinhaven, team.admin_token)
    meg = mastodon(team.kinhaven, team.member_token)
    for number in range(3):
        await call(ada.status_post, f"open {number}", visibility="public")
    await call(ada.status_post, "for followers", visibility="private")
    await call(ada.status_post, "only for mo", visibility="direct")
    first = await call(meg.account_statuses, team.ada.id, limit=2)
    assert len(first) == 2
    rest = await call(meg.fetch_next, first)
    texts = [status["content"] for status in [*first, *(rest or [])]]
    assert len(texts) == 3 and all("open" in text for text in texts)
    await call(meg.account_follow, team.ada.id)
    await call(ada.follow_request_authorize, team.meg.id)
    followed = await call(meg.account_statuses, team.ada.id)
    assert any("for followers" in status["content"] for status in followed)
    assert not any("only for mo" in status["content"] for status in followed)
    assert await call(meg.account_statuses, team.ada.id, pinned=True) == []


async def test_followers_and_following(team: Team) -> None:
    ada = mastodon(team.kinhaven, team.admin_token)
    meg = mastodon(team.kinhaven, team.member_token)
    await call(meg.account_follow, team.ada.id)
    assert await call(meg.account_following, team.meg.id) == []
    await call(ada.follow_request_authorize, team.meg.id)
    following = await call(meg.account_following, team.meg.id)
    assert [account["username"] for account in following] == ["ada"]
    assert [account["username"] for account in
            await call(ada.account_followers, team.ada.id)] == ["meg"]
