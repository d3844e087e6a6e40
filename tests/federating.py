"""Federation steps several tests need, through the real inbox and services."""

from __future__ import annotations

from server.activitypub.context import Federation
from server.services import relations
from server.storage import follows as follow_store
from server.storage import inbound as inbound_store
from server.storage.actors import Actor
from tests.fake_mastodon import FakeAccount, FakeMastodon
from tests.instances import RunningInstance
from tests.waiting import wait_until


async def accepted_follower(kinhaven: RunningInstance, mastodon: FakeMastodon,
                            follower: FakeAccount, member: Actor) -> None:
    """`follower` on the fake Mastodon asks to follow `member`, who approves it; returns
    once Mastodon has the Accept."""
    follow = mastodon.follow(follower, member.uri)
    delivered = await mastodon.deliver(follower, f"{kinhaven.base_url}/inbox", follow)
    assert delivered.status_code == 202

    async def processed() -> bool:
        state = await inbound_store.state_of(kinhaven.db, follow["id"])
        return state is not None and state[0] == "done"

    await wait_until(processed, what=f"{follower.username}'s follow")
    federation: Federation = kinhaven.app.state.federation
    request = (await follow_store.pending_requests(kinhaven.db, member.id))[0]
    await relations.accept_request(federation, request)
    await mastodon.wait_for(lambda a: a["type"] == "Accept")
