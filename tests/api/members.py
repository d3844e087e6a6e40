"""Members of a running instance doing what members do, through the services the pages
use, for the client API tests that read the results."""

from __future__ import annotations

from server.activitypub.context import Federation
from server.services import following, posting
from server.storage.actors import Actor, get_actor, get_local_actor_by_username
from server.storage.posts import Post
from tests.instances import RunningInstance
from tests.moderating import open_follows


def federation_of(instance: RunningInstance) -> Federation:
    federation: Federation = instance.app.state.federation
    return federation


async def member(instance: RunningInstance, username: str) -> Actor:
    await instance.add_member(username)
    actor = await get_local_actor_by_username(instance.db, username)
    assert actor is not None
    return actor


async def follows(instance: RunningInstance, follower: Actor, followee: Actor) -> None:
    """`follower` follows `followee` here, accepted at once."""
    await open_follows(instance.db, followee.id)
    opened = await get_actor(instance.db, followee.id)
    assert opened is not None
    stored = await following.follow_person(federation_of(instance), follower, opened)
    assert stored.state == "accepted"


async def post(instance: RunningInstance, author: Actor, text: str, *,
               visibility: str = "public", summary: str = "") -> Post:
    return await posting.publish(federation_of(instance), author, text, visibility=visibility,
                                 summary=summary)
