"""Mastodon's markers: where the member stopped reading the home timeline and the
notifications. Names other than `home` and `notifications` are ignored, as Mastodon
ignores them; a marker never set is simply absent from the answer."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api.auth import require_scope
from server.api.entities import timestamp
from server.api.errors import validation_failed
from server.api.params import Params, read_params
from server.api.responses import api_json
from server.storage import markers as marker_store
from server.storage.markers import Marker
from server.web.state import db_of

ENTRY_ID = re.compile(r"\A[A-Za-z0-9_]{1,40}\Z")
"""A post or notification id, or the home timeline's `b<id>` for a boost."""


def _markers_json(markers: dict[str, Marker]) -> dict[str, dict[str, object]]:
    return {name: {"last_read_id": marker.last_read_id, "version": marker.version,
                   "updated_at": timestamp(marker.updated_at)}
            for name, marker in markers.items()}


def _position(params: Params, timeline: str) -> str | None:
    """`timeline[last_read_id]` from a form, or `{"timeline": {"last_read_id": ...}}`."""
    nested = params.raw(timeline)
    if isinstance(nested, dict):
        value = nested.get("last_read_id")
    elif nested is not None:
        raise validation_failed(f"{timeline} must be an object with last_read_id")
    else:
        value = params.text(f"{timeline}[last_read_id]")
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not ENTRY_ID.match(value):
        raise validation_failed(f"{timeline} last_read_id must be an id")
    return value


async def get_markers(request: Request) -> Response:
    caller = await require_scope(request, "read:statuses")
    wanted = (await read_params(request)).texts("timeline")
    return api_json(_markers_json(
        await marker_store.get_markers(db_of(request), caller.actor.id, wanted)))


async def set_markers(request: Request) -> Response:
    caller = await require_scope(request, "write:statuses")
    params = await read_params(request)
    positions = {}
    for timeline in marker_store.TIMELINES:
        position = _position(params, timeline)
        if position is not None:
            positions[timeline] = position
    if not positions:
        return api_json({})
    return api_json(_markers_json(
        await marker_store.set_markers(db_of(request), caller.actor.id, positions)))


routes = [
    Route("/v1/markers", get_markers, methods=["GET"]),
    Route("/v1/markers", set_markers, methods=["POST"]),
]
