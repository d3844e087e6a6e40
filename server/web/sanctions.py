"""Moderators acting on accounts, here or elsewhere: the standing sanctions, the strike
history beside the form that adds to it, and lifting a sanction early."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from moderation.accounts import DURATIONS, KINDS, LASTING_KINDS, SanctionInvalid
from server.clock import now_text
from server.services import sanctions as sanction_service
from server.services.sanctions import Moderator, ends_in_words
from server.storage import accounts as account_store
from server.storage import reports as report_store
from server.storage import sanctions as sanction_store
from server.storage.actors import Actor, get_actor, get_actor_by_handle
from server.web.forms import FieldErrors, read_form, text_field
from server.web.guards import require_moderator, require_viewer
from server.web.people import row_id
from server.web.sessions import Viewer
from server.web.state import db_of, instance_of
from server.web.templating import render

KIND_NAMES = {
    "warning": "Warn: send a message, nothing else changes",
    "sensitive": "Mark sensitive: their posts get a content warning",
    "limit": "Limit: only their followers see their posts; follows need approval",
    "suspend": "Suspend: nothing of theirs is shown or accepted; members cannot sign in",
}
SHORT_NAMES = {"warning": "Warning", "sensitive": "Marked sensitive", "limit": "Limited",
               "suspend": "Suspended"}
DURATION_NAMES = {"1d": "1 day", "3d": "3 days", "7d": "7 days", "30d": "30 days",
                  "90d": "90 days", "lifted": "Until a moderator lifts it"}
assert set(KIND_NAMES) == set(KINDS) and set(DURATION_NAMES) == set(DURATIONS)


def moderator_of(viewer: Viewer) -> Moderator:
    return Moderator(viewer.actor.id, f"@{viewer.actor.username}", viewer.account.role)


async def accounts_page(request: Request) -> Response:
    require_moderator(request)
    handle = request.query_params.get("handle", "").strip().lstrip("@")
    db = db_of(request)
    errors = FieldErrors()
    if handle:
        username, _, domain = handle.partition("@")
        actor = None
        if username and len(handle) <= 300:
            actor = await get_actor_by_handle(
                db, username, domain or instance_of(request).settings.domain)
        if actor is not None:
            return RedirectResponse(f"/admin/accounts/{actor.id}", status_code=303)
        errors.add("handle", "No account with that name is known here. Give it as name (a"
                             " member) or name@server (someone elsewhere who has been seen here).")
    now = now_text()
    standing = [(actor, until.standing(now), until)
                for actor, until in await sanction_store.sanctioned_now(db)]
    return render(request, "admin/accounts.html", {
        "handle": handle, "errors": errors, "sanctioned": standing,
        "ends_in_words": ends_in_words,
    }, status_code=404 if errors else 200)


async def _target(request: Request) -> Actor:
    actor = await get_actor(db_of(request), request.path_params["actor_id"])
    if actor is None:
        raise HTTPException(404)
    return actor


async def account_page(request: Request, *, errors: FieldErrors | None = None,
                       values: dict[str, str] | None = None, status_code: int = 200
                       ) -> Response:
    require_moderator(request)
    db = db_of(request)
    target = await _target(request)
    until = await sanction_store.until_of(db, target.id)
    standing = until.standing(now_text())
    reports = await report_store.reports_about(db, target.id)
    report = row_id(request.query_params.get("report"))
    account = await account_store.get_account(db, target.id) if target.local else None
    return render(request, "admin/account.html", {
        "target": target, "account": account, "standing": standing, "until": until,
        "history": await sanction_store.history(db, target.id), "reports": reports,
        "kinds": list(KIND_NAMES.items()), "durations": list(DURATION_NAMES.items()),
        "short_names": SHORT_NAMES, "lasting": LASTING_KINDS, "ends_in_words": ends_in_words,
        "errors": errors or {}, "values": values or {"report_id": str(report or "")},
    }, status_code=status_code)


async def apply_sanction(request: Request) -> Response:
    viewer = require_moderator(request)
    form = await read_form(request)
    target = await _target(request)
    values = {name: text_field(form, name)
              for name in ("kind", "duration", "reason", "note", "report_id")}
    errors = FieldErrors()
    report_id = None
    if values["report_id"]:
        report_id = row_id(values["report_id"])
        if report_id is None or await report_store.get_report(db_of(request), report_id) is None:
            errors.add("kind", "The report this was linked to no longer exists.")
    if not errors:
        try:
            await sanction_service.sanction(
                db_of(request), target, kind=values["kind"], duration=values["duration"],
                reason=values["reason"], note=values["note"], by=moderator_of(viewer),
                report_id=report_id)
        except SanctionInvalid as refused:
            errors.add(refused.field, f"Nothing was changed: {refused}.")
    if errors:
        return await account_page(request, errors=errors, values=values, status_code=422)
    return RedirectResponse(f"/admin/accounts/{target.id}", status_code=303)


async def lift_sanction(request: Request) -> Response:
    viewer = require_moderator(request)
    form = await read_form(request)
    target = await _target(request)
    try:
        await sanction_service.lift(db_of(request), target, kind=text_field(form, "kind"),
                                    note=text_field(form, "note"), by=moderator_of(viewer))
    except SanctionInvalid as refused:
        errors = FieldErrors()
        errors.add("lift", f"Nothing was changed: {refused}.")
        return await account_page(request, errors=errors, status_code=422)
    return RedirectResponse(f"/admin/accounts/{target.id}", status_code=303)


async def own_standing_page(request: Request) -> Response:
    """What the moderators told this member, and what is in force on their account."""
    viewer = require_viewer(request)
    db = db_of(request)
    history = await sanction_store.history(db, viewer.actor.id)
    return render(request, "settings/moderation.html", {
        "history": history, "short_names": SHORT_NAMES, "ends_in_words": ends_in_words,
        "now": now_text(),
    })


routes = [
    Route("/settings/moderation", own_standing_page, methods=["GET"]),
    Route("/admin/accounts", accounts_page, methods=["GET"]),
    Route("/admin/accounts/{actor_id:int}", account_page, methods=["GET"]),
    Route("/admin/accounts/{actor_id:int}/sanction", apply_sanction, methods=["POST"]),
    Route("/admin/accounts/{actor_id:int}/lift", lift_sanction, methods=["POST"]),
]
