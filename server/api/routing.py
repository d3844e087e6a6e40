"""The API as one ASGI app under `/api`: Mastodon's error shape for every failure
(unknown paths and wrong methods included), trailing slashes taken as Rails takes
them (Mastodon.py asks for `/api/v1/admin/domain_blocks/`), without a redirect, and
Mastodon's rate limits on every request (`server.api.rate_limits`)."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.exceptions import HTTPException
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from server.api.errors import ApiError, not_found
from server.api.rate_limits import RateLimited
from server.api.responses import api_error, api_json
from server.storage.paging import LARGEST_ID


def record_id(request: Request, name: str = "id") -> int:
    """A record's id from the path; one that cannot be an id is simply not found."""
    text = str(request.path_params.get(name, ""))
    if not text.isascii() or not text.isdigit() or len(text) > 19 or int(text) > LARGEST_ID:
        raise not_found()
    return int(text)


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    await api_json({"error": "Not found"}, status_code=404)(scope, receive, send)


async def _api_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    return api_error(error)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    return api_error(ApiError(error.status_code, error.detail))


class _WithoutTrailingSlash:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and len(path) > 1 and path.endswith("/"):
            scope = {**scope, "path": path.rstrip("/") or "/"}
        await self.app(scope, receive, send)


def api_app(routes: Sequence[BaseRoute]) -> ASGIApp:
    router = Router(routes=list(routes), redirect_slashes=False, default=_not_found)
    handlers = {ApiError: _api_error, HTTPException: _http_error}
    return _WithoutTrailingSlash(RateLimited(ExceptionMiddleware(router, handlers=handlers)))
