"""Reports through Mastodon's admin API: Mastodon.py lists, reads, resolves and reopens
them; the entities carry what Mastodon's do (with our category kept beside theirs);
every change is audited; refused calls change nothing."""

from __future__ import annotations

import re

import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from server.activitypub.context import Federation
from server.services import posting
from server.storage import audit
from server.storage import reports as report_store
from server.storage.actors import Actor, NewActor, insert_actor_once
from tests.api import Team, bearer, call, mastodon

REPORTS = "/api/v1/admin/reports"
MASTODON_TIME = re.compile(r"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\Z")
ACCOUNT_FIELDS = {"id", "username", "acct", "display_name", "locked", "bot", "created_at",
                  "note", "url", "avatar", "avatar_static", "header", "header_static",
                  "followers_count", "following_count", "statuses_count", "fields", "emojis"}
ADMIN_ACCOUNT_FIELDS = {"id", "username", "domain", "created_at", "email", "ip", "role",
                        "confirmed", "suspended", "silenced", "sensitized", "disabled",
                        "approved", "account"}
STATUS_FIELDS = {"id", "uri", "url", "content", "created_at", "visibility", "spoiler_text",
                 "account", "sensitive", "media_attachments"}


def _federation(team: Team) -> Federation:
    federation: Federation = team.kinhaven.app.state.federation
    return federation


async def _remote(team: Team) -> Actor:
    return await insert_actor_once(team.kinhaven.db, NewActor(
        uri="https://far.example/users/rex", local=False, actor_type="Person",
        username="rex", domain="far.example", inbox_uri="https://far.example/inbox",
        display_name="Rex", public_key_id="https://far.example/users/rex#main-key",
        public_key_pem="unused"))


async def _welfare_report(team: Team) -> tuple[int, str]:
    """mo's post, reported by meg as a welfare concern; returns the report id and post uri."""
    post = await posting.publish(_federation(team), team.mo, "I can't do this any more.",
                                 visibility="local")
    report_id = await report_store.file_report(
        team.kinhaven.db, reporter_id=team.meg.id, target_actor_id=team.mo.id,
        category="welfare", comment="Please check on them", object_uris=[post.uri])
    return report_id, post.uri


async def test_mastodon_py_reads_resolves_and_reopens_a_report(team: Team) -> None:
    report_id, post_uri = await _welfare_report(team)
    client = mastodon(team.kinhaven, team.moderator_token)

    listed = await call(client.admin_reports)
    assert [str(report.id) for report in listed] == [str(report_id)]
    report = await call(client.admin_report, report_id)
    assert report.category == "other" and report.kinhaven_category == "welfare"
    assert report.comment == "Please check on them" and report.action_taken is False
    assert report.account.username == "meg" and report.account.email == "meg@example.com"
    assert report.account.account.acct == "meg"
    assert report.target_account.username == "mo"
    assert report.target_account.role.name == "Moderator"
    assert [status.uri for status in report.statuses] == [post_uri]
    assert "do this any more" in report.statuses[0].content
    assert report.statuses[0].visibility == "private"
    assert report.statuses[0].kinhaven_visibility == "local"
    assert report.assigned_account is None and report.action_taken_by_account is None

    resolved = await call(client.admin_report_resolve, report_id)
    assert resolved.action_taken is True and resolved.action_taken_at is not None
    assert resolved.action_taken_by_account.username == "mo"
    stored = await report_store.get_report(team.kinhaven.db, report_id)
    assert stored is not None and stored.state == "resolved" and stored.resolved_by == team.mo.id
    assert await call(client.admin_reports) == []
    assert [r.id for r in await call(client.admin_reports, resolved=True)] == [resolved.id]
    again = await call(client.admin_report_resolve, report_id)
    assert again.action_taken is True

    reopened = await call(client.admin_report_reopen, report_id)
    assert reopened.action_taken is False and reopened.action_taken_by_account is None
    stored = await report_store.get_report(team.kinhaven.db, report_id)
    assert stored is not None and stored.state == "open"
    assert [r.id for r in await report_store.open_queue(team.kinhaven.db)] == [report_id]

    entries = [(e.action, e.actor_name, e.target) for e in
               reversed(await audit.recent(team.kinhaven.db))]
    assert entries == [("report.resolve", "@mo", f"report {report_id}: no-action"),
                       ("report.reopen", "@mo", f"report {report_id}")]


async def test_the_report_entity_has_mastodons_shape(team: Team) -> None:
    report_id, _ = await _welfare_report(team)
    answer = await team.kinhaven.client.get(f"{REPORTS}/{report_id}",
                                            headers=bearer(team.admin_token))
    body = answer.json()
    assert body["id"] == str(report_id) and body["rules"] == []
    for name in ("created_at", "updated_at"):
        assert MASTODON_TIME.match(body[name]), name
    assert body["action_taken_at"] is None and body["forwarded"] is False
    reporter = body["account"]
    assert set(reporter) >= ADMIN_ACCOUNT_FIELDS
    assert set(reporter["account"]) >= ACCOUNT_FIELDS
    assert reporter["id"] == str(team.meg.id) and reporter["domain"] is None
    assert reporter["ip"] is None and reporter["approved"] is True
    assert reporter["suspended"] is False and reporter["role"]["id"] == "-99"
    profile = reporter["account"]
    assert profile["id"] == str(team.meg.id) and profile["acct"] == "meg"
    assert profile["created_at"].endswith("T00:00:00.000Z")
    assert profile["avatar"].startswith(team.kinhaven.base_url)
    assert profile["url"] == f"{team.kinhaven.base_url}/@meg"
    status = body["statuses"][0]
    assert set(status) >= STATUS_FIELDS and status["account"]["username"] == "mo"
    assert MASTODON_TIME.match(status["created_at"])
    header = await team.kinhaven.client.get(profile["header"].removeprefix(
        team.kinhaven.base_url))
    assert header.status_code == 200 and header.headers["content-type"] == "image/png"


async def test_reports_about_remote_accounts_and_from_other_servers(team: Team) -> None:
    rex = await _remote(team)
    db = team.kinhaven.db
    about_rex = await report_store.file_report(
        db, reporter_id=team.meg.id, target_actor_id=rex.id, category="spam", comment="ads",
        object_uris=[rex.uri])
    await report_store.record_report(
        db, uri="https://far.example/flags/1", target_actor_id=team.mo.id,
        comment="rude", object_uris=[team.mo.uri], origin_domain="far.example")
    client = mastodon(team.kinhaven, team.admin_token)
    listed = await call(client.admin_reports)
    assert len(listed) == 2
    flagged, spam = listed  # newest first
    assert spam.id == str(about_rex) and spam.category == "spam"
    assert spam.target_account.domain == "far.example"
    assert spam.target_account.account.acct == "rex@far.example"
    assert spam.target_account.email is None and spam.target_account.role is None
    assert spam.statuses == []
    instance_actor = team.kinhaven.instance.actor
    assert flagged.account.id == str(instance_actor.id)
    assert flagged.kinhaven_origin_domain == "far.example"
    assert flagged.target_account.username == "mo"

    by_meg = await call(client.admin_reports, account_id=team.meg.id)
    assert [r.id for r in by_meg] == [spam.id]
    about_mo = await call(client.admin_reports, target_account_id=team.mo.id)
    assert [r.id for r in about_mo] == [flagged.id]
    first = await call(client.admin_reports, limit=1)
    rest = await call(client.fetch_next, first)
    assert rest is not None
    assert [r.id for r in first] + [r.id for r in rest] == [flagged.id, spam.id]


async def test_refused_report_calls_change_nothing(team: Team) -> None:
    report_id, _ = await _welfare_report(team)
    client = team.kinhaven.client
    for path in (f"{REPORTS}/{report_id}/resolve", f"{REPORTS}/{report_id}/reopen"):
        answer = await client.post(path, headers=bearer(team.read_only_token))
        assert answer.status_code == 403
        assert answer.json() == {"error": "This action is outside the authorized scopes"}
        answer = await client.post(path, headers=bearer(team.member_token))
        assert answer.status_code == 403 and answer.json()["error"] == "This action is not allowed"
    stored = await report_store.get_report(team.kinhaven.db, report_id)
    assert stored is not None and stored.state == "open"
    assert await audit.recent(team.kinhaven.db) == []
    missing = report_id + 1
    for method, path in (("GET", f"{REPORTS}/{missing}"), ("GET", f"{REPORTS}/x"),
                         ("POST", f"{REPORTS}/{missing}/resolve")):
        answer = await client.request(method, path, headers=bearer(team.admin_token))
        assert answer.status_code == 404 and answer.json() == {"error": "Record not found"}
    for name, value in (("account_id", "meg"), ("target_account_id", "-2"), ("limit", "x"),
                        ("resolved", "perhaps")):
        answer = await client.get(REPORTS, headers=bearer(team.admin_token),
                                  params={name: value})
        assert answer.status_code == 422, name
    with pytest.raises(MastodonNotFoundError):
        await call(mastodon(team.kinhaven, team.admin_token).admin_report, report_id + 1)
    with pytest.raises(MastodonAPIError):
        await call(mastodon(team.kinhaven, team.member_token).admin_report_resolve, report_id)
