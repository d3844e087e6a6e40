"""Mastodon's list paging: `max_id`, `since_id`, `min_id` and `limit` in, a `Link`
header out, for every list endpoint of the API.

A limit past the maximum is cut to it, as Mastodon does; one that is not a positive
whole number, or an id that is not one, is a 422. The `Link` header points at the next
(older) page with `max_id` set to the last id shown, when the page was full, and at the
previous (newer) one with `min_id` set to the first, whenever the page was not empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from server.api.errors import validation_failed
from server.api.params import Params
from server.api.responses import api_json
from server.storage.paging import LARGEST_ID, IdWindow
from server.web.state import instance_of

ADMIN_LIMIT = 40
MAX_LIMIT = 200


def _whole_number(params: Params, name: str) -> int | None:
    """Digits only; any number too long to be an id reads as the largest id."""
    text = params.text(name)
    if text is None or not text.strip():
        return None
    text = text.strip()
    if not text.isascii() or not text.isdigit():
        raise validation_failed(f"{name} must be a whole number")
    text = text.lstrip("0") or "0"
    return LARGEST_ID if len(text) > 19 else min(int(text), LARGEST_ID)


def read_id(params: Params, name: str) -> int | None:
    return _whole_number(params, name)


def read_window(params: Params, *, default: int = ADMIN_LIMIT,
                maximum: int = MAX_LIMIT) -> IdWindow:
    limit = _whole_number(params, "limit")
    if limit is not None and limit < 1:
        raise validation_failed("limit must be at least 1")
    limit = default if limit is None else min(limit, maximum)
    return IdWindow(limit=limit, max_id=read_id(params, "max_id"),
                    since_id=read_id(params, "since_id"), min_id=read_id(params, "min_id"))


def link_header(request: Request, base_url: str, window: IdWindow, ids: Sequence[int | str],
                *, keep: Sequence[str] = ()) -> dict[str, str]:
    """The `Link` header for a page showing `ids` (newest first), as a headers dict
    (empty when there is nothing to link to). `keep` names the query parameters (the
    endpoint's filters) the links carry over besides `limit`."""
    kept = [(name, request.query_params[name]) for name in ("limit", *keep)
            if name in request.query_params]
    url = f"{base_url}{request.url.path}"
    links = []
    if ids and len(ids) >= window.limit:
        links.append(f'<{url}?{urlencode([*kept, ("max_id", ids[-1])])}>; rel="next"')
    if ids:
        links.append(f'<{url}?{urlencode([*kept, ("min_id", ids[0])])}>; rel="prev"')
    return {"Link": ", ".join(links)} if links else {}


def paged_json(request: Request, entities: list[Any], window: IdWindow,
               ids: Sequence[int | str],
               *, keep: Sequence[str] = ()) -> Response:
    """A list answer: the page's entities, and the `Link` header to the pages beside it."""
    return api_json(entities, headers=link_header(
        request, instance_of(request).urls.base, window, ids, keep=keep))
