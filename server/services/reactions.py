"""Likes and boosts by members, of posts from anywhere."""

from __future__ import annotations

from federation import activities
from federation.parse import host_of
from server.activitypub.context import Federation
from server.clock import now_text
from server.services.delivery import send, send_to
from server.services.relations import new_activity_id
from server.storage import follows as follow_store
from server.storage import interactions
from server.storage import notifications as notification_store
from server.storage.actors import Actor, get_actor
from server.storage.posts import Post


class ReactionError(Exception):
    pass


async def _author(federation: Federation, post: Post) -> Actor:
    author = await get_actor(federation.db, post.actor_id)
    assert author is not None
    return author


async def _tell_member(federation: Federation, author: Actor, member: Actor, kind: str,
                       post: Post, uri: str) -> None:
    """A member here liked or boosted another member's post: they hear of it as they
    would of someone elsewhere doing so."""
    if author.local and author.id != member.id:
        await notification_store.notify(federation.db, account_id=author.id, kind=kind,
                                        from_actor_id=member.id, post_id=post.id,
                                        source_uri=uri)


async def like(federation: Federation, member: Actor, post: Post) -> None:
    uri = new_activity_id(federation)
    if await interactions.record_interaction(federation.db, "like", uri=uri, actor_id=member.id,
                                             post_id=post.id):
        author = await _author(federation, post)
        await _tell_member(federation, author, member, "favourite", post, uri)
        await send_to(federation, activities.like(uri, member.uri, post.uri), member, [author])


async def unlike(federation: Federation, member: Actor, post: Post) -> None:
    uri = await interactions.interaction_uri(federation.db, "like", actor_id=member.id,
                                             post_id=post.id)
    if uri is None:
        return
    await interactions.remove_interaction(federation.db, "like", actor_id=member.id, uri=uri)
    author = await _author(federation, post)
    undone = activities.like(uri, member.uri, post.uri)
    await send_to(federation, activities.undo(f"{uri}/undo", member.uri, undone), member,
                  [author])


async def _boost_inboxes(federation: Federation, member: Actor, author: Actor) -> list[str]:
    inboxes = await follow_store.follower_inboxes(federation.db, member.id)
    if not author.local:
        inboxes.append(author.shared_inbox_uri or author.inbox_uri)
    return inboxes


async def boost(federation: Federation, member: Actor, post: Post) -> None:
    if post.visibility not in ("public", "unlisted"):
        raise ReactionError("only public and unlisted posts can be boosted")
    uri = new_activity_id(federation)
    if not await interactions.record_interaction(federation.db, "boost", uri=uri,
                                                 actor_id=member.id, post_id=post.id):
        return
    author = await _author(federation, post)
    await _tell_member(federation, author, member, "reblog", post, uri)
    activity = activities.announce(uri, member.uri, post.uri, author=author.uri,
                                   followers=member.followers_uri or "", published=now_text())
    await send(federation, activity, member, await _boost_inboxes(federation, member, author))


async def unboost(federation: Federation, member: Actor, post: Post) -> None:
    uri = await interactions.interaction_uri(federation.db, "boost", actor_id=member.id,
                                             post_id=post.id)
    if uri is None:
        return
    await interactions.remove_interaction(federation.db, "boost", actor_id=member.id, uri=uri)
    author = await _author(federation, post)
    undone = activities.announce(uri, member.uri, post.uri, author=author.uri,
                                 followers=member.followers_uri or "", published=now_text())
    await send(federation, activities.undo(f"{uri}/undo", member.uri, undone), member,
               await _boost_inboxes(federation, member, author))


def is_local_uri(federation: Federation, uri: str) -> bool:
    return host_of(uri) == federation.instance.settings.domain.lower()
