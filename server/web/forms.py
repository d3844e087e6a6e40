"""Reading posted forms safely: a body size bound, the CSRF check, and field errors.

Every form handler starts with `read_form`; a wrong or missing CSRF token stops the
request before anything is read into the database.
"""

from __future__ import annotations

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from server.web.sessions import csrf_matches

SMALL_FORM = 64 * 1024
MEDIA_FORM = 12 * 1024 * 1024


class FormRejected(Exception):
    """The whole form is refused before any field is looked at."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


async def read_form(request: Request, *, limit: int = SMALL_FORM) -> FormData:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise FormRejected(413, "That was more than this form can take.")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise FormRejected(413, "That was more than this form can take.")
    request._body = bytes(body)  # starlette parses the form from the cached body
    try:
        # Only forms that take uploads accept files at all.
        max_files = 4 if limit > SMALL_FORM else 0
        form = await request.form(max_files=max_files, max_fields=200, max_part_size=limit)
    except Exception as error:
        raise FormRejected(400, "That form could not be read. Please try again.") from error
    sent = form.get("csrf_token")
    if not isinstance(sent, str) or not csrf_matches(request, sent):
        await form.close()
        raise FormRejected(
            403,
            "This form had expired or did not come from this site, so nothing was saved."
            " Please go back, reload the page and try again.",
        )
    return form


def text_field(form: FormData, name: str, *, strip: bool = True) -> str:
    """A text field's value; a file or a missing field reads as empty."""
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    return value.strip() if strip else value


def checkbox(form: FormData, name: str) -> bool:
    return text_field(form, name) in ("on", "1", "true", "yes")


def uploads(form: FormData, name: str) -> list[UploadFile]:
    return [
        item for item in form.getlist(name)
        if isinstance(item, UploadFile) and item.filename
    ]


class FieldErrors(dict[str, str]):
    """Messages to show next to the fields they are about."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, message)
