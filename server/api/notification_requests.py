"""Mastodon's notification requests and notification policy, read from what Kinhaven
keeps apart: while quiet mode is on, mentions and replies from people on other servers
the member does not follow wait apart, as whatever a limited account sends does unless
the member follows it (the notifications page's "waiting" list).

One request stands for each account with notifications waiting; its id is that
account's id, and requests are paged by it. Dismissing a request removes what waits
from that account, as Mastodon's does. Kinhaven decides what waits when it is read,
by following and quiet mode, not by a list of accepted accounts: accepting is a 422
that says so, and so is changing the policy, which is quiet mode on the privacy
settings page. During a break there is nothing to show, as on the page.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api.auth import Caller, require_scope
from server.api.entities import JSON, account_json, timestamp
from server.api.errors import ApiError, not_found, or_not_found, validation_failed
from server.api.paging import paged_json, read_window
from server.api.params import Params, read_params
from server.api.responses import api_json
from server.api.routing import record_id
from server.api.timeline_statuses import post_status
from server.clock import now_text
from server.instance import Instance
from server.storage import notifications as notification_store
from server.storage import timelines
from server.storage.actors import get_actor
from server.storage.database import Database
from server.storage.notifications import Sender
from server.storage.paging import LARGEST_ID
from server.storage.visibility import Reader
from server.web.state import db_of, instance_of

READ, WRITE = "read:notifications", "write:notifications"
DEFAULT_LIMIT, MAX_LIMIT = 40, 80
MAX_IDS = 100


def _on_break(caller: Caller) -> bool:
    until = caller.account.break_until
    return until is not None and until > now_text()


def _settings_url(instance: Instance) -> str:
    return f"{instance.urls.base}/settings/privacy"


def _no_accepting(instance: Instance) -> ApiError:
    return ApiError(422, (
        "Kinhaven has no list of accepted accounts: what waits apart comes into your"
        " notifications when you follow the account, or, for people on other servers,"
        " when you turn quiet mode off at " + _settings_url(instance)
        + " (a limited account's wait until you follow it)"))


async def _entity(db: Database, instance: Instance, caller: Caller, sender: Sender
                  ) -> JSON | None:
    actor = await get_actor(db, sender.actor_id)
    if actor is None:
        return None
    status = None
    if sender.last_post_id is not None:
        post = await timelines.visible_post(db, Reader(caller.actor.id), sender.last_post_id)
        status = None if post is None else await post_status(db, instance, post, caller.actor)
    return {
        "id": str(sender.actor_id),
        "created_at": timestamp(sender.first_at),
        "updated_at": timestamp(sender.last_at),
        "account": await account_json(db, instance, actor),
        "notifications_count": str(sender.count),
        "last_status": status,
    }


async def list_requests(request: Request) -> Response:
    caller = await require_scope(request, READ)
    window = read_window(await read_params(request), default=DEFAULT_LIMIT,
                         maximum=MAX_LIMIT)
    if _on_break(caller):
        return paged_json(request, [], window, [])
    db, instance = db_of(request), instance_of(request)
    found = await notification_store.waiting_senders(
        db, caller.actor.id, window, quiet_mode=caller.account.quiet_mode)
    entities = [await _entity(db, instance, caller, sender) for sender in found]
    return paged_json(request, [entity for entity in entities if entity is not None], window,
                      [sender.actor_id for sender in found])


async def _sender(request: Request, caller: Caller) -> Sender:
    if _on_break(caller):
        raise not_found()
    return or_not_found(await notification_store.waiting_sender(
        db_of(request), caller.actor.id, record_id(request),
        quiet_mode=caller.account.quiet_mode))


async def show_request(request: Request) -> Response:
    caller = await require_scope(request, READ)
    sender = await _sender(request, caller)
    return api_json(or_not_found(await _entity(
        db_of(request), instance_of(request), caller, sender)))


async def accept_request(request: Request) -> Response:
    caller = await require_scope(request, WRITE)
    await read_params(request)
    await _sender(request, caller)
    raise _no_accepting(instance_of(request))


async def dismiss_request(request: Request) -> Response:
    caller = await require_scope(request, WRITE)
    await read_params(request)
    sender = await _sender(request, caller)
    await notification_store.dismiss_waiting(
        db_of(request), caller.actor.id, [sender.actor_id],
        quiet_mode=caller.account.quiet_mode)
    return api_json({})


def _ids(params: Params) -> list[int]:
    texts = [text.strip() for text in params.texts("id")]
    if len(texts) > MAX_IDS:
        raise validation_failed(f"id[] names at most {MAX_IDS} requests")
    if not all(text.isascii() and text.isdigit() for text in texts):
        raise validation_failed("id[] must be request ids")
    digits = [text.lstrip("0") or "0" for text in texts]
    return [LARGEST_ID if len(text) > 19 else min(int(text), LARGEST_ID) for text in digits]


async def accept_requests(request: Request) -> Response:
    await require_scope(request, WRITE)
    _ids(await read_params(request))
    raise _no_accepting(instance_of(request))


async def dismiss_requests(request: Request) -> Response:
    caller = await require_scope(request, WRITE)
    ids = _ids(await read_params(request))
    if not _on_break(caller):
        await notification_store.dismiss_waiting(
            db_of(request), caller.actor.id, ids, quiet_mode=caller.account.quiet_mode)
    return api_json({})


async def merged(request: Request) -> Response:
    """Nothing is ever being merged: what is let through shows at once."""
    await require_scope(request, READ)
    await read_params(request)
    return api_json({"merged": True})


async def _summary(request: Request, caller: Caller) -> JSON:
    requests, notifications = (0, 0) if _on_break(caller) else (
        await notification_store.waiting_summary(
            db_of(request), caller.actor.id, quiet_mode=caller.account.quiet_mode))
    return {"pending_requests_count": requests, "pending_notifications_count": notifications}


async def policy_v1(request: Request) -> Response:
    caller = await require_scope(request, READ)
    await read_params(request)
    quiet = caller.account.quiet_mode
    return api_json({
        "filter_not_following": quiet, "filter_not_followers": False,
        "filter_new_accounts": False, "filter_private_mentions": False,
        "summary": await _summary(request, caller), "kinhaven_quiet_mode": quiet,
    })


async def policy_v2(request: Request) -> Response:
    caller = await require_scope(request, READ)
    await read_params(request)
    quiet = caller.account.quiet_mode
    return api_json({
        "for_not_following": "filter" if quiet else "accept",
        "for_not_followers": "accept", "for_new_accounts": "accept",
        "for_private_mentions": "accept", "for_limited_accounts": "filter",
        "summary": await _summary(request, caller), "kinhaven_quiet_mode": quiet,
    })


async def change_policy(request: Request) -> Response:
    await require_scope(request, WRITE)
    await read_params(request)
    raise ApiError(422, (
        "Kinhaven's notification filtering is quiet mode, which holds back mentions and"
        " replies from people on other servers you do not follow; turn it on or off at "
        + _settings_url(instance_of(request))))


routes = [
    Route("/v1/notifications/requests", list_requests, methods=["GET"]),
    Route("/v1/notifications/requests/accept", accept_requests, methods=["POST"]),
    Route("/v1/notifications/requests/dismiss", dismiss_requests, methods=["POST"]),
    Route("/v1/notifications/requests/merged", merged, methods=["GET"]),
    Route("/v1/notifications/requests/{id}", show_request, methods=["GET"]),
    Route("/v1/notifications/requests/{id}/accept", accept_request, methods=["POST"]),
    Route("/v1/notifications/requests/{id}/dismiss", dismiss_request, methods=["POST"]),
    Route("/v1/notifications/policy", policy_v1, methods=["GET"]),
    Route("/v1/notifications/policy", change_policy, methods=["PATCH", "PUT"]),
    Route("/v2/notifications/policy", policy_v2, methods=["GET"]),
    Route("/v2/notifications/policy", change_policy, methods=["PATCH", "PUT"]),
]
"""Listed before `server.api.notifications`, whose `/v1/notifications/{id}` would
otherwise take `requests` and `policy` for ids."""
