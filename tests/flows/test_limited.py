"""A limited server, or a limited account on one: what they send reaches their followers
here and nobody else, and following a member takes the member's approval."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from server.activitypub.context import Federation
from server.services import relations
from server.storage import follows as follow_store
from server.storage import inbound as inbound_store
from server.storage import policy as policy_store
from server.storage import posts as post_store
from server.storage.actors import Actor, get_local_actor_by_username
from tests.browsing import member_browser
from tests.fake_mastodon import FakeAccount, FakeMastodon, run_fake_mastodon
from tests.instances import RunningInstance, run_instance
from tests.moderating import open_follows, sanction_account
from tests.waiting import wait_until


@dataclass
class World:
    kinhaven: RunningInstance
    mastodon: FakeMastodon
    bob: FakeAccount
    amy: Actor
    """Follows bob."""
    ben: Actor
    """Follows nobody, and lets anyone follow without asking."""

    async def deliver(self, activity: dict[str, object]) -> None:
        response = await self.mastodon.deliver(self.bob, f"{self.kinhaven.base_url}/inbox",
                                               activity)
        assert response.status_code == 202

        async def processed() -> bool:
            state = await inbound_store.state_of(self.kinhaven.db, str(activity["id"]))
            return state is not None and state[0] != "new"

        await wait_until(processed, what=f"{activity['type']} to be processed")


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with run_instance(tmp_path) as kinhaven, run_fake_mastodon() as mastodon:
        await kinhaven.add_member("amy")
        await kinhaven.add_member("ben")
        amy = await get_local_actor_by_username(kinhaven.db, "amy")
        ben = await get_local_actor_by_username(kinhaven.db, "ben")
        assert amy is not None and ben is not None
        await open_follows(kinhaven.db, ben.id)
        bob = mastodon.add_account("bob")
        federation: Federation = kinhaven.app.state.federation
        remote = await relations.find_remote_account(federation, mastodon.handle(bob))
        await relations.follow(federation, amy, remote)

        async def accepted() -> bool:
            return await follow_store.is_following(kinhaven.db, amy.id, remote.id)

        await wait_until(accepted, what="bob's Accept")
        yield World(kinhaven, mastodon, bob, amy, ben)


async def _only_followers_see(world: World, marker: str) -> None:
    note = world.mastodon.public_note(world.bob, f"<p>{marker}</p>")
    await world.deliver(note)
    assert await post_store.get_post_by_uri(world.kinhaven.db, note["object"]["id"]) is not None
    profile = f"/@bob@{world.mastodon.domain}"
    async with member_browser(world.kinhaven, "amy") as follower:
        assert marker in (await follower.get("/home")).text
        assert marker in (await follower.get(profile)).text
    async with member_browser(world.kinhaven, "ben") as stranger:
        for path in ("/federated", profile):
            assert marker not in (await stranger.get(path)).text, path
    assert marker not in (await world.kinhaven.client.get("/federated")).text
    assert marker not in (await world.kinhaven.client.get(profile)).text


async def _following_asks_first(world: World) -> None:
    follow = world.mastodon.follow(world.bob, world.ben.uri)
    await world.deliver(follow)
    requests = await follow_store.pending_requests(world.kinhaven.db, world.ben.id)
    assert [request.uri for request in requests] == [follow["id"]]


async def test_a_limited_domain_reaches_followers_only(world: World) -> None:
    await policy_store.block_domain(world.kinhaven.db, world.mastodon.domain.split(":")[0],
                                    severity="limit", reason="lax moderation",
                                    by_id=None, by_name="tests")
    await _only_followers_see(world, "marker-limited-domain")
    await _following_asks_first(world)


async def test_a_limited_remote_account_reaches_followers_only(world: World) -> None:
    remote = await relations.find_remote_account(world.kinhaven.app.state.federation,
                                                 world.mastodon.handle(world.bob))
    await sanction_account(world.kinhaven.db, remote.id, "limit")
    await _only_followers_see(world, "marker-limited-account")
    await _following_asks_first(world)


async def test_without_a_limit_everyone_sees_and_follows_are_accepted(world: World) -> None:
    """The same steps with no limit in force, so the tests above cannot pass by accident."""
    note = world.mastodon.public_note(world.bob, "<p>marker-open</p>")
    await world.deliver(note)
    async with member_browser(world.kinhaven, "ben") as stranger:
        assert "marker-open" in (await stranger.get("/federated")).text
    follow = world.mastodon.follow(world.bob, world.ben.uri)
    await world.deliver(follow)
    assert await follow_store.pending_requests(world.kinhaven.db, world.ben.id) == []
    remote = await relations.find_remote_account(world.kinhaven.app.state.federation,
                                                 world.mastodon.handle(world.bob))
    assert await follow_store.is_following(world.kinhaven.db, remote.id, world.ben.id)
