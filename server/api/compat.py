"""Answers for Mastodon features Kinhaven does not have, so the apps people already use
(Tusky, Ivory, Elk, Phanpy ask for several of these as they start) work rather than
stumble on a 404.

Reading gives an honest empty list: there are no lists, announcements, trends,
featured or followed hashtags, endorsements, scheduled posts or suggestions here.
Trends and suggestions would point members at strangers' posts and accounts, which a
peer-support community leaves to the members themselves. Anything that would create
one of these is refused with a 422 that says so, rather than pretending to keep it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.api.auth import authenticate, require_scope
from server.api.errors import ApiError
from server.api.responses import api_json

_NEEDING_SCOPE = {
    "/v1/lists": "read:lists",
    "/v1/followed_tags": "read:follows",
    "/v1/featured_tags": "read:accounts",
    "/v1/featured_tags/suggestions": "read:accounts",
    "/v1/endorsements": "read:accounts",
    "/v1/scheduled_statuses": "read:statuses",
}
_NEEDING_SIGN_IN = ("/v1/announcements", "/v2/suggestions", "/v1/suggestions")
_OPEN = ("/v1/trends", "/v1/trends/tags", "/v1/trends/statuses", "/v1/trends/links")
_REFUSED = {
    "/v1/lists": ("write:lists", "Lists are not available on this server"),
    "/v1/featured_tags": ("write:accounts",
                          "Featured hashtags are not available on this server"),
}


Handler = Callable[[Request], Awaitable[Response]]


def _empty_with_scope(scope: str) -> Handler:
    async def handle(request: Request) -> Response:
        await require_scope(request, scope)
        return api_json([])
    return handle


async def _empty_for_members(request: Request) -> Response:
    await authenticate(request)
    return api_json([])


async def _empty(request: Request) -> Response:
    return api_json([])


def _refusal(scope: str, message: str) -> Handler:
    async def handle(request: Request) -> Response:
        await require_scope(request, scope)
        raise ApiError(422, message)
    return handle


routes: list[BaseRoute] = [
    *(Route(path, _empty_with_scope(scope), methods=["GET"])
      for path, scope in _NEEDING_SCOPE.items()),
    *(Route(path, _empty_for_members, methods=["GET"]) for path in _NEEDING_SIGN_IN),
    *(Route(path, _empty, methods=["GET"]) for path in _OPEN),
    *(Route(path, _refusal(scope, message), methods=["POST"])
      for path, (scope, message) in _REFUSED.items()),
]
