"""The caller's bookmarks and favourites, newest first.

Both page by the bookmark's (or like's) own id, as Mastodon's do, so the `Link`
header's `max_id` is not a Status id. Only posts the caller may still see are listed:
one that has since become hidden from them (deleted, held, a block) drops out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.api.auth import require_scope
from server.api.entities import statuses_json
from server.api.paging import paged_json, read_window
from server.api.params import read_params
from server.storage import bookmarks as bookmark_store
from server.storage.visibility import Reader
from server.web.state import db_of, instance_of

DEFAULT_LIMIT = 20
MAX_LIMIT = 40


def _kept(kind: str, scope: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        caller = await require_scope(request, scope)
        window = read_window(await read_params(request), default=DEFAULT_LIMIT,
                             maximum=MAX_LIMIT)
        db = db_of(request)
        page = await bookmark_store.kept_page(db, kind, Reader(caller.actor.id), window)
        statuses = await statuses_json(db, instance_of(request), page.posts,
                                       viewer=caller.actor)
        return paged_json(request, statuses, window, page.ids)
    return endpoint


routes: list[BaseRoute] = [
    Route("/v1/bookmarks", _kept("bookmarks", "read:bookmarks"), methods=["GET"]),
    Route("/v1/favourites", _kept("likes", "read:favourites"), methods=["GET"]),
]
