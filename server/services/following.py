"""Following and unblocking anyone, here or elsewhere: the people pages' one way in.

Remote follows go through `relations.follow` (and federate); a member following another
member of this instance is settled here, with no activity sent: the follow is accepted
at once, or waits as a request when the followee approves followers by hand.
"""

from __future__ import annotations

from federation import activities
from server.activitypub.context import Federation
from server.services import relations
from server.services.delivery import send_to
from server.services.relations import RelationError
from server.storage import accounts as account_store
from server.storage import follows as follow_store
from server.storage import interactions, network
from server.storage import notifications as notification_store
from server.storage import sanctions as sanction_store
from server.storage.actors import Actor
from server.storage.follows import Follow


async def can_be_followed(federation: Federation, target: Actor) -> bool:
    """Someone there to follow: not deleted and, for members, an open account."""
    if target.deleted_at is not None:
        return False
    if not target.local:
        return not (await sanction_store.standing_of(federation.db, target.uri)).suspended
    if target.actor_type != "Person":
        return False
    account = await account_store.get_account(federation.db, target.id)
    return account is not None and account.approved and not account.suspended


async def follow_person(federation: Federation, member: Actor, target: Actor) -> Follow:
    """Follow `target`, or ask to; RelationError (its message for the member) if not."""
    db = federation.db
    if target.id == member.id:
        raise RelationError("You cannot follow yourself.")
    if not await can_be_followed(federation, target):
        raise RelationError("This account cannot be followed.")
    if await interactions.is_blocked(db, actor_id=member.id, target_id=target.id):
        raise RelationError("You have blocked this person. Unblock them first to follow them.")
    if await network.blocks_viewer(db, target.id, member.id):
        raise RelationError("This account cannot be followed.")
    if not target.local:
        return await relations.follow(federation, member, target)
    limited = (await sanction_store.standing_of(db, member.uri)).limited
    stored, created = await follow_store.record_follow(
        db, uri=relations.new_activity_id(federation), follower_id=member.id,
        followee_id=target.id, accepted=not (target.manually_approves_followers or limited),
    )
    if created:
        await notification_store.notify(
            db, account_id=target.id, kind="follow" if stored.state == "accepted"
            else "follow_request", from_actor_id=member.id, post_id=None, source_uri=stored.uri,
        )
    return stored


async def unblock(federation: Federation, member: Actor, target: Actor) -> None:
    """Lift a block; a remote server is told with an Undo, as Mastodon does."""
    uri = await network.block_uri(federation.db, member.id, target.id)
    if uri is None:
        return
    await interactions.remove_block(federation.db, actor_id=member.id, uri=uri,
                                    target_id=target.id)
    undone = activities.block(uri, member.uri, target.uri)
    await send_to(federation, activities.undo(f"{uri}/undo", member.uri, undone), member,
                  [target])
