"""Reporting a post or a person, and the team's report queue.

A "worried about this person" report is a welfare concern: it goes to the top of the
queue, and the moderator sees the crisis resources and what to do next beside it.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.activitypub.context import Federation
from server.community import load_choices
from server.services.auto_hide import hide_if_reported_enough
from server.services.reporting import ForwardRefused, forward
from server.storage import posts as post_store
from server.storage import reports as report_store
from server.storage import timelines
from server.storage.actors import Actor, get_actor
from server.storage.posts import Post
from server.storage.visibility import Reader
from server.web.forms import FieldErrors, read_form, text_field
from server.web.guards import require_moderator, require_viewer
from server.web.sessions import Viewer
from server.web.state import db_of
from server.web.templating import render

COMMENT_LENGTH = 1000
NOTE_LENGTH = 1000
CATEGORY_CHOICES = [
    ("welfare", "I'm worried about this person"),
    ("harassment", "It is unkind, hurtful or harassing"),
    ("spam", "It is spam or advertising"),
    ("violation", "It breaks the community's rules"),
    ("legal", "It may be illegal"),
    ("other", "Something else"),
]
RESOLUTIONS = [
    ("no-action", "No action needed"),
    ("support-offered", "Reached out and offered support"),
    ("warned", "Warned the account"),
    ("content-removed", "Removed the content"),
    ("account-limited", "Limited the account"),
    ("account-suspended", "Suspended the account"),
    ("escalated", "Escalated to emergency services or a safeguarding lead"),
]


async def _subject(request: Request, viewer: Viewer, post_id: str, account_id: str
                   ) -> tuple[Actor, Post | None]:
    db = db_of(request)
    post = None
    if post_id.isdigit():
        post = await timelines.visible_post(db, Reader(viewer.actor.id), int(post_id))
        if post is None:
            raise HTTPException(404)
        actor = await get_actor(db, post.actor_id)
    elif account_id.isdigit():
        actor = await get_actor(db, int(account_id))
    else:
        raise HTTPException(404)
    if actor is None or actor.id == viewer.actor.id or actor.deleted_at is not None:
        raise HTTPException(404)
    return actor, post


async def report_page(request: Request) -> Response:
    viewer = require_viewer(request)
    params = request.query_params
    actor, post = await _subject(request, viewer, params.get("post", ""),
                                 params.get("account", ""))
    return render(request, "report.html", {
        "target": actor, "post": post, "categories": CATEGORY_CHOICES, "errors": {},
        "values": {"category": "", "comment": ""},
    })


async def file_report(request: Request) -> Response:
    viewer = require_viewer(request)
    form = await read_form(request)
    actor, post = await _subject(request, viewer, text_field(form, "post"),
                                 text_field(form, "account"))
    values = {"category": text_field(form, "category"), "comment": text_field(form, "comment")}
    errors = FieldErrors()
    if values["category"] not in dict(CATEGORY_CHOICES):
        errors.add("category", "Please choose what is wrong.")
    if len(values["comment"]) > COMMENT_LENGTH:
        errors.add("comment", f"Please keep this under {COMMENT_LENGTH} characters.")
    if errors:
        return render(request, "report.html", {
            "target": actor, "post": post, "categories": CATEGORY_CHOICES, "errors": errors,
            "values": values,
        }, status_code=422)
    await report_store.file_report(
        db_of(request), reporter_id=viewer.actor.id, target_actor_id=actor.id,
        category=values["category"], comment=values["comment"],
        object_uris=[] if post is None else [post.uri],
    )
    if post is not None:
        await hide_if_reported_enough(db_of(request), post)
    return render(request, "report_sent.html", {
        "welfare": values["category"] == "welfare",
        "choices": await load_choices(db_of(request)),
    })


async def queue_page(request: Request, *, errors: FieldErrors | None = None,
                     status_code: int = 200) -> Response:
    require_moderator(request)
    db = db_of(request)
    reports = await report_store.open_queue(db)
    targets = {r.id: await get_actor(db, r.target_actor_id) for r in reports
               if r.target_actor_id is not None}
    reporters = {r.id: await get_actor(db, r.reporter_actor_id) for r in reports
                 if r.reporter_actor_id is not None}
    posts = {r.id: list((await post_store.posts_by_uri(db, r.object_uris)).values())
             for r in reports}
    return render(request, "admin/reports.html", {
        "reports": reports, "targets": targets, "reporters": reporters, "posts": posts,
        "categories": dict(CATEGORY_CHOICES), "resolutions": RESOLUTIONS,
        "choices": await load_choices(db), "errors": errors or {},
    }, status_code=status_code)


async def resolve(request: Request) -> Response:
    viewer = require_moderator(request)
    form = await read_form(request)
    report_id = request.path_params["report_id"]
    action = text_field(form, f"action-{report_id}")
    note = text_field(form, f"note-{report_id}")
    errors = FieldErrors()
    if action not in dict(RESOLUTIONS):
        errors.add(f"action-{report_id}", "Please choose what was done.")
    if not note:
        errors.add(f"note-{report_id}", "Please add a note for the rest of the team.")
    elif len(note) > NOTE_LENGTH:
        errors.add(f"note-{report_id}", f"Please keep the note under {NOTE_LENGTH} characters.")
    if errors:
        return await queue_page(request, errors=errors, status_code=422)
    if not await report_store.resolve(db_of(request), report_id, by_id=viewer.actor.id,
                                      by_name=f"@{viewer.actor.username}", action=action,
                                      note=note):
        raise HTTPException(404)
    return RedirectResponse("/admin/reports", status_code=303)


async def forward_report(request: Request) -> Response:
    viewer = require_moderator(request)
    await read_form(request)
    report = await report_store.get_report(db_of(request), request.path_params["report_id"])
    if report is None or report.state != "open":
        raise HTTPException(404)
    federation: Federation = request.app.state.federation
    errors = FieldErrors()
    try:
        await forward(federation, report, by_id=viewer.actor.id,
                      by_name=f"@{viewer.actor.username}")
    except ForwardRefused as error:
        errors.add(f"action-{report.id}", f"{error}.".capitalize())
        return await queue_page(request, errors=errors, status_code=409)
    return RedirectResponse("/admin/reports", status_code=303)


routes = [
    Route("/report", report_page, methods=["GET"]),
    Route("/report", file_report, methods=["POST"]),
    Route("/admin/reports", queue_page, methods=["GET"]),
    Route("/admin/reports/{report_id:int}/resolve", resolve, methods=["POST"]),
    Route("/admin/reports/{report_id:int}/forward", forward_report, methods=["POST"]),
]
