"""Keyword rules from the moderators' page, applied to members' posts and to posts
arriving from other servers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.storage import holds as hold_store
from server.storage import inbound as inbound_store
from server.storage import keywords as keyword_store
from server.storage import policy as policy_store
from server.storage import posts as post_store
from server.storage.actors import get_local_actor_by_username
from tests.browsing import member_browser, submit
from tests.fake_mastodon import run_fake_mastodon
from tests.instances import RunningInstance, run_instance
from tests.waiting import wait_until


@pytest.fixture
async def kinhaven(tmp_path: Path) -> AsyncIterator[RunningInstance]:
    async with run_instance(tmp_path) as instance:
        await instance.add_member("mod", role="moderator")
        await instance.add_member("amy")
        yield instance


async def _rule(kinhaven: RunningInstance, text: str, action: str, **extra: str) -> None:
    async with member_browser(kinhaven, "mod") as moderator:
        added = await submit(moderator, "/admin/keywords", "/admin/keywords", {
            "text": text, "mode": "word", "action": action, "direction": "both", **extra})
        assert added.status_code == 303, added.text[:300]


async def _post(kinhaven: RunningInstance, text: str) -> tuple[int, str]:
    async with member_browser(kinhaven, "amy") as amy:
        answer = await submit(amy, "/compose", "/compose",
                              {"text": text, "visibility": "public"})
        return answer.status_code, answer.headers.get("location", answer.text)


async def test_rules_hold_warn_flag_and_refuse_members_posts(kinhaven: RunningInstance) -> None:
    await _rule(kinhaven, "Casino", "hold")
    await _rule(kinhaven, "exam results", "warn", warning="Exams")
    await _rule(kinhaven, "payday loan", "reject")
    await _rule(kinhaven, "pills", "flag")

    status, location = await _post(kinhaven, "Off to the CASINO tonight")
    assert status == 303
    held = await post_store.get_post(kinhaven.db, int(location.rsplit("/", 1)[1]))
    assert held is not None and held.held_at is not None
    assert "keyword rule" in (await hold_store.waiting(kinhaven.db))[0].reason

    status, location = await _post(kinhaven, "My exam   results came today")
    warned = await post_store.get_post(kinhaven.db, int(location.rsplit("/", 1)[1]))
    assert warned is not None and warned.summary == "Exams" and warned.sensitive

    before = await kinhaven.db.fetch_value("SELECT count(*) FROM posts")
    status, page = await _post(kinhaven, "Get a Payday Loan now")
    assert status == 422 and 'id="text-error"' in page and "cannot be published" in page
    assert await kinhaven.db.fetch_value("SELECT count(*) FROM posts") == before

    status, location = await _post(kinhaven, "forgot my pills again")
    assert status == 303
    assert [a.policy for a in await hold_store.unseen_alerts(kinhaven.db)] == ["keywords"]

    status, location = await _post(kinhaven, "casinos are not the same word")
    kept = await post_store.get_post(kinhaven.db, int(location.rsplit("/", 1)[1]))
    assert kept is not None and kept.held_at is None


async def test_bad_rules_are_refused_and_members_cannot_edit_them(
    kinhaven: RunningInstance,
) -> None:
    async with member_browser(kinhaven, "mod") as moderator:
        for fields, field in (
            ({"text": "", "mode": "word", "action": "hold", "direction": "both"}, "text"),
            ({"text": "(a+)+$", "mode": "pattern", "action": "hold", "direction": "both"},
             "text"),
            ({"text": "x", "mode": "word", "action": "explode", "direction": "both"},
             "action"),
            ({"text": "x" * 201, "mode": "word", "action": "hold", "direction": "both"},
             "text"),
        ):
            answer = await submit(moderator, "/admin/keywords", "/admin/keywords", fields)
            assert answer.status_code == 422 and f'id="{field}-error"' in answer.text, fields
    assert await keyword_store.list_rules(kinhaven.db) == []
    async with member_browser(kinhaven, "amy") as amy:
        assert (await amy.get("/admin/keywords")).status_code == 403
    await _rule(kinhaven, "spam", "reject")
    rule = (await keyword_store.list_rules(kinhaven.db))[0]
    async with member_browser(kinhaven, "mod") as moderator:
        removed = await submit(moderator, "/admin/keywords",
                               f"/admin/keywords/{rule.id}/remove")
        assert removed.status_code == 303
        assert "keyword.remove" in (await moderator.get("/admin/audit")).text
    assert await keyword_store.list_rules(kinhaven.db) == []


async def test_inbound_posts_matching_a_refusing_rule_are_not_stored(
    kinhaven: RunningInstance,
) -> None:
    await _rule(kinhaven, "miracle cure", "reject")
    amy = await get_local_actor_by_username(kinhaven.db, "amy")
    assert amy is not None
    async with run_fake_mastodon() as mastodon:
        bob = mastodon.add_account("bob")
        mention = (f"@amy@{kinhaven.settings.domain}", amy.uri)
        bad = mastodon.public_note(bob, "<p>Buy this Miracle Cure</p>", mentions=[mention])
        good = mastodon.public_note(bob, "<p>Hope you're well</p>", mentions=[mention])
        for activity in (bad, good):
            response = await mastodon.deliver(bob, f"{kinhaven.base_url}/inbox", activity)
            assert response.status_code == 202

        async def processed() -> bool:
            states = [await inbound_store.state_of(kinhaven.db, a["id"]) for a in (bad, good)]
            return all(s is not None and s[0] != "new" for s in states)

        await wait_until(processed, what="both notes to be processed")
        assert await post_store.get_post_by_uri(kinhaven.db, bad["object"]["id"]) is None
        assert await post_store.get_post_by_uri(kinhaven.db, good["object"]["id"]) is not None


async def test_a_held_remote_post_is_invisible_until_approved(kinhaven: RunningInstance) -> None:
    await _rule(kinhaven, "casino", "hold")
    amy = await get_local_actor_by_username(kinhaven.db, "amy")
    assert amy is not None
    async with run_fake_mastodon() as mastodon:
        bob = mastodon.add_account("bob")
        mention = (f"@amy@{kinhaven.settings.domain}", amy.uri)
        first = mastodon.public_note(
            bob, '<p>Casino night!<script>alert(1)</script><img src="x" onerror="y"></p>',
            mentions=[mention])
        second = mastodon.public_note(bob, "<p>Another casino</p>", mentions=[mention])
        for activity in (first, second):
            response = await mastodon.deliver(bob, f"{kinhaven.base_url}/inbox", activity)
            assert response.status_code == 202

        async def both_held() -> list[hold_store.HeldActivity] | None:
            held = await hold_store.waiting_inbound(kinhaven.db)
            return held if len(held) == 2 else None

        held = await wait_until(both_held, what="both notes to be held")
        for activity in (first, second):
            assert await post_store.get_post_by_uri(kinhaven.db, activity["object"]["id"]) is None
        async with member_browser(kinhaven, "mod") as moderator:
            queue = (await moderator.get("/admin/queue")).text
            assert "Casino night!" in queue and "keyword rule" in queue
            assert "<script>" not in queue and "onerror" not in queue
            approved = await submit(moderator, "/admin/queue",
                                    f"/admin/queue/remote/{held[0].id}/approve")
            assert approved.status_code == 303
            rejected = await submit(moderator, "/admin/queue",
                                    f"/admin/queue/remote/{held[1].id}/reject")
            assert rejected.status_code == 303
            again = await submit(moderator, "/admin/queue",
                                 f"/admin/queue/remote/{held[1].id}/approve")
            assert again.status_code == 404
        shown = await post_store.get_post_by_uri(kinhaven.db, first["object"]["id"])
        assert shown is not None and "Casino night!" in shown.content_html
        assert "<script>" not in shown.content_html
        assert await post_store.get_post_by_uri(kinhaven.db, second["object"]["id"]) is None
        async with member_browser(kinhaven, "amy") as amy_web:
            assert "mentioned you" in (await amy_web.get("/notifications/waiting")).text or (
                "mentioned you" in (await amy_web.get("/notifications")).text)


async def test_rewrites_on_the_way_in_warn_mark_sensitive_and_strip_media(
    kinhaven: RunningInstance,
) -> None:
    """A warning rule adds a content warning to a remote post; a domain whose media is
    refused and marked sensitive arrives without pictures, as sensitive."""
    await _rule(kinhaven, "spoilers", "warn", warning="Film spoilers")
    amy = await get_local_actor_by_username(kinhaven.db, "amy")
    assert amy is not None
    async with run_fake_mastodon() as mastodon:
        await policy_store.block_domain(kinhaven.db, mastodon.domain.split(":")[0],
                                        severity="noop", reject_media=True,
                                        force_sensitive=True,
                                        by_id=None, by_name="tests")
        bob = mastodon.add_account("bob")
        mention = (f"@amy@{kinhaven.settings.domain}", amy.uri)
        note = mastodon.public_note(bob, "<p>Big spoilers ahead</p>", mentions=[mention])
        note["object"]["attachment"] = [{
            "type": "Document", "mediaType": "image/png", "name": "a still",
            "url": f"{mastodon.base_url}/media/still.png"}]
        response = await mastodon.deliver(bob, f"{kinhaven.base_url}/inbox", note)
        assert response.status_code == 202

        async def stored() -> post_store.Post | None:
            return await post_store.get_post_by_uri(kinhaven.db, note["object"]["id"])

        post = await wait_until(stored, what="the note to be stored")
        assert post.summary == "Film spoilers" and post.sensitive
        assert await kinhaven.db.fetch_value(
            "SELECT count(*) FROM media_attachments WHERE post_id = ?", (post.id,)) == 0
