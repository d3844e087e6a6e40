"""The author of a held post that moderators turn down is told, with their note: in the
notifications and on the post itself, through the queue page and `kinhaven queue`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from moderation.risk import DEFAULT_RISK_TERMS, RiskResponse
from server.local_posts import LocalChoices, save_local_choices
from server.storage import holds as hold_store
from tests.browsing import member_browser, submit
from tests.instances import RunningInstance, run_instance


@pytest.fixture
async def kinhaven(tmp_path: Path) -> AsyncIterator[RunningInstance]:
    """Every first post of a new member waits for a moderator."""
    async with run_instance(tmp_path, database=tmp_path / "notes.sqlite3") as instance:
        await save_local_choices(instance.db, LocalChoices(
            risk_response=RiskResponse.PUBLISH_WITH_NOTE, risk_terms=DEFAULT_RISK_TERMS,
            posts_to_review=5))
        for name, role in (("amy", "member"), ("ben", "member"), ("mod", "moderator")):
            await instance.add_member(name, role=role)
        yield instance


async def _held_post(kinhaven: RunningInstance, text: str) -> tuple[int, hold_store.Hold]:
    async with member_browser(kinhaven, "amy") as amy:
        posted = await submit(amy, "/compose", "/compose", {"text": text, "visibility": "public"})
    assert posted.status_code == 303
    post_id = int(posted.headers["location"].rsplit("/", 1)[1])
    hold = next(h for h in await hold_store.waiting(kinhaven.db) if h.post_id == post_id)
    return post_id, hold


async def _reject(moderator: httpx.AsyncClient, hold_id: int, note: str) -> httpx.Response:
    return await submit(moderator, "/admin/queue", f"/admin/queue/{hold_id}/reject",
                        {f"note-{hold_id}": note})


async def _moderation_notices(kinhaven: RunningInstance) -> int:
    value = await kinhaven.db.fetch_value(
        "SELECT count(*) FROM notifications WHERE kind = 'moderation'")
    return int(value)


async def test_a_rejected_post_tells_its_author_why_in_notifications_and_on_the_post(
    kinhaven: RunningInstance,
) -> None:
    post_id, hold = await _held_post(kinhaven, "My very first words")
    async with member_browser(kinhaven, "amy") as amy:
        waiting = (await amy.get(f"/posts/{post_id}")).text
        assert "Waiting for a moderator" in waiting and "Not published" not in waiting
    note = "Please leave out <b>names</b> of other people, then post it again."
    async with member_browser(kinhaven, "mod") as moderator:
        assert (await _reject(moderator, hold.id, note)).status_code == 303

    async with member_browser(kinhaven, "amy") as amy:
        told = (await amy.get("/notifications")).text
        page = (await amy.get(f"/posts/{post_id}")).text
    assert "Your post was not published" in told
    assert "Please leave out &lt;b&gt;names&lt;/b&gt; of other people" in told
    assert "<b>names</b>" not in told, "the note is escaped"
    assert f'href="/posts/{post_id}"' in told and 'href="/help"' in told
    assert "Not published." in page and "Waiting for a moderator" not in page
    assert "Please leave out &lt;b&gt;names&lt;/b&gt; of other people" in page
    assert 'href="/help"' in page
    async with member_browser(kinhaven, "ben") as ben:
        assert (await ben.get(f"/posts/{post_id}")).status_code == 404
        assert "not published" not in (await ben.get("/notifications")).text.lower()


async def test_a_rejection_without_a_note_still_tells_the_author(
    kinhaven: RunningInstance,
) -> None:
    post_id, hold = await _held_post(kinhaven, "Another first post")
    async with member_browser(kinhaven, "mod") as moderator:
        assert (await _reject(moderator, hold.id, "")).status_code == 303
    async with member_browser(kinhaven, "amy") as amy:
        told = (await amy.get("/notifications")).text
        page = (await amy.get(f"/posts/{post_id}")).text
    assert "Your post was not published" in told and "The moderators' note" not in told
    assert "Not published." in page and "The moderators' note" not in page


async def test_a_too_long_note_is_refused_and_nothing_is_decided_or_told(
    kinhaven: RunningInstance,
) -> None:
    post_id, hold = await _held_post(kinhaven, "Waiting quietly")
    async with member_browser(kinhaven, "mod") as moderator:
        refused = await _reject(moderator, hold.id, "x" * 501)
        assert refused.status_code == 422 and f'id="note-{hold.id}-error"' in refused.text
    still = await hold_store.get_hold(kinhaven.db, hold.id)
    assert still is not None and still.decision is None
    assert await _moderation_notices(kinhaven) == 0
    async with member_browser(kinhaven, "amy") as amy:
        assert "Waiting for a moderator" in (await amy.get(f"/posts/{post_id}")).text


async def test_approving_tells_nothing_and_the_post_shows_no_notice(
    kinhaven: RunningInstance,
) -> None:
    post_id, hold = await _held_post(kinhaven, "Approved words")
    async with member_browser(kinhaven, "mod") as moderator:
        approved = await submit(moderator, "/admin/queue", f"/admin/queue/{hold.id}/approve")
        assert approved.status_code == 303
    assert await _moderation_notices(kinhaven) == 0
    async with member_browser(kinhaven, "amy") as amy:
        page = (await amy.get(f"/posts/{post_id}")).text
    assert "Approved words" in page
    assert "Not published" not in page and "Waiting for a moderator" not in page


def _kinhaven(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KINHAVEN_DATABASE": str(database), "KINHAVEN_SCHEME": "http",
           "KINHAVEN_INSECURE_FEDERATION": "1"}
    command = Path(sys.executable).parent / "kinhaven"
    return subprocess.run([str(command), *args], env=env, capture_output=True, text=True,
                          timeout=60, check=False)


async def test_the_note_given_on_the_command_line_reaches_the_author(
    kinhaven: RunningInstance,
) -> None:
    post_id, hold = await _held_post(kinhaven, "Sent from the command line's queue")
    rejected = _kinhaven(kinhaven.settings.database, "queue", "reject", str(hold.id),
                         "--note", "We have written to you about this.")
    assert rejected.returncode == 0, rejected.stderr
    async with member_browser(kinhaven, "amy") as amy:
        told = (await amy.get("/notifications")).text
        page = (await amy.get(f"/posts/{post_id}")).text
    assert "Your post was not published" in told
    assert "We have written to you about this." in told
    assert "Not published." in page and "We have written to you about this." in page
