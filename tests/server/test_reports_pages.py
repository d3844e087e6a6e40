"""Reports through the pages: members report posts and people, welfare concerns come
first with the crisis resources, moderators resolve with a note, and a report about
someone elsewhere is forwarded to their server without the reporter's name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.activitypub.context import Federation
from server.services import posting
from server.storage import reports as report_store
from server.storage.actors import Actor, get_local_actor_by_username
from tests.browsing import member_browser, submit
from tests.instances import RunningInstance, run_instance
from tests.waiting import wait_until


async def _member(instance: RunningInstance, name: str, **options: object) -> Actor:
    await instance.add_member(name, **options)
    actor = await get_local_actor_by_username(instance.db, name)
    assert actor is not None
    return actor


def _federation(instance: RunningInstance) -> Federation:
    federation: Federation = instance.app.state.federation
    return federation


@pytest.fixture
async def kinhaven(tmp_path: Path) -> AsyncIterator[RunningInstance]:
    async with run_instance(tmp_path) as instance:
        await _member(instance, "mia", role="moderator")
        await _member(instance, "ned")
        await _member(instance, "ola")
        yield instance


async def test_welfare_reports_come_first_and_are_resolved_with_a_note(
    kinhaven: RunningInstance,
) -> None:
    ola = await get_local_actor_by_username(kinhaven.db, "ola")
    assert ola is not None
    worrying = await posting.publish(_federation(kinhaven), ola, "I can't do this any more.",
                                     visibility="local")
    spam = await posting.publish(_federation(kinhaven), ola, "buy now", visibility="local")
    async with member_browser(kinhaven, "ned") as ned:
        page = f"/report?post={spam.id}"
        sent = await submit(ned, page, "/report", {"post": str(spam.id), "category": "spam"})
        assert sent.status_code == 200 and "Samaritans" not in sent.text
        page = f"/report?post={worrying.id}"
        assert "worried about this person" in (await ned.get(page)).text
        sent = await submit(ned, page, "/report", {
            "post": str(worrying.id), "category": "welfare", "comment": "Please check on her"})
        assert sent.status_code == 200
        assert "If someone is in danger right now" in sent.text and "Samaritans" in sent.text
        assert (await ned.get("/admin/reports")).status_code == 403

    async with member_browser(kinhaven, "mia") as mia:
        queue = (await mia.get("/admin/reports")).text
        assert queue.index("Welfare concern") < queue.index("spam or advertising")
        assert "What to do now" in queue and "Please check on her" in queue
        assert "do this any more" in queue
        welfare = next(r for r in await report_store.open_queue(kinhaven.db) if r.welfare)
        action = f"/admin/reports/{welfare.id}/resolve"
        no_note = await submit(mia, "/admin/reports", action,
                               {f"action-{welfare.id}": "support-offered"})
        assert no_note.status_code == 422 and f'id="note-{welfare.id}-error"' in no_note.text
        bad = await submit(mia, "/admin/reports", action,
                           {f"action-{welfare.id}": "shrug", f"note-{welfare.id}": "x"})
        assert bad.status_code == 422 and f'id="action-{welfare.id}-error"' in bad.text
        done = await submit(mia, "/admin/reports", action, {
            f"action-{welfare.id}": "support-offered",
            f"note-{welfare.id}": "Sent a kind message with the helplines."})
        assert done.status_code == 303
        again = await submit(mia, "/admin/reports", action, {
            f"action-{welfare.id}": "no-action", f"note-{welfare.id}": "again"})
        assert again.status_code == 404
        log = (await mia.get("/admin/audit")).text
        assert "report.resolve" in log and "Sent a kind message" in log
    resolved = await report_store.get_report(kinhaven.db, welfare.id)
    assert resolved is not None and resolved.state == "resolved"
    assert resolved.resolution_action == "support-offered"


async def test_bad_reports_are_refused_and_nothing_is_stored(kinhaven: RunningInstance) -> None:
    ola = await get_local_actor_by_username(kinhaven.db, "ola")
    ned = await get_local_actor_by_username(kinhaven.db, "ned")
    assert ola is not None and ned is not None
    hidden = await posting.publish(_federation(kinhaven), ola, "for followers",
                                   visibility="followers")
    public = await posting.publish(_federation(kinhaven), ola, "hello", visibility="public")
    async with member_browser(kinhaven, "ned") as browser:
        assert (await browser.get(f"/report?post={hidden.id}")).status_code == 404
        assert (await browser.get(f"/report?account={ned.id}")).status_code == 404
        assert (await browser.get("/report")).status_code == 404
        page = f"/report?post={public.id}"
        for fields, field in (({}, "category"), ({"category": "boring"}, "category"),
                              ({"category": "spam", "comment": "x" * 1001}, "comment")):
            answer = await submit(browser, page, "/report", {"post": str(public.id), **fields})
            assert answer.status_code == 422, fields
            assert f'id="{field}-error"' in answer.text
        forged = await browser.post("/report", data={"post": str(public.id),
                                                     "category": "spam"})
        assert forged.status_code == 403
        hidden_post = await submit(browser, page, "/report",
                                   {"post": str(hidden.id), "category": "spam"})
        assert hidden_post.status_code == 404
    assert await report_store.list_reports(kinhaven.db) == []


async def test_a_report_about_someone_elsewhere_is_forwarded_without_the_reporter(
    tmp_path: Path,
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with run_instance(tmp_path / "a") as here, run_instance(tmp_path / "b") as there:
        await _member(here, "mia", role="moderator")
        await _member(here, "ned")
        pat = await _member(there, "pat")
        post = await posting.publish(_federation(there), pat,
                                     f"@ned@{here.settings.domain} go away", visibility="public")

        async def arrived() -> int | None:
            value = await here.db.fetch_value("SELECT id FROM posts WHERE uri = ?", (post.uri,))
            return None if value is None else int(value)

        local_id = await wait_until(arrived, what="pat's post at ned's server")
        async with member_browser(here, "ned") as browser:
            sent = await submit(browser, f"/report?post={local_id}", "/report", {
                "post": str(local_id), "category": "harassment", "comment": "rude to me"})
            assert sent.status_code == 200
        report = (await report_store.open_queue(here.db))[0]
        async with member_browser(here, "mia") as mia:
            queue = (await mia.get("/admin/reports")).text
            assert f"to {there.settings.domain}" in queue
            forwarded = await submit(mia, "/admin/reports",
                                     f"/admin/reports/{report.id}/forward")
            assert forwarded.status_code == 303
            twice = await submit(mia, "/admin/reports", f"/admin/reports/{report.id}/forward")
            assert twice.status_code == 409

        async def received() -> list[report_store.Report] | None:
            return await report_store.list_reports(there.db) or None

        reports = await wait_until(received, what="the Flag at pat's server")
        assert [(r.target_actor_id, r.comment, r.reporter_actor_id) for r in reports] == [
            (pat.id, "rude to me", None)]
        assert reports[0].origin_domain in (here.settings.domain,
                                            here.settings.domain.split(":")[0])
        assert post.uri in reports[0].object_uris
