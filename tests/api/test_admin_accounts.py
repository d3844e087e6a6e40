"""Mastodon's admin API for accounts, driven by Mastodon.py: the directory, approving
applications, and moderation actions that follow the same rules as the pages."""

from __future__ import annotations

import pytest
from mastodon import MastodonAPIError

from server.storage import audit
from server.storage import sanctions as sanction_store
from server.storage.actors import get_local_actor_by_username
from tests.api import Team, bearer, call, mastodon

ACCOUNTS = "/api/v1/admin/accounts"


async def test_the_directory_filters_like_mastodon(team: Team) -> None:
    await team.kinhaven.add_member("newbie", approved=False)
    api = mastodon(team.kinhaven, team.moderator_token)
    everyone = await call(api.admin_accounts_v2)
    assert {entry["username"] for entry in everyone} == {"ada", "mo", "meg", "newbie"}
    staff = await call(api.admin_accounts_v2, permissions="staff")
    assert {entry["username"] for entry in staff} == {"ada", "mo"}
    pending = await call(api.admin_accounts_v2, status="pending")
    assert [entry["username"] for entry in pending] == ["newbie"]
    assert pending[0]["approved"] is False and pending[0]["email"] is None
    meg = await call(api.admin_accounts_v2, username="me")
    assert [entry["username"] for entry in meg] == ["meg"]
    assert meg[0]["email"] == "meg@example.com"
    assert {entry["username"]: entry["role"]["name"] for entry in staff} == {
        "ada": "Admin", "mo": "Moderator"}
    assert await call(api.admin_accounts_v2, origin="remote") == []
    first = await team.kinhaven.client.get("/api/v2/admin/accounts", params={"limit": 2},
                                           headers=bearer(team.moderator_token))
    assert len(first.json()) == 2 and first.links["next"]["url"].endswith(
        f"max_id={first.json()[-1]['id']}")
    older = await team.kinhaven.client.get(first.links["next"]["url"],
                                           headers=bearer(team.moderator_token))
    seen = {entry["id"] for entry in first.json()}
    assert len(older.json()) == 2 and not {entry["id"] for entry in older.json()} & seen
    one = await call(api.admin_account, team.meg.id)
    assert one["id"] == str(team.meg.id) and one["account"]["acct"] == "meg"


async def test_approving_and_rejecting_applications(team: Team) -> None:
    waiting = await team.kinhaven.add_member("hopeful", approved=False)
    other = await team.kinhaven.add_member("another", approved=False)
    api = mastodon(team.kinhaven, team.moderator_token)
    approved = await call(api.admin_account_approve, waiting)
    assert approved["approved"] is True
    await call(api.admin_account_reject, other)
    with pytest.raises(MastodonAPIError) as again:
        await call(api.admin_account_approve, waiting)
    assert again.value.args[1] == 403
    actions = [entry.action for entry in await audit.recent(team.kinhaven.db)]
    assert "application.approve" in actions and "application.reject" in actions


async def test_moderation_actions_become_sanctions(team: Team) -> None:
    api = mastodon(team.kinhaven, team.moderator_token)
    await call(api.admin_account_moderate, team.meg.id, "silence", text="Please calm down.")
    assert (await sanction_store.standing_by_id(team.kinhaven.db, team.meg.id)).limited
    seen = await call(api.admin_account, team.meg.id)
    assert seen["silenced"] is True and seen["suspended"] is False
    await call(api.admin_account_moderate, team.meg.id, None, text="A friendly reminder.")
    await call(api.admin_account_moderate, team.meg.id, "sensitive")
    assert (await call(api.admin_account_unsilence, team.meg.id))["silenced"] is False
    assert (await call(api.admin_account_unsensitive, team.meg.id))["sensitized"] is False
    kinds = [s.kind for s in await sanction_store.history(team.kinhaven.db, team.meg.id)]
    assert kinds == ["sensitive", "warning", "limit"]
    answer = await team.kinhaven.client.post(
        f"{ACCOUNTS}/{team.meg.id}/action", headers=bearer(team.moderator_token),
        json={"type": "suspend", "text": "Two days out", "kinhaven_duration": "3d"})
    assert answer.status_code == 200 and answer.json() == {}
    history = await sanction_store.history(team.kinhaven.db, team.meg.id)
    assert history[0].kind == "suspend" and history[0].ends_at is not None
    assert (await call(api.admin_account_unsuspend, team.meg.id))["suspended"] is False


async def test_an_action_on_a_report_resolves_it(team: Team) -> None:
    from server.storage import reports as report_store

    report_id = await report_store.file_report(
        team.kinhaven.db, reporter_id=team.ada.id, target_actor_id=team.meg.id,
        category="other", comment="rude", object_uris=[])
    api = mastodon(team.kinhaven, team.moderator_token)
    await call(api.admin_account_moderate, team.meg.id, "silence", report_id=report_id,
               text="Limited after a report.")
    report = await report_store.get_report(team.kinhaven.db, report_id)
    assert report is not None and report.resolved_at is not None
    history = await sanction_store.history(team.kinhaven.db, team.meg.id)
    assert history[0].report_id == report_id


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"type": "disable"}, 422, "no separate disable"),
    ({"type": "banish"}, 422, "type must be one of"),
    ({"type": "suspend", "kinhaven_duration": "forever"}, 422, "unknown duration"),
    ({"type": "none"}, 422, "a warning needs a message"),
    ({"type": "silence", "report_id": "999"}, 422, "report_id names no report"),
    ({"type": "silence", "report_id": "x"}, 422, "must be a whole number"),
    ({"type": "silence", "text": "x" * 2001}, 422, "2000 characters"),
    ({"type": ["silence"]}, 422, "type must be text"),
])
async def test_bad_actions_are_refused_and_change_nothing(team: Team, body: dict[str, object],
                                                          status: int, message: str) -> None:
    entries = len(await audit.recent(team.kinhaven.db))
    answer = await team.kinhaven.client.post(
        f"{ACCOUNTS}/{team.meg.id}/action", headers=bearer(team.moderator_token), json=body)
    assert answer.status_code == status, answer.text
    assert message in answer.json()["error"]
    assert await sanction_store.history(team.kinhaven.db, team.meg.id) == []
    assert len(await audit.recent(team.kinhaven.db)) == entries


async def test_who_may_act_on_whom_through_the_api(team: Team) -> None:
    client = team.kinhaven.client
    for token, target, status in (
        (team.moderator_token, team.ada.id, 403),  # an admin
        (team.moderator_token, team.mo.id, 403),  # themselves
        (team.member_token, team.meg.id, 403),  # not on the team
        (team.read_only_token, team.meg.id, 403),  # no write scope
    ):
        answer = await client.post(f"{ACCOUNTS}/{target}/action", headers=bearer(token),
                                   json={"type": "suspend"})
        assert answer.status_code == status, (target, answer.text)
        assert "error" in answer.json()
    assert (await client.get(f"{ACCOUNTS}/99999", headers=bearer(team.admin_token))
            ).status_code == 404
    assert (await client.get(f"{ACCOUNTS}/abc", headers=bearer(team.admin_token))
            ).status_code == 404
    instance_actor = team.kinhaven.app.state.instance.actor
    assert (await client.get(f"{ACCOUNTS}/{instance_actor.id}",
                             headers=bearer(team.admin_token))).status_code == 404
    for bad in ({"status": "sleeping"}, {"origin": "mars"}, {"limit": "-1"}):
        answer = await client.get("/api/v2/admin/accounts", params=bad,
                                  headers=bearer(team.admin_token))
        assert answer.status_code == 422, bad
    admin = await get_local_actor_by_username(team.kinhaven.db, "ada")
    assert admin is not None
    assert await sanction_store.history(team.kinhaven.db, admin.id) == []
