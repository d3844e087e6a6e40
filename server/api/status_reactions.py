"""What a member does to a Status: favourite, reblog, bookmark and their undoing, and
who favourited or reblogged it.

Likes and boosts go through `services.reactions`, as the buttons under a post do, so
they federate the same. A boost's Status id (`b<id>`) stands for the post boosted, as
Mastodon acts on a reblog's original. Only public and unlisted posts can be reblogged;
Mastodon refuses the others with a 403, and so do we (members-only posts included,
since a boost would carry them past the members). Bookmarks are private and never
leave the instance.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.api.auth import Caller, require_scope
from server.api.entities import JSON, account_json, boost_status_json, status_json
from server.api.errors import NOT_ALLOWED, ApiError
from server.api.paging import paged_json, read_window
from server.api.params import read_params
from server.api.responses import api_json
from server.api.status_lookup import (
    Found,
    federation_of,
    find_status,
    found_json,
    optional_caller,
    reader_of,
)
from server.services import reactions
from server.storage import bookmarks as bookmark_store
from server.storage import interactions
from server.storage.actors import get_actor
from server.storage.posts import Post
from server.web.state import db_of, instance_of

BOOSTABLE = ("public", "unlisted")


async def shown(request: Request, found: Found, caller: Caller | None) -> JSON:
    return await found_json(request, found, None if caller is None else caller.actor)


async def _acted(request: Request, scope: str) -> tuple[Caller, Post]:
    caller = await require_scope(request, scope)
    post = (await find_status(request, reader_of(caller))).post
    await read_params(request)  # a malformed body is still a 400
    return caller, post


async def _answer(request: Request, caller: Caller, post: Post) -> Response:
    return api_json(await status_json(db_of(request), instance_of(request), post,
                                      viewer=caller.actor))


def _action(scope: str, act: Callable[[Request, Caller, Post], Awaitable[None]]
            ) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        caller, post = await _acted(request, scope)
        await act(request, caller, post)
        return await _answer(request, caller, post)
    return endpoint


async def _like(request: Request, caller: Caller, post: Post) -> None:
    await reactions.like(federation_of(request), caller.actor, post)


async def _unlike(request: Request, caller: Caller, post: Post) -> None:
    await reactions.unlike(federation_of(request), caller.actor, post)


async def _bookmark(request: Request, caller: Caller, post: Post) -> None:
    await bookmark_store.add_bookmark(db_of(request), caller.actor.id, post.id)


async def _unbookmark(request: Request, caller: Caller, post: Post) -> None:
    await bookmark_store.remove_bookmark(db_of(request), caller.actor.id, post.id)


async def _unboost(request: Request, caller: Caller, post: Post) -> None:
    await reactions.unboost(federation_of(request), caller.actor, post)


async def reblog(request: Request) -> Response:
    """Answered, as Mastodon does, with the new boost's Status wrapping the post."""
    caller, post = await _acted(request, "write:statuses")
    if post.visibility not in BOOSTABLE:
        raise ApiError(403, NOT_ALLOWED)
    db, instance = db_of(request), instance_of(request)
    await reactions.boost(federation_of(request), caller.actor, post)
    boost = await interactions.boost_by(db, caller.actor.id, post.id)
    original = await status_json(db, instance, post, viewer=caller.actor)
    if boost is None:  # undone at the same moment by another request
        return api_json(original)
    return api_json(await boost_status_json(db, instance, original, caller.actor, boost,
                                            viewer=caller.actor))


def _who(kind: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        caller = await optional_caller(request, "read:accounts")
        post = (await find_status(request, reader_of(caller))).post
        window = read_window(await read_params(request), default=40, maximum=80)
        db, instance = db_of(request), instance_of(request)
        page = await interactions.actors_page(db, kind, post.id, window)
        accounts = []
        for _, actor_id in page:
            actor = await get_actor(db, actor_id)
            if actor is not None and actor.deleted_at is None:
                accounts.append(await account_json(db, instance, actor))
        return paged_json(request, accounts, window, [row_id for row_id, _ in page])
    return endpoint


routes: list[BaseRoute] = [
    Route("/v1/statuses/{id}/favourite", _action("write:favourites", _like),
          methods=["POST"]),
    Route("/v1/statuses/{id}/unfavourite", _action("write:favourites", _unlike),
          methods=["POST"]),
    Route("/v1/statuses/{id}/reblog", reblog, methods=["POST"]),
    Route("/v1/statuses/{id}/unreblog", _action("write:statuses", _unboost),
          methods=["POST"]),
    Route("/v1/statuses/{id}/bookmark", _action("write:bookmarks", _bookmark),
          methods=["POST"]),
    Route("/v1/statuses/{id}/unbookmark", _action("write:bookmarks", _unbookmark),
          methods=["POST"]),
    Route("/v1/statuses/{id}/favourited_by", _who("like"), methods=["GET"]),
    Route("/v1/statuses/{id}/reblogged_by", _who("boost"), methods=["GET"]),
]
