"""Mastodon's timelines: home, public (community with `local`, other servers' with
`remote`, else federated) and hashtag, read through `server.storage.timelines` as the
pages read them, so the same posts reach the same people.

The public and hashtag timelines are open to visitors without a token, as their pages
are, and show them only public posts; members' members-only posts reach members alone.
When an admin has turned the federated timeline off, the public timeline without
`local` is not found, as its page is. Kinhaven has no lists, so a list timeline is
never found.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api.auth import require_scope
from server.api.errors import ApiError, not_found, validation_failed
from server.api.paging import link_header, read_window
from server.api.params import Params, read_params
from server.api.responses import api_json
from server.api.status_lookup import optional_caller
from server.api.timeline_statuses import entry_id, entry_statuses, read_status_id
from server.storage import timelines
from server.storage.actors import Actor
from server.storage.paging import IdWindow
from server.storage.timelines import HomeCursor, HomeWindow, Page
from server.storage.visibility import ANONYMOUS, Reader
from server.web.state import db_of, instance_of
from server.web.timelines import federated_timeline_on

READ_STATUSES = "read:statuses"
DEFAULT_LIMIT = 20
MAX_LIMIT = 40
MAX_TAGS = 4
TAG_LENGTH = 100
PUBLIC_FILTERS = ("local", "remote", "only_media")
TAG_FILTERS = ("local", "only_media", "any[]", "all[]", "none[]")


async def _viewer(request: Request) -> Actor | None:
    """The member behind the token, or None for a visitor who sent none (or an app's
    own token)."""
    caller = await optional_caller(request, READ_STATUSES)
    return None if caller is None else caller.actor


def _reader(viewer: Actor | None) -> Reader:
    return ANONYMOUS if viewer is None else Reader(viewer.id)


def _window(params: Params) -> IdWindow:
    return read_window(params, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)


def _limit(params: Params) -> int:
    """The limit alone, for the home timeline, whose ids are not all numbers."""
    return _window(Params([("limit", params.text("limit") or "")])).limit


async def _answer(request: Request, page: Page, limit: int, viewer: Actor | None,
                  keep: Sequence[str] = ()) -> Response:
    """The page's Statuses and the `Link` header; "next" is offered whenever the list
    goes on, even when the reader's filters left this page short."""
    db, instance = db_of(request), instance_of(request)
    ids = [entry_id(entry) for entry in page.entries]
    statuses = await entry_statuses(db, instance, page.entries, viewer)
    window = IdWindow(limit=1 if page.next_max_id is not None else limit)
    return api_json(statuses, headers=link_header(request, instance.urls.base, window, ids,
                                                  keep=keep))


async def _home_cursor(request: Request, params: Params, name: str) -> HomeCursor | None:
    text = params.text(name)
    if text is None or not text.strip():
        return None
    found = read_status_id(text)
    if found is None:
        raise validation_failed(f"{name} must be a status id")
    return await timelines.home_cursor(db_of(request), *found)


async def home(request: Request) -> Response:
    caller = await require_scope(request, READ_STATUSES)
    params = await read_params(request)
    limit = _limit(params)
    after = await _home_cursor(request, params, "min_id")
    window = HomeWindow(
        limit=limit, below=await _home_cursor(request, params, "max_id"),
        above=None if after else await _home_cursor(request, params, "since_id"),
        after=after)
    page = await timelines.home_window(db_of(request), Reader(caller.actor.id), window)
    return await _answer(request, page, limit, caller.actor)


async def public(request: Request) -> Response:
    viewer = await _viewer(request)
    params = await read_params(request)
    window = _window(params)
    local, remote = params.boolean("local"), params.boolean("remote")
    only_media = bool(params.boolean("only_media"))
    db, reader = db_of(request), _reader(viewer)
    if local:
        page = await timelines.community(
            db, reader, window.max_id, limit=window.limit, since_id=window.since_id,
            min_id=window.min_id, only_media=only_media)
    else:
        if not await federated_timeline_on(request):
            raise ApiError(404, "The federated timeline is turned off on this server")
        page = await timelines.federated(
            db, reader, window.max_id, limit=window.limit, since_id=window.since_id,
            min_id=window.min_id, only_remote=bool(remote), only_media=only_media)
    return await _answer(request, page, window.limit, viewer, PUBLIC_FILTERS)


def _tags(params: Params, name: str) -> list[str]:
    tags = [tag.strip().lstrip("#").lower() for tag in params.texts(name)]
    tags = [tag for tag in tags if tag]
    if len(tags) > MAX_TAGS or any(len(tag) > TAG_LENGTH for tag in tags):
        raise validation_failed(f"{name} names at most {MAX_TAGS} hashtags")
    return tags


async def tag(request: Request) -> Response:
    viewer = await _viewer(request)
    params = await read_params(request)
    window = _window(params)
    name = str(request.path_params["hashtag"]).strip().lstrip("#").lower()
    if not name or len(name) > TAG_LENGTH:
        raise not_found()
    page = await timelines.tagged(
        db_of(request), _reader(viewer), name, window.max_id, limit=window.limit,
        since_id=window.since_id, min_id=window.min_id, any_of=_tags(params, "any"),
        all_of=_tags(params, "all"), none_of=_tags(params, "none"),
        local_only=bool(params.boolean("local")),
        only_media=bool(params.boolean("only_media")))
    return await _answer(request, page, window.limit, viewer, TAG_FILTERS)


async def list_timeline(request: Request) -> Response:
    await require_scope(request, "read:lists")
    raise not_found()


routes = [
    Route("/v1/timelines/home", home, methods=["GET"]),
    Route("/v1/timelines/public", public, methods=["GET"]),
    Route("/v1/timelines/tag/{hashtag}", tag, methods=["GET"]),
    Route("/v1/timelines/list/{id}", list_timeline, methods=["GET"]),
]
