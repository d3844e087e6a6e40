"""What a client sent: the query string and the body, merged as Rails merges them.

Mastodon clients send JSON, form-encoded or multipart bodies (Mastodon.py sends forms
for most calls), so all three are read. Form values are text: booleans arrive as
"true"/"false" or "1"/"0", arrays as repeated `key[]` fields. A body value replaces a
query value of the same name. Values of the wrong kind are refused with a 422 that
names the field, never passed on for the endpoint to trip over.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from urllib.parse import parse_qsl

from starlette.requests import Request

from server.api.errors import ApiError, bad_request, validation_failed

SMALL_BODY = 64 * 1024
MAX_FIELDS = 200
TRUE = frozenset({"true", "1", "t", "on", "yes"})
FALSE = frozenset({"false", "0", "f", "off", "no"})


def _name(key: str) -> str:
    return key[:-2] if key.endswith("[]") else key


class Params:
    """The named values of one request, each kept as the list of what was sent."""

    def __init__(self, pairs: Iterable[tuple[str, object]] = ()) -> None:
        self._values: dict[str, list[object]] = {}
        for key, value in pairs:
            self._values.setdefault(_name(key), []).append(value)

    def update(self, other: Params) -> None:
        self._values.update(other._values)

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def _last(self, name: str) -> object:
        values = self._values.get(name)
        return values[-1] if values else None

    def text(self, name: str) -> str | None:
        """One text value (the last, if sent more than once); numbers read as text."""
        value = self._last(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise validation_failed(f"{name} must be text")

    def boolean(self, name: str) -> bool | None:
        """True or false, however the client spelled it; None if absent or empty."""
        value = self._last(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in TRUE | FALSE:
            return value.strip().lower() in TRUE
        raise validation_failed(f"{name} must be true or false")

    def raw(self, name: str) -> object:
        """The last value under `name` as it came (a JSON object or list stays one), for
        nested values the typed readers do not cover; None if absent."""
        return self._last(name)

    def names(self) -> list[str]:
        """Every name sent, form fields such as `home[last_read_id]` as they were spelt."""
        return list(self._values)

    def texts(self, name: str) -> list[str]:
        """An array: repeated `name[]` fields, or a JSON array."""
        values = self._values.get(name, [])
        if len(values) == 1 and isinstance(values[0], list):
            values = values[0]
        if not all(isinstance(value, str | int) and not isinstance(value, bool)
                   for value in values):
            raise validation_failed(f"{name} must be a list of text")
        return [str(value) for value in values]


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise ApiError(413, "The request body is too large")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise ApiError(413, "The request body is too large")
    return bytes(body)


def _json_pairs(body: bytes) -> list[tuple[str, object]]:
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise bad_request("The request body is not valid JSON") from error
    if not isinstance(document, dict):
        raise bad_request("The request body must be a JSON object")
    return list(document.items())


async def _multipart_pairs(request: Request, body: bytes, limit: int,
                           files: dict[str, bytes] | None = None,
                           file_names: Sequence[str] = ()) -> list[tuple[str, object]]:
    """The text fields; the files named in `file_names` go into `files` (any other file
    makes the form unreadable)."""
    request._body = body  # starlette parses the form from the cached body
    try:
        form = await request.form(max_files=len(file_names), max_fields=MAX_FIELDS,
                                  max_part_size=limit)
    except Exception as error:  # starlette raises several kinds for a malformed form
        raise bad_request("The form data could not be read") from error
    pairs: list[tuple[str, object]] = []
    try:
        for key, value in form.multi_items():
            if isinstance(value, str):
                pairs.append((key, value))
            elif files is not None and key in file_names and value.filename:
                files[key] = await value.read()
            elif key not in file_names:
                raise validation_failed(f"{key} cannot be a file")
    finally:
        await form.close()
    return pairs


def _form_pairs(body: bytes) -> list[tuple[str, object]]:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                          max_num_fields=MAX_FIELDS, strict_parsing=False)
    except (UnicodeDecodeError, ValueError) as error:
        raise bad_request("The form data could not be read") from error
    return list(pairs)


async def read_params(request: Request, *, limit: int = SMALL_BODY) -> Params:
    """The query string and, for requests that carry one, the body."""
    params, _ = await read_params_and_files(request, limit=limit)
    return params


async def read_params_and_files(request: Request, *, limit: int = SMALL_BODY,
                                files: Sequence[str] = ()) -> tuple[Params, dict[str, bytes]]:
    """As `read_params`, and the contents of the files named in `files` that a
    multipart body carried (by name; the last of each)."""
    params = Params(request.query_params.multi_items())
    uploaded: dict[str, bytes] = {}
    if request.method in ("GET", "HEAD"):
        return params, uploaded
    body = await _body(request, limit)
    if not body.strip():
        return params, uploaded
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        pairs = _json_pairs(body)
    elif media_type == "multipart/form-data":
        pairs = await _multipart_pairs(request, body, limit, uploaded, files)
    elif media_type == "application/x-www-form-urlencoded":
        pairs = _form_pairs(body)
    else:
        raise ApiError(415, f"Unsupported content type {media_type or '(none)'}")
    params.update(Params(pairs))
    return params, uploaded
