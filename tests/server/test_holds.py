"""Posts that wait for a moderator (a new member's first posts, risk terms when the admin
chose to hold them), the care shown before a risky post, and the queue that decides."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from moderation.risk import DEFAULT_RISK_TERMS, RiskResponse
from server.local_posts import LocalChoices, load_local_choices, save_local_choices
from server.storage import holds as hold_store
from server.storage import posts as post_store
from server.storage.actors import Actor, get_local_actor_by_username
from tests.browsing import csrf_in, member_browser, submit
from tests.fake_mastodon import FakeAccount, FakeMastodon, run_fake_mastodon
from tests.federating import accepted_follower
from tests.instances import RunningInstance, run_instance


async def _choose(kinhaven: RunningInstance, *, reviews: int = 0,
                  response: RiskResponse = RiskResponse.PUBLISH_WITH_NOTE) -> None:
    await save_local_choices(kinhaven.db, LocalChoices(
        risk_response=response, risk_terms=DEFAULT_RISK_TERMS, posts_to_review=reviews))


async def _member(kinhaven: RunningInstance, name: str, **options: object) -> Actor:
    await kinhaven.add_member(name, **options)
    actor = await get_local_actor_by_username(kinhaven.db, name)
    assert actor is not None
    return actor


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[RunningInstance, FakeMastodon, FakeAccount]]:
    """An instance whose member `amy` is followed from a fake Mastodon by `bob`."""
    async with run_instance(tmp_path) as kinhaven, run_fake_mastodon() as mastodon:
        amy = await _member(kinhaven, "amy")
        await _member(kinhaven, "mod", role="moderator")
        await _member(kinhaven, "ben")
        bob = mastodon.add_account("bob")
        await accepted_follower(kinhaven, mastodon, bob, amy)
        yield kinhaven, mastodon, bob


async def _post(client: httpx.AsyncClient, text: str, **fields: str) -> httpx.Response:
    return await submit(client, "/compose", "/compose",
                        {"text": text, "visibility": "public", **fields})


def _creates(mastodon: FakeMastodon) -> str:
    return json.dumps([r.activity for r in mastodon.inbox
                       if r.activity and r.activity.get("type") == "Create"])


async def test_a_new_members_first_post_waits_then_goes_out_when_approved(
    world: tuple[RunningInstance, FakeMastodon, FakeAccount],
) -> None:
    kinhaven, mastodon, _ = world
    await _choose(kinhaven, reviews=1)
    async with member_browser(kinhaven, "amy") as amy:
        answer = await _post(amy, "Hello, I'm new here #hello")
        assert answer.status_code == 303
        post_id = int(answer.headers["location"].rsplit("/", 1)[1])
        own = (await amy.get(f"/posts/{post_id}")).text
        assert "Waiting for a moderator" in own
    post = await post_store.get_post(kinhaven.db, post_id)
    assert post is not None and post.held_at is not None
    assert (await kinhaven.client.get(f"/posts/{post_id}")).status_code == 404
    assert "new here" not in (await kinhaven.client.get("/community")).text
    assert (await mastodon.fetch(post.uri)).status_code == 404
    async with member_browser(kinhaven, "ben") as ben:
        assert "new here" not in (await ben.get("/community")).text
        assert (await ben.get(f"/posts/{post_id}")).status_code == 404
    assert post.uri not in _creates(mastodon)

    async with member_browser(kinhaven, "mod") as moderator:
        queue = (await moderator.get("/admin/queue")).text
        assert "new here" in queue and "first 1 posts are reviewed" in queue
        hold = (await hold_store.waiting(kinhaven.db))[0]
        approved = await submit(moderator, "/admin/queue", f"/admin/queue/{hold.id}/approve")
        assert approved.status_code == 303
        twice = await submit(moderator, "/admin/queue", f"/admin/queue/{hold.id}/approve")
        assert twice.status_code == 404
        assert "hold.approve" in (await moderator.get("/admin/audit")).text
    create = await mastodon.wait_for(lambda a: a["type"] == "Create")
    assert create["object"]["id"] == post.uri
    assert "new here" in (await kinhaven.client.get(f"/posts/{post_id}")).text

    async with member_browser(kinhaven, "amy") as amy:
        second = await _post(amy, "My second post")
    second_id = int(second.headers["location"].rsplit("/", 1)[1])
    again = await post_store.get_post(kinhaven.db, second_id)
    assert again is not None and again.held_at is None


async def test_risk_terms_show_help_first_then_follow_the_admins_choice(
    world: tuple[RunningInstance, FakeMastodon, FakeAccount],
) -> None:
    kinhaven, mastodon, _ = world
    await _choose(kinhaven, response=RiskResponse.HOLD)
    before = await kinhaven.db.fetch_value("SELECT count(*) FROM posts")
    async with member_browser(kinhaven, "amy") as amy:
        first = await _post(amy, "Some days I want to die.")
        assert first.status_code == 200
        assert "Before you post" in first.text and "Samaritans" in first.text
        assert 'name="risk_confirmed"' in first.text and "Post it" in first.text
        assert await kinhaven.db.fetch_value("SELECT count(*) FROM posts") == before
        posted = await amy.post("/compose", data={
            "csrf_token": csrf_in(first.text), "text": "Some days I want to die.",
            "visibility": "public", "risk_confirmed": "1"})
        assert posted.status_code == 303
    post_id = int(posted.headers["location"].rsplit("/", 1)[1])
    post = await post_store.get_post(kinhaven.db, post_id)
    assert post is not None and post.held_at is not None
    async with member_browser(kinhaven, "mod") as moderator:
        hold = (await hold_store.waiting(kinhaven.db))[0]
        assert "risk terms" in hold.reason
        long_note = await submit(moderator, "/admin/queue", f"/admin/queue/{hold.id}/reject",
                                 {f"note-{hold.id}": "x" * 501})
        assert long_note.status_code == 422
        rejected = await submit(moderator, "/admin/queue", f"/admin/queue/{hold.id}/reject",
                                {f"note-{hold.id}": "We've sent you a message."})
        assert rejected.status_code == 303
    still = await post_store.get_post(kinhaven.db, post_id)
    assert still is not None and still.held_at is not None
    assert post.uri not in _creates(mastodon)


async def test_published_with_a_support_note_and_an_alert(
    world: tuple[RunningInstance, FakeMastodon, FakeAccount],
) -> None:
    kinhaven, mastodon, _ = world
    await _choose(kinhaven, response=RiskResponse.PUBLISH_WITH_NOTE)
    async with member_browser(kinhaven, "amy") as amy:
        page = await _post(amy, "thinking about self-harm again")
        posted = await amy.post("/compose", data={
            "csrf_token": csrf_in(page.text), "text": "thinking about self-harm again",
            "visibility": "public", "risk_confirmed": "1"})
    post_id = int(posted.headers["location"].rsplit("/", 1)[1])
    shown = (await kinhaven.client.get(f"/posts/{post_id}")).text
    assert "people who can help are here" in shown
    await mastodon.wait_for(lambda a: a["type"] == "Create")
    async with member_browser(kinhaven, "mod") as moderator:
        queue = (await moderator.get("/admin/queue")).text
        assert "Alerts about published posts" in queue and "risk terms" in queue
        alert = (await hold_store.unseen_alerts(kinhaven.db))[0]
        seen = await submit(moderator, "/admin/queue", f"/admin/alerts/{alert.id}/seen")
        assert seen.status_code == 303
    assert await hold_store.unseen_alerts(kinhaven.db) == []


async def test_safety_settings_refuse_bad_input_and_members(
    world: tuple[RunningInstance, FakeMastodon, FakeAccount],
) -> None:
    kinhaven, _, _ = world
    await kinhaven.add_member("ada", role="admin")
    before = await load_local_choices(kinhaven.db)
    async with member_browser(kinhaven, "ada") as admin:
        for fields, field in (
            ({"risk_response": "ignore", "risk_terms": "x", "posts_to_review": "0"},
             "risk_response"),
            ({"risk_response": "hold", "risk_terms": "x", "posts_to_review": "-1"},
             "posts_to_review"),
            ({"risk_response": "hold", "risk_terms": "y" * 101, "posts_to_review": "0"},
             "risk_terms"),
        ):
            answer = await submit(admin, "/admin/safety", "/admin/safety", fields)
            assert answer.status_code == 422 and f'id="{field}-error"' in answer.text
        assert await load_local_choices(kinhaven.db) == before
        saved = await submit(admin, "/admin/safety", "/admin/safety", {
            "risk_response": "hold", "risk_terms": "hopeless\nend it all",
            "posts_to_review": "2"})
        assert saved.status_code == 303
    after = await load_local_choices(kinhaven.db)
    assert after.risk_terms == ("hopeless", "end it all") and after.posts_to_review == 2
    async with member_browser(kinhaven, "mod") as moderator:
        assert (await moderator.get("/admin/safety")).status_code == 403


def _kinhaven(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KINHAVEN_DATABASE": str(database), "KINHAVEN_SCHEME": "http",
           "KINHAVEN_INSECURE_FEDERATION": "1"}
    command = Path(sys.executable).parent / "kinhaven"
    return subprocess.run([str(command), *args], env=env, capture_output=True, text=True,
                          timeout=60, check=False)


async def test_queue_commands(tmp_path: Path) -> None:
    database = tmp_path / "queue.sqlite3"
    async with run_instance(tmp_path, database=database) as kinhaven:
        await _choose(kinhaven, reviews=5)
        await _member(kinhaven, "amy")
        async with member_browser(kinhaven, "amy") as amy:
            for text in ("first words", "second words"):
                assert (await _post(amy, text)).status_code == 303
        listed = _kinhaven(database, "queue", "list", "--json")
        assert listed.returncode == 0, listed.stderr
        rows: list[dict[str, Any]] = json.loads(listed.stdout)
        assert [row["text"] for row in rows] == ["first words", "second words"]
        assert _kinhaven(database, "queue", "approve", str(rows[0]["id"])).returncode == 0
        assert _kinhaven(database, "queue", "reject", str(rows[1]["id"]),
                         "--note", "not this one").returncode == 0
        missing = _kinhaven(database, "queue", "approve", "999")
        assert missing.returncode == 1 and "no held post 999" in missing.stderr
        assert _kinhaven(database, "queue", "approve", "abc").returncode == 2
        assert "first words" in (await kinhaven.client.get("/community")).text
        assert "second words" not in (await kinhaven.client.get("/community")).text
        plain = _kinhaven(database, "queue", "list")
        assert plain.returncode == 0 and "nothing is waiting" in plain.stdout
