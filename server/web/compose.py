"""Writing: compose (with images and their descriptions), reply, edit, delete, and the
small forms under each post (like, boost and their undo).

Everything a form sends is checked before anything is kept: a refused image or an
over-long post leaves no upload, no post and no delivery behind.
"""

from __future__ import annotations

import asyncio

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from moderation.risk import risk_matches
from server.activitypub.context import Federation
from server.community import load_choices
from server.local_posts import load_local_choices
from server.media.attachments import MAX_DESCRIPTION, save_processed
from server.media.images import MediaRejected, ProcessedImage, process_upload
from server.media.store import MediaStore
from server.services import posting, reactions
from server.services.posting import MAX_POST_CHARACTERS, MAX_SUMMARY_CHARACTERS, PostError
from server.storage import timelines
from server.storage.posts import Post
from server.storage.visibility import Reader
from server.web.forms import MEDIA_FORM, FieldErrors, checkbox, read_form, text_field, uploads
from server.web.guards import require_viewer, safe_next
from server.web.sessions import Viewer
from server.web.state import db_of, instance_of
from server.web.templating import render

IMAGE_SLOTS = 4
# The choices a member has, in the words the page uses; `local` never leaves here.
VISIBILITY_CHOICES = [
    ("local", "Members only: people in this community"),
    ("public", "Public: anyone, here and on other servers"),
    ("unlisted", "Quiet public: anyone with the link, not in public timelines"),
    ("followers", "Followers only"),
    ("direct", "Only the people I mention"),
]
_NARROWER = ["public", "unlisted", "local", "followers", "direct"]


def _federation(request: Request) -> Federation:
    federation: Federation = request.app.state.federation
    return federation


def _reply_visibility(own_default: str, parent: Post) -> str:
    """A reply starts no more public than its parent (Mastodon's rule) nor than the
    member's own default; they can still choose otherwise on the form."""
    return max(own_default, parent.visibility, key=_NARROWER.index)


async def _visible(request: Request, viewer: Viewer, post_id: int) -> Post:
    post = await timelines.visible_post(db_of(request), Reader(viewer.actor.id), post_id)
    if post is None:
        raise HTTPException(404)
    return post


async def _compose_context(request: Request, viewer: Viewer, parent: Post | None,
                           **values: object) -> dict[str, object]:
    default = viewer.account.default_visibility
    visibility = default if parent is None else _reply_visibility(default, parent)
    return {
        "parent": parent,
        "choices": VISIBILITY_CHOICES,
        "slots": range(1, IMAGE_SLOTS + 1),
        "values": {"visibility": visibility, "text": "", "summary": "", **values},
        "errors": {},
        "max_text": MAX_POST_CHARACTERS,
    }


async def compose_page(request: Request) -> Response:
    viewer = require_viewer(request)
    reply_to = request.query_params.get("reply_to", "")
    parent = None
    if reply_to:
        if not reply_to.isdigit():
            raise HTTPException(404)
        parent = await _visible(request, viewer, int(reply_to))
    return render(request, "compose.html", await _compose_context(request, viewer, parent))


def _check_text(form: FormData) -> tuple[dict[str, str], FieldErrors]:
    values = {
        "text": text_field(form, "text"),
        "summary": text_field(form, "summary"),
        "visibility": text_field(form, "visibility"),
    }
    errors = FieldErrors()
    if len(values["text"]) > MAX_POST_CHARACTERS:
        errors.add("text", f"Posts can be up to {MAX_POST_CHARACTERS} characters; this one has"
                   f" {len(values['text'])}.")
    if len(values["summary"]) > MAX_SUMMARY_CHARACTERS:
        errors.add("summary", f"A content warning can be up to {MAX_SUMMARY_CHARACTERS}"
                   " characters.")
    if values["visibility"] not in dict(VISIBILITY_CHOICES):
        errors.add("visibility", "Please choose who can see this post.")
    return values, errors


async def _process_images(form: FormData, errors: FieldErrors) -> list[tuple[ProcessedImage, str]]:
    """Every image checked and re-encoded before any is kept; each needs a description
    unless the member says they cannot give one."""
    ready = []
    for slot in range(1, IMAGE_SLOTS + 1):
        files = uploads(form, f"image_{slot}")
        description = text_field(form, f"alt_{slot}")
        if not files:
            continue
        if len(description) > MAX_DESCRIPTION:
            errors.add(f"alt_{slot}", f"Descriptions can be up to {MAX_DESCRIPTION} characters.")
        elif not description and not checkbox(form, f"no_alt_{slot}"):
            errors.add(f"alt_{slot}", "Please describe this image for people who cannot see"
                       " it, or tick the box to post it without a description.")
        data = await files[0].read()
        try:
            processed = await asyncio.to_thread(process_upload, data)
        except MediaRejected as error:
            errors.add(f"image_{slot}", str(error))
            continue
        ready.append((processed, description))
    return ready


async def compose(request: Request) -> Response:
    viewer = require_viewer(request)
    form = await read_form(request, limit=MEDIA_FORM)
    try:
        return await _compose(request, viewer, form)
    finally:
        await form.close()


async def _compose(request: Request, viewer: Viewer, form: FormData) -> Response:
    reply_to = text_field(form, "in_reply_to")
    parent = await _visible(request, viewer, int(reply_to)) if reply_to.isdigit() else None
    values, errors = _check_text(form)
    if not errors and not checkbox(form, "risk_confirmed") and await _risky(request, values):
        # Care before posting: the crisis resources first; the member then decides.
        context = await _compose_context(request, viewer, parent, **values)
        context["risk_check"] = True
        context["community"] = await load_choices(db_of(request))
        return render(request, "compose.html", context)
    images = await _process_images(form, errors)
    if not values["text"] and not images and not errors:
        errors.add("text", "Please write something before posting.")
    if errors:
        context = await _compose_context(request, viewer, parent, **values)
        context["errors"] = errors
        return render(request, "compose.html", context, status_code=422)
    federation = _federation(request)
    store = MediaStore.for_settings(instance_of(request).settings)
    media_ids = [
        (await save_processed(db_of(request), store, viewer.actor.id, image,
                              description=description)).id
        for image, description in images
    ]
    try:
        post = await posting.publish(
            federation, viewer.actor, values["text"], visibility=values["visibility"],
            summary=values["summary"], sensitive=bool(values["summary"]),
            in_reply_to=None if parent is None else parent.uri, media_ids=media_ids,
        )
    except PostError as error:
        errors.add(error.field if error.field in ("text", "summary", "visibility") else "text",
                   f"{str(error)[0].upper()}{str(error)[1:]}.")
        context = await _compose_context(request, viewer, parent, **values)
        context["errors"] = errors
        return render(request, "compose.html", context, status_code=422)
    return RedirectResponse(f"/posts/{post.id}", status_code=303)


async def _risky(request: Request, values: dict[str, str]) -> bool:
    choices = await load_local_choices(db_of(request))
    text = f"{values['summary']}\n{values['text']}"
    return bool(risk_matches(text, choices.risk_matcher()))


async def _own_post(request: Request, viewer: Viewer) -> Post:
    post = await _visible(request, viewer, request.path_params["post_id"])
    if post.actor_id != viewer.actor.id:
        raise HTTPException(404)
    return post


async def edit_page(request: Request) -> Response:
    viewer = require_viewer(request)
    post = await _own_post(request, viewer)
    return render(request, "edit.html", {
        "post": post, "errors": {},
        "values": {"text": post.source_text or "", "summary": post.summary},
        "max_text": MAX_POST_CHARACTERS,
    })


async def edit(request: Request) -> Response:
    viewer = require_viewer(request)
    post = await _own_post(request, viewer)
    form = await read_form(request)
    values = {"text": text_field(form, "text"), "summary": text_field(form, "summary")}
    errors = FieldErrors()
    if not values["text"]:
        errors.add("text", "A post needs some text.")
    elif len(values["text"]) > MAX_POST_CHARACTERS:
        errors.add("text", f"Posts can be up to {MAX_POST_CHARACTERS} characters.")
    if len(values["summary"]) > MAX_SUMMARY_CHARACTERS:
        errors.add("summary", f"A content warning can be up to {MAX_SUMMARY_CHARACTERS}"
                   " characters.")
    if errors:
        return render(request, "edit.html", {
            "post": post, "errors": errors, "values": values, "max_text": MAX_POST_CHARACTERS,
        }, status_code=422)
    await posting.edit(_federation(request), viewer.actor, post, values["text"],
                       summary=values["summary"])
    return RedirectResponse(f"/posts/{post.id}", status_code=303)


async def delete(request: Request) -> Response:
    viewer = require_viewer(request)
    post = await _own_post(request, viewer)
    await read_form(request)
    await posting.delete(_federation(request), viewer.actor, post)
    return RedirectResponse(f"/@{viewer.actor.username}", status_code=303)


async def react(request: Request) -> Response:
    viewer = require_viewer(request)
    post = await _visible(request, viewer, request.path_params["post_id"])
    form = await read_form(request)
    action = request.path_params["action"]
    federation = _federation(request)
    if action == "like":
        await reactions.like(federation, viewer.actor, post)
    elif action == "unlike":
        await reactions.unlike(federation, viewer.actor, post)
    elif action in ("boost", "unboost"):
        if post.visibility not in ("public", "unlisted"):
            return render(request, "message.html", {
                "heading": "This post can't be boosted",
                "paragraphs": ["Only public posts can be boosted, so private posts stay"
                               " with the people they were written for."],
                "back": f"/posts/{post.id}",
            }, status_code=422)
        if action == "boost":
            await reactions.boost(federation, viewer.actor, post)
        else:
            await reactions.unboost(federation, viewer.actor, post)
    else:
        raise HTTPException(404)
    return RedirectResponse(safe_next(text_field(form, "next") or f"/posts/{post.id}"),
                            status_code=303)


routes = [
    Route("/compose", compose_page, methods=["GET"]),
    Route("/compose", compose, methods=["POST"]),
    Route("/posts/{post_id:int}/edit", edit_page, methods=["GET"]),
    Route("/posts/{post_id:int}/edit", edit, methods=["POST"]),
    Route("/posts/{post_id:int}/delete", delete, methods=["POST"]),
    Route("/posts/{post_id:int}/{action:str}", react, methods=["POST"]),
]
