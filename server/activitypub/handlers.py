"""One handler per activity type Mastodon sends (`handle_<type>`), run by the inbound
worker after the pipeline accepted the activity. A handler that must not act raises
`Dropped` with the reason, which is recorded against the activity."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from federation.client import FetchError
from federation.parse import (
    ACTOR_TYPES,
    Envelope,
    MalformedActivity,
    host_of,
    parse_actor,
    parse_note,
    ref,
    refs,
)
from federation.sanitize import sanitize_html
from moderation.domains import LIMIT, severity_for
from server.activitypub.context import Federation
from server.activitypub.incoming_notes import Arrival, NoteDropped, store_notes
from server.activitypub.remote import ActorUnavailable, new_actor
from server.services import relations
from server.storage import accounts as account_store
from server.storage import actors as actor_store
from server.storage import follows as follow_store
from server.storage import interactions
from server.storage import notifications as notification_store
from server.storage import posts as post_store
from server.storage import reports as report_store
from server.storage import sanctions as sanction_store
from server.storage.actors import Actor
from server.storage.posts import Post


class Dropped(Exception):
    """The activity was read and deliberately not applied; the message says why."""


Handler = Callable[[Federation, Envelope, Actor], Awaitable[None]]


async def _member(federation: Federation, uri: str | None) -> Actor:
    actor = None if uri is None else await actor_store.get_actor_by_uri(federation.db, uri)
    if actor is None or not actor.local or actor.actor_type != "Person":
        raise Dropped(f"{uri} is not a member here")
    account = await account_store.get_account(federation.db, actor.id)
    if account is None or not account.approved or account.suspended:
        raise Dropped(f"{uri} is not an active member")
    return actor


async def _local_post(federation: Federation, uri: str | None) -> Post:
    post = None if uri is None else await post_store.get_post_by_uri(federation.db, uri)
    if post is None or not post.local:
        raise Dropped(f"{uri} is not a post here")
    return post


async def handle_follow(federation: Federation, envelope: Envelope, sender: Actor) -> None:
    member = await _member(federation, envelope.object_id)
    await relations.receive_follow(federation, uri=envelope.id, follower=sender, member=member,
                                   manual=await _needs_approval(federation, member, sender))


async def _needs_approval(federation: Federation, member: Actor, sender: Actor) -> bool:
    """The member's choice, or the moderators': a limited account or domain asks first."""
    if member.manually_approves_followers:
        return True
    if (await sanction_store.standing_of(federation.db, sender.uri)).limited:
        return True
    return await severity_for(federation.domains, sender.domain) == LIMIT


async def _our_follow(federation: Federation, envelope: Envelope, sender: Actor
                      ) -> follow_store.Follow:
    """The follow an Accept or Reject answers: by our Follow's id, else by the embedded
    Follow's actor, as Mastodon matches them."""
    db = federation.db
    follow = None
    if envelope.object_id is not None:
        follow = await follow_store.get_follow_by_uri(db, envelope.object_id)
    if follow is None and envelope.object is not None and envelope.object.get("actor"):
        follower = await actor_store.get_actor_by_uri(db, ref(envelope.object["actor"], "actor"))
        if follower is not None:
            follow = await follow_store.get_follow(db, follower.id, sender.id)
    if follow is None or follow.followee_id != sender.id:
        raise Dropped("no follow of ours matches")
    return follow


async def handle_accept(federation: Federation, envelope: Envelope, sender: Actor) -> None:
    follow = await _our_follow(federation, envelope, sender)
    await follow_store.accept_follow(federation.db, follow.id)


async def handle_reject(federation: Federation, envelope: Envelope, sender: Actor) -> None:
    follow = await _our_follow(federation, envelope, sender)
    await follow_store.delete_follow(federation.db, follow.id)


async def handle_undo(federation: Federation, envelope: Envelope, sender: Actor) -> None:
    db = federation.db
    uri = envelope.object_id
    if uri is None:
        raise Dropped("Undo without an object")
    kind = envelope.object.get("type") if envelope.object else None
    if kind in (None, "Follow"):
        follow = await follow_store.get_follow_by_uri(db, uri)
        if follow is None and envelope.object is not None:
            target = await actor_store.get_actor_by_uri(
                db, ref(envelope.object.get("object"), "object.object"))
            if target is not None:
                follow = await follow_store.get_follow(db, sender.id, target.id)
        if follow is not None and follow.follower_id == sender.id:
            await follow_store.delete_follow(db, follow.id)
            return
    if kind in (None, "Like") and await interactions.remove_interaction(
            db, "like", actor_id=sender.id, uri=uri):
        return
    if kind in (None, "Announce") and await interactions.remove_interaction(
            db, "boost", actor_id=sender.id, uri=uri):
        return
    if kind in (None, "Block"):
        await interactions.remove_block(db, actor_id=sender.id, uri=uri, target_id=None)
        return
    raise Dropped(f"nothing to undo for {uri}")


async def _store_note(federation: Federation, document: object, sender: Actor, *,
                      boosted: bool = False) -> Post:
    (result,) = await store_notes(federation, [Arrival(document, sender, boosted)])
    if isinstance(result, NoteDropped):
        raise Dropped(str(result))
    return result


async def handle_create(federation: Federation, envelope: Envelope, sender: Actor) -> None:
    document: object = envelope.object
    if document is None and envelope.object_id is not None:
        try:
            document = await federation.client.fetch_activity(envelope.object_id,
                                                              signer=federation.signer)
        except FetchError as error:
            raise Dropped(f"could not fetch {envelope.object_id}: {error}") from error
    await _store_note(federation, document, sender)


def _with_context(envelope: Envelope, document: dict[str, object]) -> dict[str, object]:
    return {"@context": envelope.raw.get("@context"), **document}


async def handle_update(federation: Federation, envelope: Envelope, sender: Actor) -> None:
    document = envelope.object
    if document is None:
        raise Dropped("Update without an embedded object")
    if document.get("type") in ACTOR_TYPES:
        if envelope.object_id != sender.uri:
            raise Dropped("an actor may only update itself")
        try:
            remote = parse_actor(_with_context(envelope, document), key_id=sender.public_key_id)
        except MalformedActivity as error:
            raise Dropped(str(error)) from error
        federation.remote.forget(sender.uri)
        await actor_store.upsert_remote_actor(federation.db, new_actor(remote))
        return
    try:
        note = parse_note(document)
    except MalformedActivity as error:
        raise Dropped(str(error)) from error
    post = await post_store.get_post_by_uri(federation.db, note.uri)
    if post is None or post.actor_id != sender.id:
        raise Dropped(f"{note.uri} is not a post of the sender that we have")
    await post_store.update_post(federation.db, post.id,
                                 content_html=sanitize_html(note.content_html),
                                 summary=note.summary[:500], sensitive=note.sensitive)


async def handle_delete(federation: Federation, envelope: Envelope, sender: Actor) -> None:
    target = envelope.object_id
    if target is None:
        raise Dropped("Delete without an object")
    if target == sender.uri:
        federation.remote.forget(sender.uri)
        await actor_store.mark_actor_deleted(federation.db, sender.id)
        return
    post = await post_store.get_post_by_uri(federation.db, target)
    if post is None:
        await post_store.add_tombstone(federation.db, target)
        return
    if post.actor_id != sender.id:
        raise Dropped("an actor may only delete its own posts")
    await post_store.delete_post(federation.db, post.id, post.uri)


async def handle_announce(federation: Federation, envelope: Envelope, sender: Actor) -> None:
    db = federation.db
    target = envelope.object_id
    if target is None:
        raise Dropped("Announce without an object")
    post = await post_store.get_post_by_uri(db, target)
    if post is None:
        if not await follow_store.any_local_follower(db, sender.id):
            raise Dropped("a boost of a post nobody here follows")
        try:
            document = await federation.client.fetch_activity(target, signer=federation.signer)
            author = await federation.remote.get(ref(document.get("attributedTo"), "attributedTo"))
        except (FetchError, ActorUnavailable, MalformedActivity) as error:
            raise Dropped(f"could not fetch the boosted post: {error}") from error
        if await federation.is_suspended(host_of(author.uri)):
            raise Dropped(f"{host_of(author.uri)} is suspended")
        post = await _store_note(federation, document, author, boosted=True)
    if post.visibility not in ("public", "unlisted"):
        raise Dropped("only public and unlisted posts can be boosted")
    if await interactions.record_interaction(db, "boost", uri=envelope.id, actor_id=sender.id,
                                             post_id=post.id) and post.local:
        await notification_store.notify(db, account_id=post.actor_id, kind="reblog",
                                        from_actor_id=sender.id, post_id=post.id,
                                        source_uri=envelope.id)


async def handle_like(federation: Federation, envelope: Envelope, sender: Actor) -> None:
    post = await _local_post(federation, envelope.object_id)
    if post.visibility == "local":
        raise Dropped("members-only posts cannot be liked from outside")
    if await interactions.record_interaction(federation.db, "like", uri=envelope.id,
                                             actor_id=sender.id, post_id=post.id):
        await notification_store.notify(federation.db, account_id=post.actor_id,
                                        kind="favourite", from_actor_id=sender.id,
                                        post_id=post.id, source_uri=envelope.id)


async def handle_block(federation: Federation, envelope: Envelope, sender: Actor) -> None:
    member = await _member(federation, envelope.object_id)
    await interactions.record_block(federation.db, uri=envelope.id, actor_id=sender.id,
                                    target_id=member.id)
    await follow_store.sever(federation.db, sender.id, member.id)


async def handle_flag(federation: Federation, envelope: Envelope, sender: Actor) -> None:
    db = federation.db
    objects = refs(envelope.raw.get("object"))
    target_id = None
    for uri in objects:
        actor = await actor_store.get_actor_by_uri(db, uri)
        post = await post_store.get_post_by_uri(db, uri)
        if actor is not None and actor.local:
            target_id = actor.id
        elif post is not None and post.local and target_id is None:
            target_id = post.actor_id
    if target_id is None:
        raise Dropped("the report names nothing of ours")
    content = envelope.raw.get("content")
    await report_store.record_report(
        db, uri=envelope.id, target_actor_id=target_id,
        comment=content[:5000] if isinstance(content, str) else "",
        object_uris=objects[:100], origin_domain=host_of(sender.uri),
    )


HANDLERS: dict[str, Handler] = {
    "Follow": handle_follow,
    "Accept": handle_accept,
    "Reject": handle_reject,
    "Undo": handle_undo,
    "Create": handle_create,
    "Update": handle_update,
    "Delete": handle_delete,
    "Announce": handle_announce,
    "Like": handle_like,
    "Block": handle_block,
    "Flag": handle_flag,
}
