"""Muting through the client API, and the lists of the people the caller mutes and blocks.

A mute is the one the profile pages make: private to the member, nothing sent anywhere,
the muted person's posts and boosts gone from every timeline the member reads. As on
Mastodon, `notifications=false` keeps their notifications coming, and `duration` (in
seconds; 0 or none for no end) makes the mute end by itself. Muting again sets both
afresh. Only people can be muted, as on the pages.

`GET /api/v1/mutes` and `GET /api/v1/blocks` page by the mute's and the block's own id
(the `Link` header's `max_id` is not an account id), newest first; a muted account
carries `mute_expires_at`.
"""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.api.account_entities import relationship_json
from server.api.accounts import target_of
from server.api.auth import require_scope
from server.api.entities import account_json, timestamp
from server.api.errors import not_found, validation_failed
from server.api.paging import paged_json, read_id, read_window
from server.api.params import read_params
from server.api.responses import api_json
from server.clock import now, to_text
from server.storage import mutes as mute_store
from server.storage import network
from server.web.state import db_of, instance_of

MAX_DURATION = 10 * 366 * 24 * 3600
"""The longest timed mute, in seconds (ten years); longer is what no duration means."""
DEFAULT_LIMIT = 40
MAX_LIMIT = 80


async def mute(request: Request) -> Response:
    caller = await require_scope(request, "write:mutes")
    target = await target_of(request)
    if target.actor_type != "Person":
        raise not_found()
    params = await read_params(request)
    notifications = params.boolean("notifications")
    duration = read_id(params, "duration")
    if duration is not None and duration > MAX_DURATION:
        raise validation_failed(f"Duration must be at most {MAX_DURATION} seconds")
    if target.id == caller.actor.id:
        raise validation_failed("You cannot mute yourself.")
    ends = to_text(now() + timedelta(seconds=duration)) if duration else None
    await mute_store.mute(db_of(request), actor_id=caller.actor.id, target_id=target.id,
                          hide_notifications=notifications is not False, expires_at=ends)
    return api_json(await relationship_json(db_of(request), caller.actor, target))


async def unmute(request: Request) -> Response:
    caller = await require_scope(request, "write:mutes")
    target = await target_of(request, suspended_too=True)
    await mute_store.unmute(db_of(request), actor_id=caller.actor.id, target_id=target.id)
    return api_json(await relationship_json(db_of(request), caller.actor, target))


async def mutes(request: Request) -> Response:
    caller = await require_scope(request, "read:mutes")
    db, instance = db_of(request), instance_of(request)
    window = read_window(await read_params(request), default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    rows = await mute_store.muted_page(db, caller.actor.id, window)
    entities = []
    for row in rows:
        entity = await account_json(db, instance, row.actor)
        entity["mute_expires_at"] = timestamp(row.expires_at)
        entities.append(entity)
    return paged_json(request, entities, window, [row.id for row in rows])


async def blocks(request: Request) -> Response:
    caller = await require_scope(request, "read:blocks")
    db, instance = db_of(request), instance_of(request)
    window = read_window(await read_params(request), default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    rows = await network.blocked_page(db, caller.actor.id, window)
    entities = [await account_json(db, instance, row.actor) for row in rows]
    return paged_json(request, entities, window, [row.id for row in rows])


routes: list[BaseRoute] = [
    Route("/v1/accounts/{id}/mute", mute, methods=["POST"]),
    Route("/v1/accounts/{id}/unmute", unmute, methods=["POST"]),
    Route("/v1/mutes", mutes, methods=["GET"]),
    Route("/v1/blocks", blocks, methods=["GET"]),
]
