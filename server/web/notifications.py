"""Notifications: what others did, newest first, read when seen and never counted
elsewhere. Quiet mode keeps messages from strangers on other servers in a separate
list; a break hides everything until the member is back, deleting nothing."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.clock import from_text, now_text
from server.storage import notifications as notification_store
from server.web.guards import require_viewer
from server.web.people import row_id
from server.web.state import db_of
from server.web.templating import render

PAGE = 30


def break_ends(until: str) -> str:
    """A break's end in plain words: "3 March 2027 at 09:30 (UTC)"."""
    moment = from_text(until)
    return f"{moment.day} {moment:%B %Y} at {moment:%H:%M} (UTC)"


async def _listing(request: Request, *, waiting: bool) -> Response:
    viewer = require_viewer(request)
    account = viewer.account
    context: dict[str, object] = {
        "waiting": waiting, "quiet_mode": account.quiet_mode, "items": [], "older": None,
        "first_page": True, "break_ends": None,
    }
    if account.break_until is not None and account.break_until > now_text():
        context["break_ends"] = break_ends(account.break_until)
        return render(request, "notifications.html", context)
    db = db_of(request)
    before = row_id(request.query_params.get("before"))
    found = await notification_store.list_for_member(
        db, viewer.actor.id, quiet_mode=account.quiet_mode, waiting=waiting, before=before,
        limit=PAGE + 1,
    )
    shown = found[:PAGE]
    await notification_store.mark_read(
        db, viewer.actor.id, [item.id for item in shown if item.read_at is None])
    path = "/notifications/waiting" if waiting else "/notifications"
    context.update({
        "items": shown,
        "older": f"{path}?before={shown[-1].id}" if len(found) > PAGE else None,
        "first_page": before is None,
    })
    return render(request, "notifications.html", context)


async def notifications_page(request: Request) -> Response:
    return await _listing(request, waiting=False)


async def waiting_page(request: Request) -> Response:
    return await _listing(request, waiting=True)


routes = [
    Route("/notifications", notifications_page, methods=["GET"]),
    Route("/notifications/waiting", waiting_page, methods=["GET"]),
]
