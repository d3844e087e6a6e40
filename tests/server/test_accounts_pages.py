"""Joining, signing in and out, and the team's review of applications, through the pages."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from server.community import save_choices
from server.storage import accounts as account_store
from server.storage import community as community_store
from server.web import auth
from tests.browsing import PASSWORD, browser_session, csrf_in, member_browser, sign_in, submit
from tests.instances import RunningInstance, run_instance


@pytest.fixture
async def kinhaven(tmp_path: Path) -> AsyncIterator[RunningInstance]:
    async with run_instance(tmp_path) as instance:
        await instance.add_member("ada", role="admin")
        yield instance


@pytest.fixture(autouse=True)
def fresh_attempt_limits() -> None:
    """The limits are per process; every test starts with none used."""
    auth.per_account._failures.clear()
    auth.per_address._failures.clear()


def _application(username: str, **extra: str) -> dict[str, str]:
    return {"username": username, "password": PASSWORD, "password_again": PASSWORD,
            "reason": "I would like somewhere kind to talk.", **extra}


async def _apply(client: httpx.AsyncClient, username: str, **extra: str) -> httpx.Response:
    return await submit(client, "/signup", "/signup", _application(username, **extra))


async def test_application_waits_for_approval_then_the_member_signs_in(
    kinhaven: RunningInstance,
) -> None:
    async with browser_session(kinhaven) as visitor:
        applied = await _apply(visitor, "bea")
        assert applied.status_code == 200
        assert "Thank you for applying" in applied.text
        waiting = await submit(visitor, "/login", "/login",
                               {"username": "bea", "password": PASSWORD})
        assert waiting.status_code == 403
        assert "waiting for a moderator" in waiting.text
        assert (await visitor.get("/home")).status_code == 303

    async with member_browser(kinhaven, "ada") as admin:
        queue = await admin.get("/admin/applications")
        assert "@bea" in queue.text
        assert "somewhere kind to talk" in queue.text
        account = await account_store.get_account_by_username(kinhaven.db, "bea")
        assert account is not None
        approved = await submit(admin, "/admin/applications",
                                f"/admin/applications/{account.actor_id}/approve")
        assert approved.status_code == 303
        again = await submit(admin, "/admin/applications",
                             f"/admin/applications/{account.actor_id}/approve")
        assert again.status_code == 409

    async with member_browser(kinhaven, "bea") as bea:
        # Signed in: a member's answer (403), not the visitor's redirect to sign in.
        assert (await bea.get("/admin")).status_code == 403
        assert 'action="/logout"' in (await bea.get("/help")).text


async def test_rejection_needs_a_reason_and_the_applicant_sees_it(
    kinhaven: RunningInstance,
) -> None:
    async with browser_session(kinhaven) as visitor:
        await _apply(visitor, "cal")
    account = await account_store.get_account_by_username(kinhaven.db, "cal")
    assert account is not None
    path = f"/admin/applications/{account.actor_id}/reject"
    async with member_browser(kinhaven, "ada") as admin:
        no_reason = await submit(admin, "/admin/applications", path, {})
        assert no_reason.status_code == 422
        assert "Please give a reason" in no_reason.text
        still = await account_store.get_account(kinhaven.db, account.actor_id)
        assert still is not None and still.pending
        rejected = await submit(admin, "/admin/applications", path,
                                {"reason": "This community is for over-18s."})
        assert rejected.status_code == 303
    async with browser_session(kinhaven) as visitor:
        answer = await submit(visitor, "/login", "/login",
                              {"username": "cal", "password": PASSWORD})
        assert answer.status_code == 403
        assert "This community is for over-18s." in answer.text


async def test_members_cannot_open_the_review_pages(kinhaven: RunningInstance) -> None:
    await kinhaven.add_member("dee")
    async with member_browser(kinhaven, "dee") as dee:
        assert (await dee.get("/admin/applications")).status_code == 403
        assert (await dee.get("/admin/settings")).status_code == 403
        opened = await dee.get("/help")
        refused = await dee.post("/admin/settings", data={
            "csrf_token": csrf_in(opened.text), "registrations": "open"})
        assert refused.status_code == 403
    assert (await kinhaven.client.get("/admin")).status_code == 303


async def test_bad_applications_are_refused_next_to_the_field_and_nothing_is_saved(
    kinhaven: RunningInstance,
) -> None:
    await kinhaven.add_member("taken")
    before = await kinhaven.db.fetch_value("SELECT count(*) FROM accounts")
    cases = [
        (_application("Taken"), "username", "That username is taken"),
        (_application("no spaces"), "username", "Usernames are 1 to 30"),
        (_application("eve", password_again="different words"), "password_again", "not the same"),
        (_application("eve", password="short", password_again="short"), "password", "at least 8"),
        (_application("eve", reason=""), "reason", "why you would like to join"),
        (_application("eve", reason="x" * 1001), "reason", "under 1000"),
        (_application("eve", email="not-an-address"), "email", "is not an e-mail address"),
    ]
    async with browser_session(kinhaven) as visitor:
        for fields, field, message in cases:
            answer = await submit(visitor, "/signup", "/signup", fields)
            assert answer.status_code == 422, (field, answer.status_code)
            assert f'id="{field}-error"' in answer.text, field
            assert message in answer.text, (field, message)
            assert 'aria-invalid="true"' in answer.text
    assert await kinhaven.db.fetch_value("SELECT count(*) FROM accounts") == before


async def test_wrong_or_missing_csrf_token_saves_nothing(kinhaven: RunningInstance) -> None:
    before = await kinhaven.db.fetch_value("SELECT count(*) FROM accounts")
    async with browser_session(kinhaven) as visitor:
        await visitor.get("/signup")
        for token in ("", "0" * 40):
            fields = {**_application("fay"), "csrf_token": token}
            answer = await visitor.post("/signup", data=fields)
            assert answer.status_code == 403
            assert "Nothing was saved" in answer.text
        missing = await visitor.post("/signup", data=_application("fay"))
        assert missing.status_code == 403
    # A token from another visitor's page does not work either.
    async with browser_session(kinhaven) as other:
        token = csrf_in((await other.get("/signup")).text)
    async with browser_session(kinhaven) as visitor:
        await visitor.get("/signup")
        stolen = await visitor.post("/signup", data={**_application("fay"), "csrf_token": token})
        assert stolen.status_code == 403
    assert await kinhaven.db.fetch_value("SELECT count(*) FROM accounts") == before


async def test_wrong_passwords_are_limited(kinhaven: RunningInstance) -> None:
    await kinhaven.add_member("gus")
    async with browser_session(kinhaven) as visitor:
        for _ in range(5):
            wrong = await submit(visitor, "/login", "/login",
                                 {"username": "gus", "password": "not the password"})
            assert wrong.status_code == 401
            assert "do not match" in wrong.text
            assert 'id="password-error"' in wrong.text
        limited = await submit(visitor, "/login", "/login",
                               {"username": "gus", "password": PASSWORD})
        assert limited.status_code == 429
        assert "Too many attempts" in limited.text
        assert (await visitor.get("/home")).status_code == 303
    # Another member is not locked out by someone guessing gus's password.
    async with member_browser(kinhaven, "ada"):
        pass


async def test_unknown_names_and_closed_accounts_answer_like_wrong_passwords(
    kinhaven: RunningInstance,
) -> None:
    async with browser_session(kinhaven) as visitor:
        unknown = await submit(visitor, "/login", "/login",
                               {"username": "nobody", "password": PASSWORD})
        assert unknown.status_code == 401
        assert "do not match" in unknown.text


async def test_sign_out_ends_the_session_for_good(kinhaven: RunningInstance) -> None:
    async with member_browser(kinhaven, "ada") as admin:
        cookie = admin.cookies.get("kinhaven_session")
        assert cookie
        assert (await admin.get("/admin")).status_code == 200
        out = await submit(admin, "/help", "/logout")
        assert out.status_code == 303
        assert (await admin.get("/admin")).status_code == 303
    async with browser_session(kinhaven) as replay:
        replay.cookies.set("kinhaven_session", cookie)
        assert (await replay.get("/admin")).status_code == 303


async def test_forged_session_cookie_opens_nothing(kinhaven: RunningInstance) -> None:
    async with browser_session(kinhaven) as visitor:
        visitor.cookies.set("kinhaven_session", "InNvbWV0aGluZyI.forged")
        assert (await visitor.get("/admin")).status_code == 303


async def test_sign_in_never_redirects_to_another_site(kinhaven: RunningInstance) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        async with browser_session(kinhaven) as visitor:
            answer = await submit(visitor, "/login", "/login",
                                  {"username": "ada", "password": PASSWORD, "next": target})
            assert answer.status_code == 303
            assert answer.headers["location"] == "/home"
    async with browser_session(kinhaven) as visitor:
        answer = await submit(visitor, "/login", "/login",
                              {"username": "ada", "password": PASSWORD, "next": "/admin"})
        assert answer.headers["location"] == "/admin"


async def test_invite_mode_and_rules(kinhaven: RunningInstance) -> None:
    await save_choices(kinhaven.db, registrations="invite", crisis_resources="",
                       description="")
    await community_store.replace_rules(kinhaven.db, ["Be kind.", "No advice on methods."])
    admin_id = (await account_store.get_account_by_username(kinhaven.db, "ada")).actor_id  # type: ignore[union-attr]
    await community_store.create_invite(kinhaven.db, code="welcome-1", created_by=admin_id,
                                        max_uses=1, expires_at=None)
    async with browser_session(kinhaven) as visitor:
        page = await visitor.get("/signup")
        assert "No advice on methods." in page.text
        no_code = await _apply(visitor, "hal", accept_rules="on")
        assert no_code.status_code == 422 and 'id="invite-error"' in no_code.text
        no_rules = await _apply(visitor, "hal", invite="welcome-1")
        assert no_rules.status_code == 422 and 'id="accept_rules-error"' in no_rules.text
        joined = await _apply(visitor, "hal", invite="welcome-1", accept_rules="on")
        assert joined.status_code == 303 and joined.headers["location"] == "/home"
    hal = await account_store.get_account_by_username(kinhaven.db, "hal")
    assert hal is not None and hal.approved and hal.rules_accepted_at is not None
    async with browser_session(kinhaven) as visitor:
        used_up = await _apply(visitor, "ivy", invite="welcome-1", accept_rules="on")
        assert used_up.status_code == 422
        assert "not valid any more" in used_up.text
    assert await account_store.get_account_by_username(kinhaven.db, "ivy") is None


async def test_closed_and_open_modes(kinhaven: RunningInstance) -> None:
    await save_choices(kinhaven.db, registrations="closed", crisis_resources="", description="")
    async with browser_session(kinhaven) as visitor:
        page = await visitor.get("/signup")
        assert "not taking new members" in page.text
        token = csrf_in((await visitor.get("/login")).text)
        refused = await visitor.post("/signup", data={**_application("jo"), "csrf_token": token})
        assert refused.status_code == 403
    assert await account_store.get_account_by_username(kinhaven.db, "jo") is None
    await save_choices(kinhaven.db, registrations="open", crisis_resources="", description="")
    async with browser_session(kinhaven) as visitor:
        joined = await _apply(visitor, "jo")
        assert joined.status_code == 303


async def test_admin_sets_crisis_resources_and_rules(kinhaven: RunningInstance) -> None:
    placeholder = (await kinhaven.client.get("/help")).text
    assert "Samaritans" in placeholder
    async with member_browser(kinhaven, "ada") as admin:
        bad = await submit(admin, "/admin/settings", "/admin/settings", {
            "registrations": "everyone", "rules": "", "crisis_resources": "",
            "description": ""})
        assert bad.status_code == 422 and 'id="registrations-error"' in bad.text
        saved = await submit(admin, "/admin/settings", "/admin/settings", {
            "registrations": "approval", "rules": "Be gentle.\n\nListen first.",
            "crisis_resources": "Call the Haven line: 0800 000 000",
            "description": "A place to be heard.", "federated_timeline": "on",
            "secure_mode": "on"})
        assert saved.status_code == 303
    unsigned = await kinhaven.client.get("/users/ada",
                                         headers={"Accept": "application/activity+json"})
    assert unsigned.status_code == 401
    help_page = (await kinhaven.client.get("/help")).text
    assert "Haven line" in help_page and "Samaritans" not in help_page
    assert [rule.text for rule in await community_store.list_rules(kinhaven.db)] == [
        "Be gentle.", "Listen first."]
    about = (await kinhaven.client.get("/about")).text
    assert "A place to be heard." in about and "Listen first." in about


async def test_every_page_links_to_help_in_one_step(kinhaven: RunningInstance) -> None:
    for path in ("/", "/login", "/signup", "/about", "/help"):
        page = await kinhaven.client.get(path, follow_redirects=True)
        assert 'href="/help"' in page.text, path
    async with member_browser(kinhaven, "ada") as admin:
        assert 'href="/help"' in (await admin.get("/admin")).text


async def test_sign_in_with_handle_forms(kinhaven: RunningInstance) -> None:
    domain = kinhaven.settings.domain
    for name in ("ADA", "@ada", f"ada@{domain}"):
        async with browser_session(kinhaven) as visitor:
            await sign_in(visitor, name)


async def test_team_actions_are_in_an_audit_log_nobody_can_change(
    kinhaven: RunningInstance,
) -> None:
    async with browser_session(kinhaven) as visitor:
        await _apply(visitor, "kit")
    kit = await account_store.get_account_by_username(kinhaven.db, "kit")
    assert kit is not None
    async with member_browser(kinhaven, "ada") as admin:
        await submit(admin, "/admin/applications", f"/admin/applications/{kit.actor_id}/reject",
                     {"reason": "Please apply again when you are 18."})
        log = await admin.get("/admin/audit")
        assert log.status_code == 200
        assert "application.reject" in log.text and "@kit" in log.text
        assert "Please apply again when you are 18." in log.text and "@ada" in log.text
    for statement in ("UPDATE audit_log SET reason = 'nothing happened'",
                      "DELETE FROM audit_log"):
        with pytest.raises(sqlite3.IntegrityError, match="cannot be changed"):
            async with kinhaven.db.transaction() as tx:
                await tx.execute(statement)
    assert await kinhaven.db.fetch_value("SELECT count(*) FROM audit_log") == 1
    await kinhaven.add_member("mo", role="moderator")
    await kinhaven.add_member("mel")
    async with member_browser(kinhaven, "mo") as moderator:
        assert (await moderator.get("/admin/audit")).status_code == 200
    async with member_browser(kinhaven, "mel") as member:
        assert (await member.get("/admin/audit")).status_code == 403


async def test_admins_appoint_moderators_and_keep_one_admin(kinhaven: RunningInstance) -> None:
    ed = await kinhaven.add_member("ed")
    found = await account_store.get_account_by_username(kinhaven.db, "ada")
    assert found is not None
    ada = found.actor_id
    async with member_browser(kinhaven, "ada") as admin:
        page = await admin.get("/admin/members")
        assert "Role of @ed" in page.text
        appointed = await submit(admin, "/admin/members", f"/admin/members/{ed}/role",
                                 {f"role-{ed}": "moderator"})
        assert appointed.status_code == 303
        bad = await submit(admin, "/admin/members", f"/admin/members/{ed}/role",
                           {f"role-{ed}": "owner"})
        assert bad.status_code == 422 and f'id="role-{ed}-error"' in bad.text
        last = await submit(admin, "/admin/members", f"/admin/members/{ada}/role",
                            {f"role-{ada}": "member"})
        assert last.status_code == 409 and "only admin" in last.text
        assert "role.change" in (await admin.get("/admin/audit")).text
    account = await account_store.get_account(kinhaven.db, ed)
    assert account is not None and account.role == "moderator"
    async with member_browser(kinhaven, "ed") as moderator:
        assert (await moderator.get("/admin/applications")).status_code == 200
        assert (await moderator.get("/admin/members")).status_code == 403
        assert (await moderator.get("/admin/settings")).status_code == 403
    admin_account = await account_store.get_account(kinhaven.db, ada)
    assert admin_account is not None and admin_account.role == "admin"
