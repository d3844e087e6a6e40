"""How others see a member: display name, bio and picture."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.activitypub.context import federation_of
from server.media.images import MediaRejected, ProcessedImage, process_upload
from server.services.profile import (
    BIO_MAX,
    DISPLAY_NAME_MAX,
    ProfileChange,
    profile_problems,
    update_profile,
)
from server.storage import profiles as profile_store
from server.web.forms import MEDIA_FORM, FieldErrors, checkbox, read_form, text_field, uploads
from server.web.guards import require_viewer
from server.web.state import db_of
from server.web.templating import render


def _page(request: Request, values: dict[str, str], errors: FieldErrors, *,
          status_code: int = 200) -> Response:
    viewer = require_viewer(request)
    return render(request, "settings/profile.html", {
        "values": values, "errors": errors, "actor": viewer.actor,
        "name_max": DISPLAY_NAME_MAX, "bio_max": BIO_MAX,
    }, status_code=status_code)


async def profile_page(request: Request) -> Response:
    viewer = require_viewer(request)
    values = {
        "display_name": viewer.actor.display_name,
        "bio": await profile_store.bio_source(db_of(request), viewer.actor.id),
    }
    return _page(request, values, FieldErrors())


def _check(display_name: str, bio: str) -> FieldErrors:
    errors = FieldErrors()
    for field, message in profile_problems(display_name, bio).items():
        errors.add(field, message)
    return errors


async def _avatar(form_uploads: list[bytes], errors: FieldErrors) -> ProcessedImage | None:
    if not form_uploads:
        return None
    try:
        return await asyncio.to_thread(process_upload, form_uploads[0])
    except MediaRejected as error:
        errors.add("avatar", error.reason)
        return None


async def save_profile(request: Request) -> Response:
    viewer = require_viewer(request)
    form = await read_form(request, limit=MEDIA_FORM)
    try:
        files = [await upload.read() for upload in uploads(form, "avatar")[:1]]
    finally:
        await form.close()
    display_name = text_field(form, "display_name")
    bio = text_field(form, "bio").replace("\r\n", "\n")
    errors = _check(display_name, bio)
    picture = await _avatar(files, errors)
    if errors:
        values = {"display_name": display_name, "bio": bio}
        return _page(request, values, errors, status_code=422)
    change = ProfileChange(display_name=display_name, bio=bio, avatar=picture,
                           default_avatar=picture is None and checkbox(form, "default_avatar"))
    await update_profile(federation_of(request), viewer.actor, change)
    return RedirectResponse("/settings/profile?saved=1", status_code=303)


routes = [
    Route("/settings/profile", profile_page, methods=["GET"]),
    Route("/settings/profile", save_profile, methods=["POST"]),
]
