"""People: finding someone here or elsewhere, following, blocking, answering follow
requests, and the followers and following lists members may keep private."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.activitypub.context import Federation
from server.clock import now_text
from server.services import following, relations
from server.services.relations import RelationError
from server.storage import accounts as account_store
from server.storage import network
from server.storage.actors import Actor, get_actor, get_local_actor_by_username
from server.web.forms import FieldErrors, read_form, text_field
from server.web.guards import require_viewer, safe_next
from server.web.sessions import Viewer, viewer_of
from server.web.state import db_of, instance_of
from server.web.templating import render

QUERY_LENGTH = 300
PAGE = 40
LOCAL_NAME = re.compile(r"\A[A-Za-z0-9_]{1,30}\Z")
REMOTE_NAME = re.compile(r"\A[A-Za-z0-9_][A-Za-z0-9_.\-]{0,99}\Z")
HOST = re.compile(r"\A[A-Za-z0-9](?:[A-Za-z0-9.\-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?\Z")
HANDLE_HELP = "Handles look like @name@server.example."


def federation_of(request: Request) -> Federation:
    federation: Federation = request.app.state.federation
    return federation


def row_id(value: object) -> int | None:
    """A row id from a form, a path or a list's "older" link (its keyset cursor); None
    for anything else, numbers too big for SQLite included."""
    text = str(value) if value is not None else ""
    if not text.isdigit() or len(text) > 18:
        return None
    return int(text)


async def _actor_in(request: Request, value: object) -> Actor | None:
    actor_id = row_id(value)
    return None if actor_id is None else await get_actor(db_of(request), actor_id)


def profile_path(actor: Actor) -> str:
    return f"/@{actor.username}" if actor.local else f"/@{actor.username}@{actor.domain}"


def current_path(request: Request) -> str:
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{request.url.path}{query}"


class SearchRefused(Exception):
    """The search cannot be done; the message goes next to the field."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


async def _find(request: Request, viewer: Viewer, query: str) -> list[Actor]:
    db = db_of(request)
    if len(query) > QUERY_LENGTH:
        raise SearchRefused(400, f"Please use fewer than {QUERY_LENGTH} characters.")
    text = query.strip().removeprefix("@")
    if not text:
        raise SearchRefused(400, f"Type a name from this server, or a handle. {HANDLE_HELP}")
    if "@" not in text:
        if not LOCAL_NAME.match(text):
            raise SearchRefused(400, "Names here use only letters, digits and underscores."
                                f" To find someone on another server, use their handle. "
                                f"{HANDLE_HELP}")
        return await network.find_members(db, viewer.actor.id, text)
    name, _, host = text.partition("@")
    if not REMOTE_NAME.match(name) or not HOST.match(host):
        raise SearchRefused(400, f"That does not look like a handle. {HANDLE_HELP}")
    if host.lower() == instance_of(request).settings.domain.lower():
        found = await network.find_members(db, viewer.actor.id, name) if LOCAL_NAME.match(
            name) else []
        return [actor for actor in found if actor.username.lower() == name.lower()]
    try:
        actor = await relations.find_remote_account(federation_of(request), f"{name}@{host}")
    except RelationError as error:
        raise SearchRefused(404, f"We could not find @{name}@{host}. The name may be spelled"
                            " differently, or that server may not be answering just now.") \
            from error
    if actor.deleted_at is not None or await network.blocks_viewer(db, actor.id, viewer.actor.id):
        return []
    return [actor]


async def _people_page(request: Request, viewer: Viewer, *, query: str | None = None,
                       results: list[Actor] | None = None, errors: FieldErrors | None = None,
                       status_code: int = 200) -> Response:
    db = db_of(request)
    found = results or []
    return render(request, "people/index.html", {
        "query": query or "",
        "searched": query is not None and not errors,
        "results": found,
        "relations": await network.relations_with(db, viewer.actor.id, [a.id for a in found]),
        "requests": await network.count_requests(db, viewer.actor.id),
        "errors": errors or {},
        "here": current_path(request),
    }, status_code=status_code)


async def people_page(request: Request) -> Response:
    viewer = require_viewer(request)
    return await _people_page(request, viewer)


async def search_page(request: Request) -> Response:
    viewer = require_viewer(request)
    query = request.query_params.get("q", "")
    try:
        results = await _find(request, viewer, query)
    except SearchRefused as refused:
        errors = FieldErrors()
        errors.add("q", refused.message)
        return await _people_page(request, viewer, query=query[:QUERY_LENGTH], errors=errors,
                                  status_code=refused.status_code)
    return await _people_page(request, viewer, query=query, results=results)


def _back(form: FormData, target: Actor) -> RedirectResponse:
    """To the page the form was on, if it is one of ours; else the person's profile."""
    sent = text_field(form, "next")
    where = sent if sent and len(sent) <= 2000 and safe_next(sent) == sent else None
    return RedirectResponse(where or profile_path(target), status_code=303)


def _refused(request: Request, heading: str, message: str, back: str) -> Response:
    return render(request, "message.html", {
        "heading": heading, "paragraphs": [message], "back": back,
    }, status_code=409)


def _missing(request: Request) -> Response:
    return render(request, "not_found.html", {}, status_code=404)


async def follow(request: Request) -> Response:
    viewer = require_viewer(request)
    form = await read_form(request)
    target = await _actor_in(request, text_field(form, "actor_id"))
    if target is None:
        return _missing(request)
    try:
        await following.follow_person(federation_of(request), viewer.actor, target)
    except RelationError as error:
        return _refused(request, "Not followed", str(error), profile_path(target))
    return _back(form, target)


PersonAction = Callable[[Federation, Actor, Actor], Awaitable[None]]


def _on_person(act: PersonAction) -> Callable[[Request], Awaitable[Response]]:
    """A form handler that applies `act` to the person in the path, then goes back."""

    async def handler(request: Request) -> Response:
        viewer = require_viewer(request)
        form = await read_form(request)
        target = await _actor_in(request, request.path_params["actor_id"])
        if target is None or target.id == viewer.actor.id or (
                target.local and target.actor_type != "Person"):
            return _missing(request)
        await act(federation_of(request), viewer.actor, target)
        return _back(form, target)

    return handler


async def requests_page(request: Request) -> Response:
    viewer = require_viewer(request)
    db = db_of(request)
    before = row_id(request.query_params.get("before"))
    rows = await network.connections(db, viewer.actor.id, "requests", before=before,
                                     limit=PAGE + 1)
    shown = rows[:PAGE]
    return render(request, "people/requests.html", {
        "requests": shown,
        "older": shown[-1].follow_id if len(rows) > PAGE else None,
        "first_page": before is None,
    })


async def answer_request(request: Request) -> Response:
    viewer = require_viewer(request)
    await read_form(request)
    federation = federation_of(request)
    answer = request.path_params["answer"]
    follow_id = row_id(request.path_params["follow_id"])
    wanted = None if follow_id is None else await network.follow_by_id(federation.db, follow_id)
    if (answer not in ("approve", "reject") or wanted is None
            or wanted.followee_id != viewer.actor.id or wanted.state != "pending"):
        return _missing(request)
    if answer == "approve":
        await relations.accept_request(federation, wanted)
    else:
        await relations.reject_request(federation, wanted)
    return RedirectResponse("/follow-requests", status_code=303)


def _network_heading(actor: Actor, which: str, *, own: bool) -> str:
    name = actor.display_name or actor.username
    if which == "followers":
        return "Your followers" if own else f"People following {name}"
    return "People you follow" if own else f"People {name} follows"


async def _network_page(request: Request, which: str) -> Response:
    db = db_of(request)
    username = str(request.path_params["username"])
    actor = await get_local_actor_by_username(db, username) if LOCAL_NAME.match(
        username) else None
    account = None if actor is None else await account_store.get_account(db, actor.id)
    if actor is None or account is None or not account.approved or actor.deleted_at \
            or account.suspended:
        return _missing(request)
    viewer = viewer_of(request)
    own = viewer is not None and viewer.actor.id == actor.id
    if not own and account.break_until is not None and account.break_until > now_text():
        return _missing(request)
    context: dict[str, object] = {
        "person": actor, "which": which, "own": own, "hidden": account.hide_network,
        "heading": _network_heading(actor, which, own=own), "rows": [],
        "here": current_path(request),
    }
    if account.hide_network and not own:
        return render(request, "people/network.html", context)
    before = row_id(request.query_params.get("before"))
    rows = await network.connections(db, actor.id, which, before=before, limit=PAGE + 1)
    shown = rows[:PAGE]
    context.update({
        "rows": shown,
        "older": shown[-1].follow_id if len(rows) > PAGE else None,
        "first_page": before is None,
        "relations": {} if viewer is None else await network.relations_with(
            db, viewer.actor.id, [row.actor.id for row in shown]),
    })
    return render(request, "people/network.html", context)


async def followers_page(request: Request) -> Response:
    return await _network_page(request, "followers")


async def following_page(request: Request) -> Response:
    return await _network_page(request, "following")


routes = [
    Route("/people", people_page, methods=["GET"]),
    Route("/people/search", search_page, methods=["GET"]),
    Route("/people/follow", follow, methods=["POST"]),
    Route("/people/{actor_id:int}/unfollow", _on_person(relations.unfollow), methods=["POST"]),
    Route("/people/{actor_id:int}/block", _on_person(relations.block), methods=["POST"]),
    Route("/people/{actor_id:int}/unblock", _on_person(following.unblock), methods=["POST"]),
    Route("/follow-requests", requests_page, methods=["GET"]),
    Route("/follow-requests/{follow_id:int}/{answer:str}", answer_request, methods=["POST"]),
    Route("/@{username}/followers", followers_page, methods=["GET"]),
    Route("/@{username}/following", following_page, methods=["GET"]),
]
