"""Media uploads: `POST /api/v2/media` (and v1), then the upload's id in `media_ids[]`.

An upload goes through the same checks and re-encoding as the compose page's images
(`images.process_upload`, then `attachments.save_processed`): anything that is not a
usable image is refused with a 422 and its reason, and nothing is kept. Processing is
done before the answer, so the v2 endpoint answers 200 with the URL filled in, never
Mastodon's 202 for work still pending. `focus` is accepted and ignored.
"""

from __future__ import annotations

import asyncio

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.api.auth import Caller, require_scope
from server.api.entities import media_json
from server.api.errors import ApiError, bad_request, not_found, validation_failed
from server.api.params import read_params
from server.api.responses import api_json
from server.api.routing import record_id
from server.media.attachments import MAX_DESCRIPTION, save_processed
from server.media.images import MAX_BYTES, MediaRejected, process_upload
from server.media.store import MediaStore
from server.storage import media as media_store
from server.storage.media import Attachment
from server.web.state import db_of, instance_of

UPLOAD_LIMIT = MAX_BYTES + 64 * 1024
"""The largest body taken: the largest image and room for the form around it."""


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > UPLOAD_LIMIT):
        raise ApiError(413, "The file is too large")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > UPLOAD_LIMIT:
            raise ApiError(413, "The file is too large")
    return bytes(body)


def _description(text: object) -> str:
    if text is None:
        return ""
    if not isinstance(text, str):
        raise validation_failed("description must be text")
    if len(text) > MAX_DESCRIPTION:
        raise validation_failed(f"Description is limited to {MAX_DESCRIPTION} characters")
    return text


async def upload(request: Request) -> Response:
    caller = await require_scope(request, "write:media")
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "multipart/form-data":
        raise validation_failed("the file must be sent as multipart/form-data")
    request._body = await _body(request)  # starlette parses the form from the cached body
    try:
        form = await request.form(max_files=1, max_fields=20, max_part_size=UPLOAD_LIMIT)
    except Exception as error:  # starlette raises several kinds for a malformed form
        raise bad_request("The form data could not be read") from error
    try:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise validation_failed("File can't be blank")
        description = _description(form.get("description"))
        data = await file.read()
    finally:
        await form.close()
    return await _keep(request, caller, data, description)


async def _keep(request: Request, caller: Caller, data: bytes, description: str) -> Response:
    try:
        processed = await asyncio.to_thread(process_upload, data)
    except MediaRejected as error:
        raise validation_failed(error.reason) from error
    store = MediaStore.for_settings(instance_of(request).settings)
    attachment = await save_processed(db_of(request), store, caller.actor.id, processed,
                                      description=description)
    return api_json(media_json(instance_of(request), attachment))


async def _own(request: Request, caller: Caller) -> Attachment:
    attachment = await media_store.get_attachment(db_of(request), record_id(request))
    if attachment is None or attachment.actor_id != caller.actor.id:
        raise not_found()
    return attachment


async def get_media(request: Request) -> Response:
    caller = await require_scope(request, "write:media")
    return api_json(media_json(instance_of(request), await _own(request, caller)))


async def update_media(request: Request) -> Response:
    """A new description, for an upload not yet posted (edit the post for the others)."""
    caller = await require_scope(request, "write:media")
    attachment = await _own(request, caller)
    if attachment.post_id is not None:
        raise not_found()
    params = await read_params(request)
    if "description" in params:
        description = _description(params.text("description"))
        await media_store.set_description(db_of(request), attachment.id,
                                          actor_id=caller.actor.id,
                                          description=description.strip())
    updated = await media_store.get_attachment(db_of(request), attachment.id)
    if updated is None:  # removed in the meantime
        raise not_found()
    return api_json(media_json(instance_of(request), updated))


routes: list[BaseRoute] = [
    Route("/v2/media", upload, methods=["POST"]),
    Route("/v1/media", upload, methods=["POST"]),
    Route("/v1/media/{id}", get_media, methods=["GET"]),
    Route("/v1/media/{id}", update_media, methods=["PUT"]),
]
