"""What the reading pages share: the reader, the sign-in redirect, lists of cards."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from server.storage import cards as card_store
from server.storage.timelines import Page
from server.storage.visibility import ANONYMOUS, Reader
from server.web.sessions import viewer_of
from server.web.state import db_of
from server.web.templating import render


def reader_of(request: Request) -> Reader:
    viewer = viewer_of(request)
    return ANONYMOUS if viewer is None else Reader(viewer.actor.id)


def older_url(request: Request, page: Page) -> str | None:
    """The "Older posts" link: this page's address with the next cursor."""
    if page.next_max_id is None:
        return None
    query = {key: value for key, value in request.query_params.items() if key != "max_id"}
    query["max_id"] = page.next_max_id
    return f"{request.url.path}?{urlencode(query)}"


async def render_list(
    request: Request, page: Page, template: str, context: dict[str, Any],
    *, status_code: int = 200,
) -> Response:
    reader = reader_of(request)
    cards = await card_store.cards(db_of(request), page.entries, reader_id=reader.actor_id)
    return render(
        request, template,
        {**context, "cards": cards, "older_url": older_url(request, page),
         "first_page": "max_id" not in request.query_params},
        status_code=status_code,
    )
