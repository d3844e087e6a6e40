"""Follows, follow requests and blocks, in both directions across the border."""

from __future__ import annotations

import uuid

from federation import activities
from federation.resolve import ResolveError, resolve_handle
from server.activitypub.context import Federation
from server.activitypub.remote import ActorUnavailable
from server.services.delivery import send_to
from server.storage import follows as follow_store
from server.storage import interactions
from server.storage import notifications as notification_store
from server.storage.actors import Actor, get_actor
from server.storage.follows import Follow


class RelationError(Exception):
    """A follow or block that cannot be made; the message says why, for the member."""


def new_activity_id(federation: Federation) -> str:
    return f"{federation.instance.urls.base}/activities/{uuid.uuid4()}"


async def find_remote_account(federation: Federation, handle: str) -> Actor:
    """`@name@host` through WebFinger, then the actor document, stored for later."""
    scheme = "http" if federation.instance.settings.insecure_federation else "https"
    try:
        actor_uri, _ = await resolve_handle(
            federation.client, handle, scheme=scheme, signer=federation.signer
        )
        return await federation.remote.get(actor_uri)
    except (ResolveError, ActorUnavailable) as error:
        raise RelationError(f"could not find {handle}: {error}") from error


async def follow(federation: Federation, member: Actor, target: Actor) -> Follow:
    """Ask to follow a remote actor; the follow stays pending until its Accept arrives."""
    if target.local or target.id == member.id:
        raise RelationError("members of this instance follow each other through the web")
    stored, created = await follow_store.record_follow(
        federation.db, uri=new_activity_id(federation), follower_id=member.id,
        followee_id=target.id, accepted=False,
    )
    if created or stored.state == "pending":
        await send_to(federation, activities.follow(stored.uri, member.uri, target.uri), member,
                      [target])
    return stored


async def unfollow(federation: Federation, member: Actor, target: Actor) -> None:
    existing = await follow_store.get_follow(federation.db, member.id, target.id)
    if existing is None:
        return
    await follow_store.delete_follow(federation.db, existing.id)
    undone = activities.follow(existing.uri, member.uri, target.uri)
    await send_to(federation, activities.undo(f"{existing.uri}/undo", member.uri, undone), member,
                  [target])


async def _answer(federation: Federation, request: Follow, *, accept: bool) -> None:
    follower = await get_actor(federation.db, request.follower_id)
    followee = await get_actor(federation.db, request.followee_id)
    assert follower is not None and followee is not None
    if accept:
        await follow_store.accept_follow(federation.db, request.id)
        activity = activities.accept_follow(
            f"{followee.uri}#accepts/follows/{request.id}", followee.uri, request.uri,
            follower.uri,
        )
    else:
        await follow_store.delete_follow(federation.db, request.id)
        activity = activities.reject_follow(
            f"{followee.uri}#rejects/follows/{request.id}", followee.uri, request.uri,
            follower.uri,
        )
    await send_to(federation, activity, followee, [follower])


async def accept_request(federation: Federation, request: Follow) -> None:
    await _answer(federation, request, accept=True)


async def reject_request(federation: Federation, request: Follow) -> None:
    await _answer(federation, request, accept=False)


async def receive_follow(federation: Federation, *, uri: str, follower: Actor, member: Actor,
                         manual: bool) -> None:
    """A remote Follow of a member: accepted at once unless the member approves by hand
    (the default here); blocked followers are rejected."""
    db = federation.db
    if await interactions.is_blocked(db, actor_id=member.id, target_id=follower.id):
        stored, _ = await follow_store.record_follow(
            db, uri=uri, follower_id=follower.id, followee_id=member.id, accepted=False
        )
        await reject_request(federation, stored)
        return
    stored, created = await follow_store.record_follow(
        db, uri=uri, follower_id=follower.id, followee_id=member.id, accepted=not manual
    )
    if stored.state == "accepted":
        await accept_request(federation, stored)
    if created:
        await notification_store.notify(
            db, account_id=member.id, kind="follow" if stored.state == "accepted"
            else "follow_request", from_actor_id=follower.id, post_id=None, source_uri=uri,
        )


async def block(federation: Federation, member: Actor, target: Actor) -> None:
    """Block: follows end both ways, and a remote server is told, as Mastodon does."""
    uri = new_activity_id(federation)
    await interactions.record_block(federation.db, uri=uri, actor_id=member.id,
                                    target_id=target.id)
    await follow_store.sever(federation.db, member.id, target.id)
    await send_to(federation, activities.block(uri, member.uri, target.uri), member, [target])
