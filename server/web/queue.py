"""The hold queue: posts waiting for a moderator, and alerts about published posts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.activitypub.context import Federation
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
from server.web.forms import FieldErrors, read_form, text_field
from server.web.guards import require_moderator
from server.web.state import db_of
from server.web.templating import render


async def queue_page(request: Request, *, errors: FieldErrors | None = None,
                     status_code: int = 200) -> Response:
    require_moderator(request)
    db = db_of(request)
    held = await hold_store.waiting(db)
    alerts = await hold_store.unseen_alerts(db)
    post_ids = {item.post_id for item in held} | {alert.post_id for alert in alerts}
    posts = {i: await post_store.get_post(db, i) for i in post_ids}
    authors = {i: await get_actor(db, post.actor_id) for i, post in posts.items() if post}
    remote = [(item, held_activity_text(item.body))
              for item in await hold_store.waiting_inbound(db)]
    return render(request, "admin/queue.html", {
        "held": held, "alerts": alerts, "posts": posts, "authors": authors, "remote": remote,
        "errors": errors or {},
    }, status_code=status_code)


Handler = Callable[[Request], Awaitable[Response]]


def _decider(id_param: str, note_prefix: str,
             decide_with: Callable[..., Awaitable[object]]) -> Handler:
    """One handler shape for members' held posts and remote held activities alike."""

    async def handle(request: Request) -> Response:
        viewer = require_moderator(request)
        form = await read_form(request)
        item_id = request.path_params[id_param]
        decision = request.path_params["decision"]
        if decision not in ("approve", "reject"):
            raise HTTPException(404)
        field = f"{note_prefix}{item_id}"
        note = text_field(form, field)
        if len(note) > NOTE_LENGTH:
            errors = FieldErrors()
            errors.add(field, f"Please keep the note under {NOTE_LENGTH} characters.")
            return await queue_page(request, errors=errors, status_code=422)
        federation: Federation = request.app.state.federation
        try:
            await decide_with(federation, item_id, approve=decision == "approve",
                              by_id=viewer.actor.id, by_name=f"@{viewer.actor.username}",
                              note=note)
        except NotWaiting as error:
            raise HTTPException(404) from error
        return RedirectResponse("/admin/queue", status_code=303)

    return handle


async def alert_seen(request: Request) -> Response:
    viewer = require_moderator(request)
    await read_form(request)
    if not await hold_store.mark_alert_seen(db_of(request), request.path_params["alert_id"],
                                            by_id=viewer.actor.id,
                                            by_name=f"@{viewer.actor.username}"):
        raise HTTPException(404)
    return RedirectResponse("/admin/queue", status_code=303)


routes = [
    Route("/admin/queue", queue_page, methods=["GET"]),
    Route("/admin/queue/{hold_id:int}/{decision:str}",
          _decider("hold_id", "note-", decide_hold), methods=["POST"]),
    Route("/admin/queue/remote/{held_id:int}/{decision:str}",
          _decider("held_id", "remote-note-", decide_remote_hold), methods=["POST"]),
    Route("/admin/alerts/{alert_id:int}/seen", alert_seen, methods=["POST"]),
]
