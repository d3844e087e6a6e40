"""Server-rendered pages for people (the full members' web arrives with its own issue)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.storage import accounts as account_store
from server.storage import posts as post_store
from server.storage.actors import Actor, get_local_actor_by_username
from server.web.state import db_of
from server.web.templating import render

PROFILE_POSTS = 20


async def render_profile(request: Request, actor: Actor) -> Response:
    db = db_of(request)
    account = await account_store.get_account(db, actor.id)
    posts = await post_store.list_public_posts(db, actor.id, limit=PROFILE_POSTS)
    return render(
        request,
        "profile.html",
        {
            "actor": actor,
            "posts": posts,
            "noindex": account is None or account.noindex,
        },
    )


async def profile_page(request: Request) -> Response:
    db = db_of(request)
    actor = await get_local_actor_by_username(db, request.path_params["username"])
    account = None if actor is None else await account_store.get_account(db, actor.id)
    if actor is None or account is None or not account.approved or actor.deleted_at:
        return render(request, "not_found.html", {}, status_code=404)
    if account.suspended_at is not None:
        return render(request, "not_found.html", {"gone": True}, status_code=410)
    return await render_profile(request, actor)


async def home_page(request: Request) -> Response:
    return render(request, "home.html", {})


routes = [
    Route("/", home_page),
    Route("/@{username}", profile_page),
]
