"""Who may call the API: bearer tokens only (never the session cookie), Mastodon's scope
rules, the team for the admin endpoints, and Mastodon's error shape for every refusal."""

from __future__ import annotations

import pytest
from mastodon import MastodonAPIError, MastodonUnauthorizedError

from server.accounts import InvalidAccount, parse_scopes
from server.scopes import allows, covers
from server.storage import policy as policy_store
from server.storage import sanctions
from server.storage import tokens as token_store
from tests.api import Team, bearer, call, mastodon, token_for
from tests.browsing import member_browser

BLOCKS = "/api/v1/admin/domain_blocks"


def test_scopes_cover_their_granular_forms_and_nothing_else() -> None:
    assert covers("read", "read:statuses") and covers("write", "write:follows")
    assert covers("admin:read", "admin:read:reports")
    assert covers("admin:write", "admin:write:domain_blocks")
    assert covers("admin:read:reports", "admin:read:reports")
    assert not covers("read", "admin:read:reports") and not covers("write", "admin:write")
    assert not covers("admin:read", "admin:write:reports")
    assert not covers("admin:read:reports", "admin:read:domain_blocks")
    assert not covers("read:statuses", "read")
    assert covers("follow", "write:follows") and covers("follow", "read:mutes")
    assert not covers("follow", "write:statuses")
    assert allows(("read", "admin:write:reports"), "admin:write:reports")
    assert not allows(("read", "write", "follow", "push"), "admin:read:domain_blocks")


def test_admin_scopes_can_be_issued_but_a_bare_admin_cannot() -> None:
    scopes = "read admin:read admin:write admin:read:reports admin:write:domain_blocks"
    assert parse_scopes(scopes) == tuple(scopes.split())
    for wrong in ("admin", "admin:delete", "read:", "push:all", "everything"):
        with pytest.raises(InvalidAccount):
            parse_scopes(wrong)


async def test_no_token_or_an_unknown_one_is_401(team: Team) -> None:
    client = team.kinhaven.client
    for headers in ({}, bearer("not-a-token"), {"Authorization": "Basic YWRhOnB3"},
                    {"Authorization": "Bearer"}, bearer("x" * 5000)):
        answer = await client.get(BLOCKS, headers=headers)
        assert answer.status_code == 401, headers
        assert answer.json() == {"error": "The access token is invalid"}
        assert answer.headers["content-type"].startswith("application/json")
    with pytest.raises(MastodonUnauthorizedError):
        await call(mastodon(team.kinhaven, "wrong").admin_domain_blocks)


async def test_a_revoked_token_stops_working(team: Team) -> None:
    client = team.kinhaven.client
    token = await token_for(team.kinhaven, "ada", "admin:read")
    assert (await client.get(BLOCKS, headers=bearer(token))).status_code == 200
    found = await token_store.find_token(team.kinhaven.db, token)
    assert found is not None
    assert await token_store.revoke_token(team.kinhaven.db, found.id)
    answer = await client.get(BLOCKS, headers=bearer(token))
    assert answer.status_code == 401 and answer.json()["error"] == "The access token is invalid"


async def test_a_token_without_the_scope_is_refused_and_changes_nothing(team: Team) -> None:
    client = team.kinhaven.client
    answer = await client.post(BLOCKS, headers=bearer(team.read_only_token),
                               data={"domain": "bad.example", "severity": "suspend"})
    assert answer.status_code == 403
    assert answer.json() == {"error": "This action is outside the authorized scopes"}
    assert await policy_store.list_blocks(team.kinhaven.db) == []
    plain = await token_for(team.kinhaven, "ada", "read write follow push")
    answer = await client.get(BLOCKS, headers=bearer(plain))
    assert answer.status_code == 403 and "outside the authorized scopes" in answer.text
    granular = await token_for(team.kinhaven, "ada", "admin:read:reports")
    assert (await client.get("/api/v1/admin/reports", headers=bearer(granular))).status_code == 200
    assert (await client.get(BLOCKS, headers=bearer(granular))).status_code == 403


async def test_members_may_not_use_the_admin_api(team: Team) -> None:
    client = team.kinhaven.client
    for method, path in (("GET", BLOCKS), ("GET", "/api/v1/admin/reports"),
                         ("GET", "/api/v1/admin/domain_allows"), ("POST", BLOCKS)):
        answer = await client.request(method, path, headers=bearer(team.member_token),
                                      data={"domain": "bad.example"} if method == "POST" else None)
        assert answer.status_code == 403, path
        assert answer.json() == {"error": "This action is not allowed"}
    assert await policy_store.list_blocks(team.kinhaven.db) == []
    with pytest.raises(MastodonAPIError) as refused:
        await call(mastodon(team.kinhaven, team.member_token).admin_reports)
    assert refused.value.args[1] == 403
    moderator = await client.get(BLOCKS, headers=bearer(team.moderator_token))
    assert moderator.status_code == 200 and moderator.json() == []


async def test_a_suspended_members_token_is_refused(team: Team) -> None:
    kinhaven = team.kinhaven
    await sanctions.apply(kinhaven.db, actor_id=team.mo.id, handle="@mo", local=True,
                          kind="suspend", ends_at=None, reason="", note="", report_id=None,
                          by_id=team.ada.id, by_name="@ada")
    answer = await kinhaven.client.get(BLOCKS, headers=bearer(team.moderator_token))
    assert answer.status_code == 403
    assert answer.json() == {"error": "Your login is currently disabled"}


async def test_the_session_cookie_opens_nothing_and_no_cookie_is_set(team: Team) -> None:
    async with member_browser(team.kinhaven, "ada") as browser:
        assert (await browser.get("/admin/reports")).status_code == 200  # signed in
        answer = await browser.get(BLOCKS)
        assert answer.status_code == 401
        posted = await browser.post(BLOCKS, data={"domain": "bad.example"})
        assert posted.status_code == 401
    assert await policy_store.list_blocks(team.kinhaven.db) == []
    answer = await team.kinhaven.client.get(BLOCKS, headers=bearer(team.admin_token))
    assert answer.status_code == 200 and "set-cookie" not in answer.headers


async def test_unknown_paths_and_methods_answer_in_json(team: Team) -> None:
    client = team.kinhaven.client
    for path in ("/api/v1/nothing", "/api/v2/admin/domain_blocks", "/api/"):
        answer = await client.get(path, headers={"Accept": "text/html", **bearer(team.admin_token)})
        assert answer.status_code == 404, path
        assert answer.json() == {"error": "Not found"}
    answer = await client.post(f"{BLOCKS}/1", headers=bearer(team.admin_token))
    assert answer.status_code == 405 and "error" in answer.json()
    slash = await client.get(f"{BLOCKS}/", headers=bearer(team.admin_token))
    assert slash.status_code == 200 and slash.json() == []
