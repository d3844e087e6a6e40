"""Mention spam against a fake Mastodon: a post from an account nobody here knows that
mentions many members waits for a moderator; people the members know, and posts that
mention only a few, arrive at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from server.activitypub.context import Federation
from server.services import posting, relations
from server.storage import follows as follow_store
from server.storage import holds as hold_store
from server.storage import inbound as inbound_store
from server.storage import posts as post_store
from server.storage.actors import Actor, get_local_actor_by_username
from tests.browsing import member_browser, submit
from tests.fake_mastodon import FakeAccount, FakeMastodon, run_fake_mastodon
from tests.federating import accepted_follower
from tests.instances import RunningInstance, run_instance
from tests.waiting import wait_until

MEMBERS = ("alice", "ben", "cat")


@dataclass
class World:
    kinhaven: RunningInstance
    mastodon: FakeMastodon
    members: dict[str, Actor]

    @property
    def federation(self) -> Federation:
        federation: Federation = self.kinhaven.app.state.federation
        return federation

    def note(self, account: FakeAccount, text: str, *names: str, **options: Any
             ) -> dict[str, Any]:
        domain = self.kinhaven.settings.domain
        mentions = [(f"@{name}@{domain}", self.members[name].uri) for name in names]
        return self.mastodon.public_note(account, f"<p>{text}</p>", mentions=mentions,
                                         **options)

    async def arrive(self, account: FakeAccount, activity: dict[str, Any]) -> str | None:
        """Deliver `activity` and wait until it is processed; the reason it was given."""
        answer = await self.mastodon.deliver(account, f"{self.kinhaven.base_url}/inbox",
                                             activity)
        assert answer.status_code == 202

        async def processed() -> tuple[str, str | None] | None:
            state = await inbound_store.state_of(self.kinhaven.db, activity["id"])
            return state if state is not None and state[0] != "new" else None

        state, reason = await wait_until(processed, what=f"{activity['id']} processed")
        assert state == "done", reason
        return reason

    async def stored(self, activity: dict[str, Any]) -> post_store.Post | None:
        return await post_store.get_post_by_uri(self.kinhaven.db, activity["object"]["id"])

    async def set_threshold(self, value: str) -> None:
        async with member_browser(self.kinhaven, "ada") as admin:
            saved = await submit(admin, "/admin/safety", "/admin/safety", {
                "risk_response": "publish_with_note", "risk_terms": "hopeless",
                "posts_to_review": "0", "mention_threshold": value})
            assert saved.status_code == 303


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with run_instance(tmp_path) as kinhaven, run_fake_mastodon() as mastodon:
        members = {}
        for name in MEMBERS:
            await kinhaven.add_member(name)
            actor = await get_local_actor_by_username(kinhaven.db, name)
            assert actor is not None
            members[name] = actor
        await kinhaven.add_member("mod", role="moderator")
        await kinhaven.add_member("ada", role="admin")
        yield World(kinhaven, mastodon, members)


async def _notifications_of(world: World, name: str) -> str:
    async with member_browser(world.kinhaven, name) as browser:
        return ((await browser.get("/notifications")).text
                + (await browser.get("/notifications/waiting")).text)


async def test_a_stranger_mentioning_three_members_waits_until_approved(world: World) -> None:
    spammer = world.mastodon.add_account("spammer")
    create = world.note(spammer, "Cheap pills for everyone", *MEMBERS)
    reason = await world.arrive(spammer, create)
    assert reason is not None and "mentions 3 members from an account nobody here knows" in reason
    assert await world.stored(create) is None
    for name in MEMBERS:
        assert "Cheap pills" not in await _notifications_of(world, name)
        assert "mentioned you" not in await _notifications_of(world, name)
        async with member_browser(world.kinhaven, name) as browser:
            assert "Cheap pills" not in (await browser.get("/home")).text
            assert "Cheap pills" not in (await browser.get("/federated")).text

    held = await hold_store.waiting_inbound(world.kinhaven.db)
    assert len(held) == 1
    async with member_browser(world.kinhaven, "mod") as moderator:
        queue = (await moderator.get("/admin/queue")).text
        assert "Cheap pills for everyone" in queue
        assert "mention-spam: mentions 3 members from an account nobody here knows" in queue
        approved = await submit(moderator, "/admin/queue",
                                f"/admin/queue/remote/{held[0].id}/approve")
        assert approved.status_code == 303
    post = await world.stored(create)
    assert post is not None and "Cheap pills" in post.content_html
    for name in MEMBERS:
        assert "mentioned you" in await _notifications_of(world, name)


async def test_someone_a_member_follows_is_accepted_at_once(world: World) -> None:
    friend = world.mastodon.add_account("friend")
    account = await relations.find_remote_account(world.federation,
                                                  world.mastodon.handle(friend))
    await relations.follow(world.federation, world.members["alice"], account)

    async def accepted() -> bool:
        return await follow_store.is_following(world.kinhaven.db, world.members["alice"].id,
                                               account.id)

    await wait_until(accepted, what="friend's Accept")
    create = world.note(friend, "Hello all three of you", *MEMBERS)
    assert await world.arrive(friend, create) is None
    assert await world.stored(create) is not None
    assert await hold_store.waiting_inbound(world.kinhaven.db) == []
    assert "mentioned you" in await _notifications_of(world, "cat")


async def test_a_stranger_mentioning_two_members_is_accepted(world: World) -> None:
    stranger = world.mastodon.add_account("stranger")
    create = world.note(stranger, "Hi to you both", "alice", "ben")
    assert await world.arrive(stranger, create) is None
    assert await world.stored(create) is not None
    assert await hold_store.waiting_inbound(world.kinhaven.db) == []


async def test_people_members_follow_back_mention_or_reply_to_are_known(world: World) -> None:
    """Each way of being known here on its own: following a member, being mentioned by
    one, being replied to by one."""
    follower = world.mastodon.add_account("follower")
    await accepted_follower(world.kinhaven, world.mastodon, follower, world.members["alice"])
    mentioned = world.mastodon.add_account("mentioned")
    await posting.publish(world.federation, world.members["ben"],
                          f"Welcome @{world.mastodon.handle(mentioned)}", visibility="public")
    replied = world.mastodon.add_account("replied")
    first = world.note(replied, "A first hello", "cat")
    assert await world.arrive(replied, first) is None
    await posting.publish(world.federation, world.members["cat"], "Hello back",
                          visibility="public", in_reply_to=first["object"]["id"])
    for account in (follower, mentioned, replied):
        create = world.note(account, f"All of you, from {account.username}", *MEMBERS)
        assert await world.arrive(account, create) is None, account.username
        assert await world.stored(create) is not None
    assert await hold_store.waiting_inbound(world.kinhaven.db) == []


async def test_the_admins_threshold_holds_fewer_mentions_or_turns_it_off(world: World) -> None:
    await world.set_threshold("2")
    stranger = world.mastodon.add_account("stranger")
    two = world.note(stranger, "Two of you", "alice", "ben")
    reason = await world.arrive(stranger, two)
    assert reason is not None and "mentions 2 members" in reason
    assert await world.stored(two) is None
    await world.set_threshold("0")
    three = world.note(stranger, "All three of you", *MEMBERS)
    assert await world.arrive(stranger, three) is None
    assert await world.stored(three) is not None
