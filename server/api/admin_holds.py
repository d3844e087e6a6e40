"""Kinhaven's extension to Mastodon's admin API: the hold queue.

Mastodon has no hold queue, so these endpoints live under `/api/v1/admin/kinhaven/`,
shaped like the rest of the admin API (ids as strings, `Link` paging, `{"error": ...}`).
Two lists, as on the queue page: members' posts held before they went out (or hidden
after reports), and activities from other servers held before they were applied. Each
decision goes through the same service as the page, so it is audited, a held post that
is approved is sent as it would have been, and the author of one turned down reads the
moderator's note.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from moderation.auto_hide import POLICY as REPORTS_POLICY
from server.activitypub.context import Federation
from server.api.auth import require_moderator
from server.api.entities import JSON, admin_account_json, status_json, timestamp
from server.api.errors import ApiError, or_not_found, validation_failed
from server.api.paging import paged_json, read_window
from server.api.params import Params, read_params
from server.api.responses import api_json
from server.api.routing import record_id
from server.services.holding import (
    NOTE_LENGTH,
    NotWaiting,
    decide_hold,
    decide_remote_hold,
    held_activity_text,
)
from server.storage import holds as hold_store
from server.storage import posts as post_store
from server.storage.actors import get_actor
from server.storage.holds import HeldActivity, Hold
from server.web.state import db_of, instance_of

READ, WRITE = "admin:read", "admin:write"
HOLDS = "/v1/admin/kinhaven/holds"
HELD_ACTIVITIES = "/v1/admin/kinhaven/held_activities"


def _federation(request: Request) -> Federation:
    federation: Federation = request.app.state.federation
    return federation


async def _hold_json(request: Request, hold: Hold) -> JSON:
    db, instance = db_of(request), instance_of(request)
    post = await post_store.get_post(db, hold.post_id)
    author = None if post is None else await get_actor(db, post.actor_id)
    return {
        "id": str(hold.id),
        "policy": hold.policy,
        "reason": hold.reason,
        "hidden_after_reports": hold.policy == REPORTS_POLICY,
        "created_at": timestamp(hold.created_at),
        "decision": hold.decision,
        "note": hold.note,
        "status": None if post is None or post.deleted_at is not None
        else await status_json(db, instance, post),
        "account": None if author is None else await admin_account_json(db, instance, author),
    }


def _activity_type(body: str) -> str | None:
    try:
        activity: Any = json.loads(body)
    except ValueError:
        return None
    kind = activity.get("type") if isinstance(activity, dict) else None
    return kind if isinstance(kind, str) else None


async def _held_activity_json(request: Request, held: HeldActivity) -> JSON:
    return {
        "id": str(held.id),
        "actor_uri": held.actor_uri,
        "type": _activity_type(held.body),
        "content": held_activity_text(held.body),
        "reason": held.reason,
        "created_at": timestamp(held.created_at),
        "decision": held.decision,
        "note": held.note,
    }


def _decided(params: Params) -> bool:
    """`decided=true` lists past decisions; by default, what is waiting."""
    return bool(params.boolean("decided"))


def _note(params: Params) -> str:
    note = params.text("note") or ""
    if len(note) > NOTE_LENGTH:
        raise validation_failed(f"Note is too long (maximum is {NOTE_LENGTH} characters)")
    return note


async def list_holds(request: Request) -> Response:
    await require_moderator(request, READ)
    params = await read_params(request)
    window = read_window(params)
    holds = await hold_store.page_holds(db_of(request), window, waiting=not _decided(params))
    return paged_json(request, [await _hold_json(request, hold) for hold in holds], window,
                      [hold.id for hold in holds], keep=("decided",))


async def _find_hold(request: Request) -> Hold:
    return or_not_found(await hold_store.get_hold(db_of(request), record_id(request)))


async def show_hold(request: Request) -> Response:
    await require_moderator(request, READ)
    return api_json(await _hold_json(request, await _find_hold(request)))


async def list_held_activities(request: Request) -> Response:
    await require_moderator(request, READ)
    params = await read_params(request)
    window = read_window(params)
    held = await hold_store.page_held_activities(db_of(request), window,
                                                 waiting=not _decided(params))
    return paged_json(request, [await _held_activity_json(request, item) for item in held],
                      window, [item.id for item in held], keep=("decided",))


async def _find_held_activity(request: Request) -> HeldActivity:
    return or_not_found(await hold_store.get_held_activity(db_of(request), record_id(request)))


async def show_held_activity(request: Request) -> Response:
    await require_moderator(request, READ)
    return api_json(await _held_activity_json(request, await _find_held_activity(request)))


Decide = Callable[..., Awaitable[object]]


def _decision(approve: bool, find: Callable[[Request], Awaitable[Any]], decide: Decide,
              entity: Callable[[Request, Any], Awaitable[JSON]]
              ) -> Callable[[Request], Awaitable[Response]]:
    """Approve or reject one waiting item; one already decided is a 422, as Mastodon
    answers an action that no longer applies."""

    async def handle(request: Request) -> Response:
        caller = await require_moderator(request, WRITE)
        item = await find(request)
        note = _note(await read_params(request))
        try:
            problem = await decide(_federation(request), item.id, approve=approve,
                                   by_id=caller.actor.id, by_name=caller.by_name, note=note)
        except NotWaiting as error:
            raise ApiError(422, "This has already been decided") from error
        answer = await entity(request, await find(request))
        if isinstance(problem, str):  # approved, but the activity could not be applied
            answer["kinhaven_problem"] = problem
        return api_json(answer)

    return handle


routes = [
    Route(HOLDS, list_holds, methods=["GET"]),
    Route(f"{HOLDS}/{{id}}", show_hold, methods=["GET"]),
    *(Route(f"{HOLDS}/{{id}}/{name}", _decision(name == "approve", _find_hold, decide_hold,
                                                 _hold_json), methods=["POST"])
      for name in ("approve", "reject")),
    Route(HELD_ACTIVITIES, list_held_activities, methods=["GET"]),
    Route(f"{HELD_ACTIVITIES}/{{id}}", show_held_activity, methods=["GET"]),
    *(Route(f"{HELD_ACTIVITIES}/{{id}}/{name}",
            _decision(name == "approve", _find_held_activity, decide_remote_hold,
                      _held_activity_json), methods=["POST"])
      for name in ("approve", "reject")),
]
