"""Mastodon's notifications: the list (with `types`, `exclude_types` and `account_id`),
one notification, dismissing one, clearing all, and the unread count.

The API shows what the notifications page shows, by the same rules: nothing from
people the member blocks or mutes or who are suspended; while quiet mode is on,
mentions and replies from people on other servers the member does not follow wait
apart, as what a limited account sends does unless the member follows it, and neither
is listed here; during a break the list is empty, and nothing is deleted.

Our kinds become Mastodon's types: a reply is a `mention`, a like a `favourite`, a
boost a `reblog`. A moderators' decision on a member's held post has no Mastodon
type: it is `kinhaven_moderation`, listed only when `types[]` asks for it, so apps
that know only Mastodon's types are not shown one they cannot read. Its account is the
instance's own, as for a moderation warning.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api.auth import Caller, require_scope
from server.api.entities import JSON, account_json, timestamp
from server.api.errors import not_found, or_not_found
from server.api.paging import paged_json, read_id, read_window
from server.api.params import Params, read_params
from server.api.responses import api_json
from server.api.routing import record_id
from server.api.timeline_statuses import post_status
from server.clock import now_text
from server.instance import Instance
from server.storage import notifications as notification_store
from server.storage import sanctions as sanction_store
from server.storage import timelines
from server.storage.actors import get_actor
from server.storage.database import Database
from server.storage.notifications import Shown
from server.storage.visibility import Reader
from server.web.state import db_of, instance_of

READ, WRITE = "read:notifications", "write:notifications"
DEFAULT_LIMIT, MAX_LIMIT = 40, 80
MAX_UNREAD = 1000
TYPES = {
    "follow": "follow", "follow_request": "follow_request", "mention": "mention",
    "reply": "mention", "favourite": "favourite", "reblog": "reblog", "update": "update",
    "moderation_warning": "moderation_warning", "moderation": "kinhaven_moderation",
}
"""Our kind of notification → Mastodon's type."""
OUR_OWN = frozenset({"kinhaven_moderation"})
WITH_STATUS = frozenset({"mention", "reply", "favourite", "reblog", "update"})
"""Kinds that are about a post: without the post (gone, or no longer visible to the
member) there is nothing to show."""
ACTIONS = {"warning": "none", "sensitive": "sensitive", "limit": "silence",
           "suspend": "suspend"}
FILTERS = ("types[]", "exclude_types[]", "account_id")


def _kinds(params: Params) -> list[str]:
    """The kinds asked for: unknown type names match nothing, as in Mastodon."""
    asked = set(params.texts("types")) or set(TYPES.values()) - OUR_OWN
    asked -= set(params.texts("exclude_types"))
    return [kind for kind, shown in TYPES.items() if shown in asked]


def _on_break(caller: Caller) -> bool:
    until = caller.account.break_until
    return until is not None and until > now_text()


async def _warning(db: Database, instance: Instance, caller: Caller, item: Shown
                   ) -> JSON | None:
    """Mastodon's AccountWarning for a moderation warning: what the member was told."""
    source = item.source_uri or ""
    if not source.startswith("sanction:"):
        return None
    wanted = source.removeprefix("sanction:")
    for sanction in await sanction_store.history(db, caller.actor.id):
        if str(sanction.id) == wanted:
            return {
                "id": str(sanction.id),
                "action": ACTIONS.get(sanction.kind, "none"),
                "text": sanction.reason,
                "status_ids": [],
                "target_account": await account_json(db, instance, caller.actor),
                "appeal": None,
                "created_at": timestamp(sanction.created_at),
            }
    return None


async def _entity(db: Database, instance: Instance, caller: Caller, item: Shown
                  ) -> JSON | None:
    """The Notification, or None when what it is about is no longer the member's to see."""
    status = None
    if item.post_id is not None:
        post = await timelines.visible_post(db, Reader(caller.actor.id), item.post_id)
        status = None if post is None else await post_status(db, instance, post, caller.actor)
    if status is None and item.kind in WITH_STATUS:
        return None
    actor = item.actor if item.actor is not None else await get_actor(db, instance.actor.id)
    assert actor is not None  # the instance actor is made at the first start
    entity: JSON = {
        "id": str(item.id),
        "type": TYPES.get(item.kind, f"kinhaven_{item.kind}"),
        "group_key": f"ungrouped-{item.id}",
        "created_at": timestamp(item.created_at),
        "account": await account_json(db, instance, actor),
        "status": status,
    }
    if item.kind == "moderation_warning":
        entity["moderation_warning"] = await _warning(db, instance, caller, item)
    if item.kind == "moderation":
        entity["kinhaven_note"] = item.note
    return entity


async def list_notifications(request: Request) -> Response:
    caller = await require_scope(request, READ)
    params = await read_params(request)
    window = read_window(params, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    from_actor = read_id(params, "account_id")
    if _on_break(caller):
        return paged_json(request, [], window, [])
    db, instance = db_of(request), instance_of(request)
    found = await notification_store.page_for_member(
        db, caller.actor.id, window, quiet_mode=caller.account.quiet_mode,
        kinds=_kinds(params), from_actor_id=from_actor)
    entities = [await _entity(db, instance, caller, item) for item in found]
    return paged_json(request, [entity for entity in entities if entity is not None], window,
                      [item.id for item in found], keep=FILTERS)


async def _one(request: Request, caller: Caller) -> Shown:
    if _on_break(caller):
        raise not_found()
    return or_not_found(await notification_store.get_for_member(
        db_of(request), caller.actor.id, record_id(request),
        quiet_mode=caller.account.quiet_mode))


async def show_notification(request: Request) -> Response:
    caller = await require_scope(request, READ)
    item = await _one(request, caller)
    return api_json(or_not_found(await _entity(
        db_of(request), instance_of(request), caller, item)))


async def dismiss_notification(request: Request) -> Response:
    caller = await require_scope(request, WRITE)
    await read_params(request)
    if not await notification_store.dismiss(db_of(request), caller.actor.id,
                                            record_id(request)):
        raise not_found()
    return api_json({})


async def clear_notifications(request: Request) -> Response:
    caller = await require_scope(request, WRITE)
    await read_params(request)
    await notification_store.clear(db_of(request), caller.actor.id)
    return api_json({})


async def unread_count(request: Request) -> Response:
    caller = await require_scope(request, READ)
    params = await read_params(request)
    limit = read_window(params, default=100, maximum=MAX_UNREAD).limit
    count = 0 if _on_break(caller) else await notification_store.count_unread(
        db_of(request), caller.actor.id, quiet_mode=caller.account.quiet_mode,
        kinds=_kinds(params), limit=limit)
    return api_json({"count": count})


routes = [
    Route("/v1/notifications", list_notifications, methods=["GET"]),
    Route("/v1/notifications/clear", clear_notifications, methods=["POST"]),
    Route("/v1/notifications/unread_count", unread_count, methods=["GET"]),
    Route("/v1/notifications/{id}", show_notification, methods=["GET"]),
    Route("/v1/notifications/{id}/dismiss", dismiss_notification, methods=["POST"]),
]
