"""The front page and profiles, local (`/@name`) and remote (`/@name@domain`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.storage import accounts as account_store
from server.storage import network, people, timelines
from server.storage import sanctions as sanction_store
from server.storage.actors import Actor, get_local_actor_by_username
from server.storage.visibility import ReaderFilter
from server.web import muting
from server.web import timelines as timeline_routes
from server.web.reading import reader_of, render_list
from server.web.sessions import viewer_of
from server.web.state import db_of
from server.web.templating import render


async def render_profile(request: Request, actor: Actor, *, noindex: bool = True) -> Response:
    """A person's page: who they are and the posts of theirs the reader may see."""
    db = db_of(request)
    reader = reader_of(request)
    standing = people.Standing()
    relation = None
    if reader.actor_id is not None and reader.actor_id != actor.id:
        standing = await people.standing(db, reader.actor_id, actor.id)
        relation = (await network.relations_with(db, reader.actor_id, [actor.id])).get(actor.id)
    max_id = timelines.parse_max_id(request.query_params.get("max_id"))
    page = await timelines.profile(db, reader, actor.id, max_id)
    return await render_list(request, page, "profile.html", {
        "actor": actor,
        "standing": standing,
        "relation": relation,
        "here": request.url.path,
        "own": reader.actor_id == actor.id,
        "noindex": noindex,
    })


async def render_local_profile(request: Request, actor: Actor) -> Response:
    """A member's profile, unless their account is closed, suspended or on a break."""
    account = await account_store.get_account(db_of(request), actor.id)
    if account is None or not account.approved or actor.deleted_at:
        return render(request, "not_found.html", {}, status_code=404)
    if account.suspended:
        return render(request, "not_found.html", {"gone": True}, status_code=410)
    viewer = viewer_of(request)
    if account_store.on_break(account) and (viewer is None or viewer.actor.id != actor.id):
        return render(request, "not_found.html", {}, status_code=404)
    return await render_profile(request, actor, noindex=account.noindex)


async def profile_page(request: Request) -> Response:
    db = db_of(request)
    name = str(request.path_params["username"])
    username, _, domain = name.partition("@")
    if domain and domain.lower() != instance_domain(request).lower():
        return await remote_profile(request, username, domain)
    actor = await get_local_actor_by_username(db, username)
    if actor is None or actor.actor_type != "Person":
        return render(request, "not_found.html", {}, status_code=404)
    return await render_local_profile(request, actor)


def instance_domain(request: Request) -> str:
    domain: str = request.app.state.instance.settings.domain
    return domain


async def remote_profile(request: Request, username: str, domain: str) -> Response:
    """Someone elsewhere whom this instance already knows of; never fetched from here."""
    db = db_of(request)
    actor = await people.remote_actor_by_handle(db, username, domain)
    if actor is None or actor.deleted_at is not None:
        return render(request, "not_found.html", {}, status_code=404)
    filters = await ReaderFilter.load(db, reader_of(request))
    if (await filters.domain_suspended(actor.domain)
            or (await sanction_store.standing_by_id(db, actor.id)).suspended):
        return render(request, "not_found.html", {}, status_code=404)
    return await render_profile(request, actor)


async def front_page(request: Request) -> Response:
    if viewer_of(request) is not None:
        return RedirectResponse("/home", status_code=303)
    return render(request, "home.html", {
        "federated_on": await timeline_routes.federated_timeline_on(request),
    })


routes = [
    Route("/", front_page),
    *timeline_routes.routes,
    *muting.routes,
    Route("/@{username}", profile_page),
]
