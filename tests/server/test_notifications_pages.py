"""The notifications pages of real instances over loopback HTTP: what they say, what
quiet mode holds back, and a break that hides everything and deletes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from server.activitypub.context import Federation
from server.clock import now, to_text
from server.services import posting
from server.storage import accounts as account_store
from server.storage import follows as follow_store
from server.storage import interactions
from server.storage import mutes as mute_store
from server.storage import notifications as notification_store
from server.storage.actors import Actor, get_actor_by_uri
from tests.browsing import member_browser, submit
from tests.instances import RunningInstance, run_instance
from tests.server.reading import follow, member, post, remote_person
from tests.waiting import wait_until


@pytest.fixture
async def kinhaven(tmp_path: Path) -> AsyncIterator[RunningInstance]:
    async with run_instance(tmp_path) as instance:
        yield instance


async def _notify(kinhaven: RunningInstance, to: Actor, kind: str, by: Actor,
                  post_id: int | None = None, n: int = 0) -> None:
    await notification_store.notify(kinhaven.db, account_id=to.id, kind=kind,
                                    from_actor_id=by.id, post_id=post_id,
                                    source_uri=f"{by.uri}#{kind}/{post_id}/{n}")


async def _quiet_mode(kinhaven: RunningInstance, actor: Actor, on: bool) -> None:
    await account_store.set_privacy(kinhaven.db, actor.id, account_store.PrivacyChoices(
        manually_approves_followers=True, discoverable=False, noindex=True, hide_network=True,
        default_visibility="local", quiet_mode=on,
    ))


async def _unread(kinhaven: RunningInstance, actor: Actor) -> int:
    value = await kinhaven.db.fetch_value(
        "SELECT count(*) FROM notifications WHERE account_id = ? AND read_at IS NULL",
        (actor.id,))
    return int(value)


async def test_notifications_say_who_did_what_newest_first(kinhaven: RunningInstance) -> None:
    ada, bea = await member(kinhaven, "ada"), await member(kinhaven, "bea")
    cara, dan = await member(kinhaven, "cara"), await member(kinhaven, "dan")
    far = await remote_person(kinhaven, "far", "far.example")
    await follow(kinhaven, ada, far)
    mine = await post(kinhaven, ada, "A quiet morning")
    mention = await post(kinhaven, bea, "@ada hello", mentions=[ada])
    message = await post(kinhaven, bea, "@ada just us", mentions=[ada], visibility="direct")
    await _notify(kinhaven, ada, "follow", bea)
    await _notify(kinhaven, ada, "follow_request", far)
    await _notify(kinhaven, ada, "mention", bea, mention.id)
    await _notify(kinhaven, ada, "mention", bea, message.id)
    await _notify(kinhaven, ada, "reply", far, mine.id)
    await _notify(kinhaven, ada, "favourite", far, mine.id)
    await _notify(kinhaven, ada, "reblog", bea, mine.id)
    await _notify(kinhaven, ada, "update", far, mine.id)
    await _notify(kinhaven, ada, "favourite", cara, mine.id)
    await _notify(kinhaven, ada, "reblog", dan, mine.id)
    await interactions.record_block(kinhaven.db, uri=f"{ada.uri}#blocks/1", actor_id=ada.id,
                                    target_id=cara.id)
    await mute_store.mute(kinhaven.db, actor_id=ada.id, target_id=dan.id)

    async with member_browser(kinhaven, "ada") as ada_web:
        page = await ada_web.get("/notifications")
        assert page.status_code == 200
        text = " ".join(page.text.split())
        phrases = [
            "edited a post you interacted with.", "boosted your post.", "liked your post.",
            "replied to your post.", "sent you a direct message.", "mentioned you.",
            "asked to follow you.", "followed you.",
        ]
        places = [text.index(phrase) for phrase in phrases]
        assert places == sorted(places), "newest first"
        assert 'href="/follow-requests"' in page.text
        assert f'href="/posts/{message.id}">Read the message' in page.text
        assert f'href="/posts/{mine.id}">See the post' in page.text
        assert 'href="/@bea"' in page.text
        assert 'href="/@far@far.example"' in page.text
        assert "@cara" not in page.text and "@dan" not in page.text
        assert page.text.count("New:") == 8
        assert page.text.count("<h1") == 1
        assert await _unread(kinhaven, ada) == 2  # only the hidden ones stay unread
        again = await ada_web.get("/notifications")
        assert "New:" not in again.text
        assert "followed you." in again.text


async def test_notifications_page_thirty_at_a_time(kinhaven: RunningInstance) -> None:
    ada, bea = await member(kinhaven, "ada"), await member(kinhaven, "bea")
    mine = await post(kinhaven, ada, "Something to like")
    for n in range(35):
        await _notify(kinhaven, ada, "favourite", bea, mine.id, n)
    async with member_browser(kinhaven, "ada") as ada_web:
        first = await ada_web.get("/notifications")
        assert first.text.count("liked your post.") == 30
        older = first.text.split('href="/notifications?before=')[1].split('"')[0]
        second = await ada_web.get(f"/notifications?before={older}")
        assert second.text.count("liked your post.") == 5
        assert "?before=" not in second.text
        assert (await ada_web.get("/notifications?before=1")).text.count("liked") == 0
        assert (await ada_web.get("/notifications?before=x")).status_code == 200
    assert await _unread(kinhaven, ada) == 0


async def test_quiet_mode_holds_strangers_from_elsewhere(kinhaven: RunningInstance) -> None:
    ada, bea = await member(kinhaven, "ada"), await member(kinhaven, "bea")
    far = await remote_person(kinhaven, "far", "far.example")
    mine = await post(kinhaven, ada, "A question")
    await _notify(kinhaven, ada, "mention", bea, mine.id)
    await _notify(kinhaven, ada, "reply", far, mine.id)
    await _notify(kinhaven, ada, "favourite", far, mine.id)
    async with member_browser(kinhaven, "ada") as ada_web:
        main = await ada_web.get("/notifications")
        assert "mentioned you." in main.text and "liked your post." in main.text
        assert "replied to your post." not in main.text
        assert 'href="/notifications/waiting"' in main.text
        waiting = await ada_web.get("/notifications/waiting")
        assert waiting.status_code == 200
        assert "Waiting for you" in waiting.text
        assert "messages from people you don't follow on other servers" in " ".join(
            waiting.text.split()).lower()
        assert "replied to your post." in waiting.text
        assert "mentioned you." not in waiting.text
        await _quiet_mode(kinhaven, ada, on=False)
        everything = await ada_web.get("/notifications")
        assert "replied to your post." in everything.text
        assert "Quiet mode is off" in (await ada_web.get("/notifications/waiting")).text
        assert "replied to your post." not in (await ada_web.get("/notifications/waiting")).text


async def test_a_break_hides_notifications_and_deletes_nothing(
    kinhaven: RunningInstance,
) -> None:
    ada, bea = await member(kinhaven, "ada"), await member(kinhaven, "bea")
    await _notify(kinhaven, ada, "follow", bea)
    await account_store.set_break(kinhaven.db, ada.id, to_text(now() + timedelta(days=3)))
    async with member_browser(kinhaven, "ada") as ada_web:
        for path in ("/notifications", "/notifications/waiting"):
            resting = await ada_web.get(path)
            assert resting.status_code == 200
            assert "You're taking a break until" in resting.text
            assert "nothing was deleted" in resting.text
            assert 'href="/settings/break"' in resting.text
            assert "followed you." not in resting.text
        assert await _unread(kinhaven, ada) == 1
        await account_store.set_break(kinhaven.db, ada.id, to_text(now() - timedelta(minutes=1)))
        back = await ada_web.get("/notifications")
        assert "taking a break" not in back.text
        assert "followed you." in back.text
        await account_store.set_break(kinhaven.db, ada.id, None)
        assert "followed you." in (await ada_web.get("/notifications")).text


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[tuple[RunningInstance, RunningInstance]]:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with run_instance(tmp_path / "a") as a, run_instance(tmp_path / "b") as b:
        yield a, b


async def test_following_a_stranger_brings_their_mention_into_the_list(
    pair: tuple[RunningInstance, RunningInstance],
) -> None:
    a, b = pair
    ada, bob = await member(a, "ada"), await member(b, "bob")
    federation_b: Federation = b.app.state.federation
    await posting.publish(federation_b, bob, f"@ada@{a.settings.domain} are you there?",
                          visibility="direct")

    async def mentioned() -> bool:
        found = await notification_store.list_for_member(
            a.db, ada.id, quiet_mode=False, waiting=False)
        return any(item.kind == "mention" for item in found)

    await wait_until(mentioned, what="the mention at A")
    handle = f"@bob@{b.settings.domain}"
    async with member_browser(a, "ada") as ada_web:
        assert "sent you a direct message." not in (await ada_web.get("/notifications")).text
        waiting = await ada_web.get("/notifications/waiting")
        assert "sent you a direct message." in waiting.text
        assert handle in waiting.text
        bob_at_a = await get_actor_by_uri(a.db, bob.uri)
        assert bob_at_a is not None
        await submit(ada_web, f"/people/search?q={handle}", "/people/follow",
                     {"actor_id": str(bob_at_a.id)})

        async def requested() -> list[follow_store.Follow]:
            return await follow_store.pending_requests(b.db, bob.id)

        (request,) = await wait_until(requested, what="the follow request at B")
        async with member_browser(b, "bob") as bob_web:
            await submit(bob_web, "/follow-requests", f"/follow-requests/{request.id}/approve")

        async def accepted() -> bool:
            return await follow_store.is_following(a.db, ada.id, bob_at_a.id)

        await wait_until(accepted, what="the Accept at A")
        main = await ada_web.get("/notifications")
        assert "sent you a direct message." in main.text
        assert "sent you a direct message." not in (
            await ada_web.get("/notifications/waiting")).text
