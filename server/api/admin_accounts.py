"""Mastodon's admin API for accounts: the directory, one account, approving and
rejecting applications, and moderation actions, through the same sanction service as
the moderators' pages, so the same rules hold (nobody sanctions an admin, moderators do
not sanction moderators, every action is audited and the member is told).

Mastodon's action types map to Kinhaven's sanctions: `none` is a warning (its `text`
is the message), `sensitive` marks sensitive, `silence` limits and `suspend`
suspends. Kinhaven's sanctions can end by themselves: the extension parameter
`kinhaven_duration` (`1d`, `3d`, `7d`, `30d`, `90d`, or `lifted`, the default, as in
Mastodon) chooses. Kinhaven has no separate "disable login": `disable` is refused with
a 422 that says to suspend instead.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from moderation.accounts import SanctionInvalid
from server.api.auth import Caller, require_moderator
from server.api.entities import admin_account_json
from server.api.errors import ApiError, not_found, validation_failed
from server.api.paging import paged_json, read_id, read_window
from server.api.params import Params, read_params
from server.api.responses import api_json
from server.api.routing import record_id
from server.services import sanctions as sanction_service
from server.services.sanctions import Moderator, SanctionForbidden
from server.storage import accounts as account_store
from server.storage import reports as report_store
from server.storage.actors import Actor, get_actor
from server.storage.directory import ORIGINS, STATUSES, DirectoryFilter, account_ids
from server.web.state import db_of, instance_of

READ_ACCOUNTS, WRITE_ACCOUNTS = "admin:read:accounts", "admin:write:accounts"
ACTIONS = {"none": "warning", "sensitive": "sensitive", "silence": "limit",
           "suspend": "suspend"}
LIFTS = {"unsilence": "limit", "unsuspend": "suspend", "unsensitive": "sensitive"}
V1_STATUS_FLAGS = ("active", "pending", "disabled", "silenced", "suspended")
KEPT_FILTERS = ("origin", "status", "permissions", "username", "display_name", "by_domain",
                "email", "local", "remote", "staff", *V1_STATUS_FLAGS)


def _choice(params: Params, name: str, allowed: tuple[str, ...]) -> str | None:
    value = params.text(name)
    if not value:
        return None
    if value not in allowed:
        raise validation_failed(f"{name} must be one of {', '.join(allowed)}")
    return value


def _v2_filter(params: Params) -> DirectoryFilter:
    permissions = _choice(params, "permissions", ("staff",))
    return DirectoryFilter(
        origin=_choice(params, "origin", ORIGINS), status=_choice(params, "status", STATUSES),
        staff=permissions == "staff", username=params.text("username") or "",
        display_name=params.text("display_name") or "", domain=params.text("by_domain") or "",
        email=params.text("email") or "")


def _v1_filter(params: Params) -> DirectoryFilter:
    """The older form: one boolean parameter for each origin and status."""
    origin = "local" if params.boolean("local") else "remote" if params.boolean("remote") \
        else None
    status = next((flag for flag in V1_STATUS_FLAGS if params.boolean(flag)), None)
    return DirectoryFilter(
        origin=origin, status=status, staff=bool(params.boolean("staff")),
        username=params.text("username") or "", display_name=params.text("display_name") or "",
        domain=params.text("by_domain") or "", email=params.text("email") or "")


async def _listing(request: Request, chosen: DirectoryFilter, params: Params) -> Response:
    db, instance = db_of(request), instance_of(request)
    window = read_window(params, default=100)
    ids = await account_ids(db, window, chosen)
    entities = []
    for actor_id in ids:
        actor = await get_actor(db, actor_id)
        if actor is not None:
            entities.append(await admin_account_json(db, instance, actor))
    return paged_json(request, entities, window, ids, keep=KEPT_FILTERS)


async def list_v1(request: Request) -> Response:
    await require_moderator(request, READ_ACCOUNTS)
    params = await read_params(request)
    return await _listing(request, _v1_filter(params), params)


async def list_v2(request: Request) -> Response:
    await require_moderator(request, READ_ACCOUNTS)
    params = await read_params(request)
    return await _listing(request, _v2_filter(params), params)


async def _target(request: Request) -> Actor:
    actor = await get_actor(db_of(request), record_id(request))
    if actor is None or (actor.local and actor.actor_type != "Person"):
        raise not_found()
    return actor


async def _answer(request: Request, actor: Actor) -> Response:
    fresh = await get_actor(db_of(request), actor.id)
    assert fresh is not None
    return api_json(await admin_account_json(db_of(request), instance_of(request), fresh))


def _moderator(caller: Caller) -> Moderator:
    return Moderator(caller.actor.id, caller.by_name, caller.account.role)


def _refused(error: SanctionInvalid) -> ApiError:
    if isinstance(error, SanctionForbidden):
        return ApiError(403, f"This action is not allowed: {error}")
    return validation_failed(str(error))


async def show(request: Request) -> Response:
    await require_moderator(request, READ_ACCOUNTS)
    return await _answer(request, await _target(request))


async def act(request: Request) -> Response:
    """Mastodon answers an action with an empty object; so does Kinhaven."""
    caller = await require_moderator(request, WRITE_ACCOUNTS)
    target = await _target(request)
    params = await read_params(request)
    kind_name = params.text("type") or "none"
    if kind_name == "disable":
        raise validation_failed("Kinhaven has no separate disable: use suspend, which can"
                                " also end by itself (kinhaven_duration)")
    if kind_name not in ACTIONS:
        raise validation_failed(f"type must be one of {', '.join(ACTIONS)}")
    db = db_of(request)
    report_id = read_id(params, "report_id")
    report = None if report_id is None else await report_store.get_report(db, report_id)
    if report_id is not None and report is None:
        raise validation_failed("report_id names no report")
    text = params.text("text") or ""
    if kind_name == "none" and not text.strip() and report is not None:
        await report_store.resolve(db, report.id, by_id=caller.actor.id, by_name=caller.by_name,
                                   action="no-action", note="")
        return api_json({})
    try:
        await sanction_service.sanction(
            db, target, kind=ACTIONS[kind_name],
            duration=params.text("kinhaven_duration") or "lifted", reason=text, note="",
            by=_moderator(caller), report_id=report_id)
    except SanctionInvalid as error:
        raise _refused(error) from error
    if report is not None:
        await report_store.resolve(db, report.id, by_id=caller.actor.id, by_name=caller.by_name,
                                   action=f"account-{ACTIONS[kind_name]}", note=text)
    return api_json({})


async def lift(request: Request) -> Response:
    caller = await require_moderator(request, WRITE_ACCOUNTS)
    target = await _target(request)
    kind = LIFTS[request.url.path.rstrip("/").rsplit("/", 1)[1]]
    try:
        await sanction_service.lift(db_of(request), target, kind=kind, note="",
                                    by=_moderator(caller))
    except SanctionForbidden as error:
        raise _refused(error) from error
    except SanctionInvalid:
        pass  # nothing of that kind in force: Mastodon answers with the account as it is
    return await _answer(request, target)


async def decide(request: Request) -> Response:
    """Approve or reject a waiting application; 403 when it is not waiting, as Mastodon."""
    caller = await require_moderator(request, WRITE_ACCOUNTS)
    target = await _target(request)
    approve = request.url.path.rstrip("/").endswith("/approve")
    decided = target.local and await account_store.decide_application(
        db_of(request), target.id, approve=approve, reviewer_id=caller.actor.id,
        reviewer_name=caller.by_name, reason="")
    if not decided:
        raise ApiError(403, "This account is not waiting for approval")
    return await _answer(request, target)


async def enable(request: Request) -> Response:
    """Nothing is ever disabled apart from suspension, so there is nothing to enable."""
    await require_moderator(request, WRITE_ACCOUNTS)
    return await _answer(request, await _target(request))


routes = [
    Route("/v1/admin/accounts", list_v1, methods=["GET"]),
    Route("/v2/admin/accounts", list_v2, methods=["GET"]),
    Route("/v1/admin/accounts/{id}", show, methods=["GET"]),
    Route("/v1/admin/accounts/{id}/action", act, methods=["POST"]),
    *(Route(f"/v1/admin/accounts/{{id}}/{name}", lift, methods=["POST"]) for name in LIFTS),
    Route("/v1/admin/accounts/{id}/approve", decide, methods=["POST"]),
    Route("/v1/admin/accounts/{id}/reject", decide, methods=["POST"]),
    Route("/v1/admin/accounts/{id}/enable", enable, methods=["POST"]),
]
