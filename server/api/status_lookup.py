"""Finding the Status a client names, as the caller may see it.

A Status id is a post's id, or `b<boost id>` for a boost (see `entities.BOOST_PREFIX`).
Every lookup goes through `timelines.visible_post` for the reader, so a post someone is
not entitled to see (followers-only, direct, members-only, held) is simply not found,
exactly as an id that never existed. Reads allow anonymous callers, as Mastodon does
for public posts; a token, when sent, must be valid and hold the read scope.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from server.activitypub.context import Federation
from server.api.auth import Caller, app_only, looked_up_token, require_scope
from server.api.entities import JSON, boost_status_json, status_json
from server.api.errors import not_found
from server.api.timeline_statuses import read_status_id
from server.storage import interactions, timelines
from server.storage.actors import Actor, get_actor
from server.storage.interactions import Boost
from server.storage.posts import Post
from server.storage.visibility import ANONYMOUS, Reader
from server.web.state import db_of, instance_of


def federation_of(request: Request) -> Federation:
    federation: Federation = request.app.state.federation
    return federation


async def optional_caller(request: Request, scope: str) -> Caller | None:
    """The caller if a member's token was sent (checked as for any call), else None
    (no token, or an app's own)."""
    if "authorization" not in request.headers:
        return None
    if await looked_up_token(request) is None and await app_only(request, scope):
        return None
    return await require_scope(request, scope)


def reader_of(caller: Caller | None) -> Reader:
    return ANONYMOUS if caller is None else Reader(caller.actor.id)


@dataclass(frozen=True)
class Found:
    """The post a Status id names, and the boost when the id was a boost's."""

    post: Post
    boost: Boost | None = None
    booster: Actor | None = None


async def find_status(request: Request, reader: Reader, name: str = "id") -> Found:
    """The Status named in the path, or 404 when it is unknown or not for this reader."""
    parsed = read_status_id(str(request.path_params.get(name, "")))
    if parsed is None:
        raise not_found()
    kind, number = parsed
    db = db_of(request)
    if kind == "p":
        post = await timelines.visible_post(db, reader, number)
        if post is None:
            raise not_found()
        return Found(post)
    boost = await interactions.get_boost(db, number)
    booster = None if boost is None else await get_actor(db, boost.actor_id)
    if boost is None or booster is None or booster.deleted_at is not None:
        raise not_found()
    if reader.actor_id is not None and (
            await interactions.is_blocked(db, actor_id=reader.actor_id, target_id=booster.id)
            or await interactions.is_blocked(db, actor_id=booster.id,
                                             target_id=reader.actor_id)):
        raise not_found()
    post = await timelines.visible_post(db, reader, boost.post_id)
    if post is None:
        raise not_found()
    return Found(post, boost, booster)


async def found_json(request: Request, found: Found, viewer: Actor | None) -> JSON:
    """The Status as the caller asked for it: the post, or the boost wrapping it."""
    db, instance = db_of(request), instance_of(request)
    original = await status_json(db, instance, found.post, viewer=viewer)
    if found.boost is None or found.booster is None:
        return original
    return await boost_status_json(db, instance, original, found.booster, found.boost,
                                   viewer=viewer)
