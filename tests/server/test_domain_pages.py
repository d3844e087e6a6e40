"""The moderators' pages for domain policy: blocks, unblocking after a confirmation, the
allowlist and the federation mode, Mastodon's CSV in and out, and the audit log; bad
input is refused and changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from moderation.domain_csv import MAX_BYTES, CsvBlock, export_blocklist
from server.storage import audit
from server.storage import policy as policy_store
from server.storage.actors import get_local_actor_by_username
from server.web import domains
from tests.browsing import browser_session, csrf_in, member_browser, submit
from tests.fake_mastodon import run_fake_mastodon
from tests.federating import accepted_follower
from tests.instances import RunningInstance, run_instance

PAGE = "/admin/domains"
MASTODON_CSV = (
    "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
    "spam.example,suspend,false,false,Spam,false\n"
    'meh.example,silence,true,true,"Rude, mostly",true\n'
    "not a domain,suspend,false,false,,false\n"
    "127.0.0.1,suspend,false,false,,false\n"
    "sub.known.example,noop,true,false,,false\n"
    "pics.example,nuke,false,false,,false\n"
)


@pytest.fixture
async def kinhaven(tmp_path: Path) -> AsyncIterator[RunningInstance]:
    async with run_instance(tmp_path) as instance:
        await instance.add_member("ada", role="admin")
        await instance.add_member("mod", role="moderator")
        await instance.add_member("amy")
        yield instance


async def _state(kinhaven: RunningInstance) -> tuple[object, ...]:
    """Everything the pages may change: blocks, allows, the mode and the audit log."""
    db = kinhaven.db
    return (await policy_store.list_blocks(db), await policy_store.list_allows(db),
            await policy_store.federation_mode(db, kinhaven.settings.federation_mode),
            await audit.recent(db))


async def _audited(kinhaven: RunningInstance) -> list[tuple[str, str, str, str]]:
    return [(e.actor_name, e.action, e.target, e.reason)
            for e in reversed(await audit.recent(kinhaven.db))]


async def _follows(kinhaven: RunningInstance) -> int:
    return int(await kinhaven.db.fetch_value("SELECT count(*) FROM follows"))


def _block(domain: str, severity: str = "suspend", **fields: str) -> dict[str, str]:
    return {"domain": domain, "severity": severity, **fields}


async def _import(client: httpx.AsyncClient, data: bytes,
                  name: str = "blocks.csv") -> httpx.Response:
    return await submit(client, PAGE, "/admin/domains/import",
                        files={"blocklist": (name, data, "text/csv")})


async def test_suspending_a_server_severs_follows_and_says_how_many(
    kinhaven: RunningInstance,
) -> None:
    amy = await get_local_actor_by_username(kinhaven.db, "amy")
    assert amy is not None
    async with run_fake_mastodon() as mastodon:
        await accepted_follower(kinhaven, mastodon, mastodon.add_account("bob"), amy)
        assert await _follows(kinhaven) == 1
        async with member_browser(kinhaven, "mod") as moderator:
            saved = await submit(moderator, PAGE, PAGE, _block(
                f"*.{mastodon.domain.upper()}", public_comment="Harassment of members",
                private_comment="see report 12", reject_reports="on", obfuscate="on"))
            assert saved.status_code == 303, saved.text[:500]
            page = (await moderator.get(saved.headers["location"])).text
        assert "severed 1 follow between members here" in page
        assert await _follows(kinhaven) == 0
    [block] = await policy_store.list_blocks(kinhaven.db)
    assert (block.domain, block.severity, block.reject_reports, block.obfuscate) == (
        mastodon.domain, "suspend", True, True)
    assert (block.public_comment, block.private_comment) == (
        "Harassment of members", "see report 12")
    for shown in (mastodon.domain, "Suspended", "Reports rejected", "Harassment of members",
                  "see report 12", "Obfuscated on the public list</dt><dd>Yes"):
        assert shown in page, shown
    assert await _audited(kinhaven) == [(
        "@mod", "domain.block",
        f"{mastodon.domain}: suspend, reject_reports, obfuscate (1 follow severed)",
        "public: Harassment of members; private: see report 12")]


async def test_a_rule_is_changed_then_unblocked_only_after_confirming(
    kinhaven: RunningInstance,
) -> None:
    async with member_browser(kinhaven, "mod") as moderator:
        assert (await submit(moderator, PAGE, PAGE, _block(
            "bad.example", "limit", public_comment="Spam"))).status_code == 303
        edit = (await moderator.get(f"{PAGE}?edit=bad.example")).text
        assert 'value="bad.example"' in edit and "Spam</textarea>" in edit
        changed = await submit(moderator, PAGE, PAGE, _block(
            "bad.example", "noop", reject_media="on", force_sensitive="on"))
        assert changed.status_code == 303 and "severed" not in changed.headers["location"]
        [block] = await policy_store.list_blocks(kinhaven.db)
        assert (block.severity, block.reject_media, block.force_sensitive) == ("noop", True, True)

        asked = await moderator.get("/admin/domains/unblock", params={"domain": "bad.example"})
        assert asked.status_code == 200 and "Unblock bad.example?" in asked.text
        assert len(await policy_store.list_blocks(kinhaven.db)) == 1, "asking changes nothing"
        too_long = await submit(moderator, "/admin/domains/unblock?domain=bad.example",
                                "/admin/domains/unblock",
                                {"domain": "bad.example", "reason": "x" * 1001})
        assert too_long.status_code == 422 and 'id="reason-error"' in too_long.text
        assert len(await policy_store.list_blocks(kinhaven.db)) == 1
        removed = await submit(moderator, "/admin/domains/unblock?domain=bad.example",
                               "/admin/domains/unblock",
                               {"domain": "bad.example", "reason": "They cleaned up"})
        assert removed.status_code == 303
        assert "no longer moderated" in (await moderator.get(removed.headers["location"])).text
        assert await policy_store.list_blocks(kinhaven.db) == []
        before = await _state(kinhaven)
        again = await submit(moderator, PAGE, "/admin/domains/unblock",
                             {"domain": "bad.example"})
        assert again.status_code == 404 and "Nothing to unblock" in again.text
        gone = await moderator.get("/admin/domains/unblock", params={"domain": "bad.example"})
        assert gone.status_code == 404
        assert await _state(kinhaven) == before
        log = (await moderator.get("/admin/audit")).text
    assert [entry[1] for entry in await _audited(kinhaven)] == [
        "domain.block", "domain.update", "domain.unblock"]
    assert "domain.unblock" in log and "They cleaned up" in log and "@mod" in log


@pytest.mark.parametrize(("fields", "field"), [
    (_block(""), "domain"),
    (_block("a b.example"), "domain"),
    (_block("http://x.example/"), "domain"),
    (_block("x..example"), "domain"),
    (_block("x" * 300 + ".example"), "domain"),
    (_block("127.0.0.1"), "domain"),
    (_block("bad.example", "obliterate"), "severity"),
    (_block("bad.example", "reject-media"), "severity"),
    (_block("bad.example", public_comment="x" * 1001), "public_comment"),
    (_block("bad.example", private_comment="x" * 1001), "private_comment"),
])
async def test_bad_block_input_is_refused_and_changes_nothing(
    kinhaven: RunningInstance, fields: dict[str, str], field: str,
) -> None:
    before = await _state(kinhaven)
    async with member_browser(kinhaven, "mod") as moderator:
        answer = await submit(moderator, PAGE, PAGE, fields)
    assert answer.status_code == 422 and f'id="{field}-error"' in answer.text
    assert "Please check the form" in answer.text
    assert await _state(kinhaven) == before


async def test_own_domain_is_refused_by_name(kinhaven: RunningInstance) -> None:
    async with member_browser(kinhaven, "mod") as moderator:
        answer = await submit(moderator, PAGE, PAGE, _block(kinhaven.settings.domain))
        allowed = await submit(moderator, PAGE, "/admin/domains/allow",
                               {"allow_domain": kinhaven.settings.domain})
    assert answer.status_code == 422 and "this server&#39;s own domain" in answer.text
    assert allowed.status_code == 422 and "always federates with itself" in allowed.text
    assert await policy_store.list_blocks(kinhaven.db) == []
    assert await policy_store.list_allows(kinhaven.db) == []


@pytest.mark.parametrize(("action", "fields"), [
    (PAGE, _block("bad.example")),
    ("/admin/domains/unblock", {"domain": "kept.example"}),
    ("/admin/domains/allow", {"allow_domain": "friends.example"}),
    ("/admin/domains/disallow", {"domain": "ally.example"}),
    ("/admin/domains/mode", {"mode": "allowlist", "confirm_allowlist": "on"}),
])
async def test_forms_without_the_right_token_change_nothing(
    kinhaven: RunningInstance, action: str, fields: dict[str, str],
) -> None:
    await policy_store.block_domain(kinhaven.db, "kept.example", severity="limit",
                                    by_id=None, by_name="tests")
    await policy_store.allow_domain(kinhaven.db, "ally.example", by_id=None, by_name="tests")
    before = await _state(kinhaven)
    async with member_browser(kinhaven, "ada") as admin:
        await admin.get(PAGE)
        wrong = await admin.post(action, data={"csrf_token": "0" * 40, **fields})
        missing = await admin.post(action, data=fields)
    for answer in (wrong, missing):
        assert answer.status_code == 403 and "Nothing was saved" in answer.text
    assert await _state(kinhaven) == before


async def test_an_import_without_the_right_token_changes_nothing(
    kinhaven: RunningInstance,
) -> None:
    async with member_browser(kinhaven, "mod") as moderator:
        await moderator.get(PAGE)
        answer = await moderator.post("/admin/domains/import", data={"csrf_token": "0" * 40},
                                      files={"blocklist": ("b.csv", b"spam.example\n")})
    assert answer.status_code == 403 and "Nothing was saved" in answer.text
    assert await policy_store.list_blocks(kinhaven.db) == []


async def test_members_are_turned_away_and_visitors_sent_to_sign_in(
    kinhaven: RunningInstance,
) -> None:
    before = await _state(kinhaven)
    posts: list[tuple[str, dict[str, Any]]] = [
        (PAGE, _block("bad.example")), ("/admin/domains/allow", {"allow_domain": "f.example"}),
        ("/admin/domains/unblock", {"domain": "bad.example"}),
        ("/admin/domains/mode", {"mode": "allowlist", "confirm_allowlist": "on"})]
    async with member_browser(kinhaven, "amy") as amy:
        for path in (PAGE, "/admin/domains/export", "/admin/domains/unblock?domain=x.example"):
            assert (await amy.get(path)).status_code == 403, path
        token = csrf_in((await amy.get("/settings")).text)
        for action, fields in posts:
            answer = await amy.post(action, data={"csrf_token": token, **fields})
            assert answer.status_code == 403, action
        imported = await amy.post("/admin/domains/import", data={"csrf_token": token},
                                  files={"blocklist": ("b.csv", b"spam.example\n")})
        assert imported.status_code == 403
    async with browser_session(kinhaven) as visitor:
        opened = await visitor.get(PAGE)
        assert opened.status_code == 303
        assert opened.headers["location"] == "/login?next=/admin/domains"
        exported = await visitor.get("/admin/domains/export")
        assert exported.status_code == 303 and "spam" not in exported.text
        for action, fields in posts:
            answer = await visitor.post(action, data=fields)
            assert answer.status_code == 303, action
            assert answer.headers["location"] == "/login?next=/home"
    assert await _state(kinhaven) == before


async def test_the_allowlist_and_the_admins_federation_mode(kinhaven: RunningInstance) -> None:
    async with member_browser(kinhaven, "mod") as moderator:
        index = (await moderator.get("/admin")).text
        assert 'href="/admin/domains"' in index and "Servers (domain policy)" in index
        page = (await moderator.get(PAGE)).text
        assert "open mode" in page and 'action="/admin/domains/mode"' not in page
        added = await submit(moderator, PAGE, "/admin/domains/allow",
                             {"allow_domain": "Friends.Example", "allow_reason": "partners"})
        assert added.status_code == 303
        again = await submit(moderator, PAGE, "/admin/domains/allow",
                             {"allow_domain": "friends.example"})
        assert "already on the allowlist" in (await moderator.get(again.headers["location"])).text
        for bad in ("", "https://friends.example/", "two words"):
            refused = await submit(moderator, PAGE, "/admin/domains/allow",
                                   {"allow_domain": bad})
            assert refused.status_code == 422 and 'id="allow_domain-error"' in refused.text
        moderators_mode = await submit(moderator, PAGE, "/admin/domains/mode",
                                       {"mode": "allowlist", "confirm_allowlist": "on"})
        assert moderators_mode.status_code == 403
    assert [a.domain for a in await policy_store.list_allows(kinhaven.db)] == ["friends.example"]
    mode = policy_store.federation_mode
    assert await mode(kinhaven.db, "open") == "open"

    async with member_browser(kinhaven, "ada") as admin:
        page = (await admin.get(PAGE)).text
        assert "only the servers on the allowlist federate" in page
        for fields, field in (({"mode": "allowlist"}, "confirm_allowlist"),
                              ({"mode": "closed", "confirm_allowlist": "on"}, "mode"),
                              ({"mode": "open", "mode_reason": "x" * 1001}, "mode_reason")):
            refused = await submit(admin, PAGE, "/admin/domains/mode", fields)
            assert refused.status_code == 422 and f'id="{field}-error"' in refused.text
            assert await mode(kinhaven.db, "open") == "open"
        switched = await submit(admin, PAGE, "/admin/domains/mode", {
            "mode": "allowlist", "confirm_allowlist": "on", "mode_reason": "a quiet month"})
        assert switched.status_code == 303
        assert await mode(kinhaven.db, "open") == "allowlist"
        page = (await admin.get(switched.headers["location"])).text
        assert "The federation mode is now allowlist" in page and "allowlist mode" in page
        removed = await submit(admin, PAGE, "/admin/domains/disallow",
                               {"domain": "friends.example"})
        assert removed.status_code == 303
        assert await policy_store.list_allows(kinhaven.db) == []
        again = await submit(admin, PAGE, "/admin/domains/disallow",
                             {"domain": "friends.example"})
        assert again.status_code == 404
        assert "no other server at all would federate" in (await admin.get(PAGE)).text
    assert await _audited(kinhaven) == [
        ("@mod", "domain.allow", "friends.example", "partners"),
        ("@ada", "federation.mode", "allowlist", "a quiet month"),
        ("@ada", "domain.disallow", "friends.example", ""),
    ]


async def test_a_mastodon_list_is_imported_with_refusals_and_exported_back(
    kinhaven: RunningInstance,
) -> None:
    await policy_store.block_domain(kinhaven.db, "known.example", severity="limit",
                                    by_id=None, by_name="tests")
    async with member_browser(kinhaven, "mod") as moderator:
        result = await _import(moderator, MASTODON_CSV.encode())
        assert result.status_code == 200, result.text[:500]
        page = result.text
        assert "Block list imported" in page and "From blocks.csv: 2 servers added" in page
        assert "1 left as it was" in page and "3 lines refused" in page
        for shown in ("Line 4", "not a domain", "covers this server", "sub.known.example",
                      "Line 7", "nuke"):
            assert shown in page, shown
        exported = await moderator.get("/admin/domains/export")
    blocks = {b.domain: b for b in await policy_store.list_blocks(kinhaven.db)}
    assert set(blocks) == {"known.example", "meh.example", "spam.example"}
    meh = blocks["meh.example"]
    assert (meh.severity, meh.reject_media, meh.reject_reports, meh.obfuscate) == (
        "limit", True, True, True)
    assert meh.public_comment == "Rude, mostly"
    imported = [entry for entry in await _audited(kinhaven) if entry[1] == "domain.import"]
    assert imported == [
        ("@mod", "domain.import", "spam.example: suspend (0 follows severed)",
         "public: Spam; imported from blocks.csv"),
        ("@mod", "domain.import", "meh.example: limit, reject_media, reject_reports, obfuscate",
         "public: Rude, mostly; imported from blocks.csv")]

    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.headers["content-disposition"].startswith("attachment;")
    assert exported.text == export_blocklist(
        CsvBlock(b.domain, b.severity, b.reject_media, b.reject_reports, b.public_comment,
                 b.obfuscate) for b in blocks.values())
    assert exported.text.splitlines()[2] == 'meh.example,silence,true,true,"Rude, mostly",true'


@pytest.mark.parametrize(("data", "status", "message"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", 422, "not UTF-8 text"),
    (b"#host,#level\nspam.example,noop\n", 422, "header without a #domain column"),
    (b'{"blocks": ["spam.example"]}\n<html>nope</html>\n', 422, "Nothing was imported"),
    (b"spam.example\n" * (MAX_BYTES // 13 + 1), 422, "larger than 2 MiB"),
    (b"spam.example\n" * (3 * MAX_BYTES // 13), 413, "larger than 2 MiB"),
    (b"", 422, "no domain blocks in it"),
    (b"\n\n# only a comment\n", 422, "no domain blocks in it"),
])
async def test_unreadable_lists_change_nothing(
    kinhaven: RunningInstance, data: bytes, status: int, message: str,
) -> None:
    before = await _state(kinhaven)
    async with member_browser(kinhaven, "mod") as moderator:
        answer = await _import(moderator, data)
    assert answer.status_code == status and message in answer.text, answer.text[:2000]
    assert await _state(kinhaven) == before


async def test_an_import_needs_a_file(kinhaven: RunningInstance) -> None:
    async with member_browser(kinhaven, "mod") as moderator:
        answer = await submit(moderator, PAGE, "/admin/domains/import",
                              files={"other": ("b.csv", b"spam.example\n", "text/csv")})
    assert answer.status_code == 422 and 'id="blocklist-error"' in answer.text
    assert "Please choose a CSV file" in answer.text
    assert await policy_store.list_blocks(kinhaven.db) == []


async def test_long_lists_are_shown_a_page_at_a_time(
    kinhaven: RunningInstance, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(domains, "PAGE", 2)
    for name in ("a.example", "b.example", "c.example"):
        await policy_store.block_domain(kinhaven.db, name, severity="noop",
                                        by_id=None, by_name="tests")
    async with member_browser(kinhaven, "mod") as moderator:
        first = (await moderator.get(PAGE)).text
        assert "3 servers have a rule" in first and "<h3>b.example</h3>" in first
        assert "<h3>c.example</h3>" not in first and "?after=b.example" in first
        rest = (await moderator.get(f"{PAGE}?after=b.example")).text
        assert "<h3>c.example</h3>" in rest and "<h3>a.example</h3>" not in rest
