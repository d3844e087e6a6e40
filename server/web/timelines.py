"""Timelines and threads: /home, /community, /federated, /tags/{tag}, /posts/{id}."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.storage import cards as card_store
from server.storage import timelines
from server.storage.actors import get_local_actor_by_username
from server.storage.settings import get_setting
from server.storage.visibility import Reader
from server.web.guards import require_viewer
from server.web.reading import reader_of, render_list
from server.web.state import db_of
from server.web.templating import render

FEDERATED_SETTING = "federated_timeline"


async def federated_timeline_on(request: Request) -> bool:
    """The federated timeline is on unless an admin turned it off."""
    return await get_setting(db_of(request), FEDERATED_SETTING) != "off"


async def home_timeline(request: Request) -> Response:
    reader = Reader(require_viewer(request).actor.id)
    page = await timelines.home(db_of(request), reader, request.query_params.get("max_id"))
    return await render_list(request, page, "timeline.html", {
        "title": "Home", "heading": "Home",
        "intro": "Posts from you and the people you follow, newest first.",
        "empty": "Nothing here yet. Posts from people you follow will appear here.",
    })


async def community_timeline(request: Request) -> Response:
    reader = reader_of(request)
    max_id = timelines.parse_max_id(request.query_params.get("max_id"))
    page = await timelines.community(db_of(request), reader, max_id)
    intro = ("Posts by members of this community, newest first."
             if reader.member else
             "Public posts by members of this community. Members see more once signed in.")
    return await render_list(request, page, "timeline.html", {
        "title": "Community", "heading": "Community", "intro": intro,
        "empty": "No posts here yet.",
    })


async def federated_timeline(request: Request) -> Response:
    if not await federated_timeline_on(request):
        return render(request, "federated_off.html", {}, status_code=404)
    reader = reader_of(request)
    max_id = timelines.parse_max_id(request.query_params.get("max_id"))
    page = await timelines.federated(db_of(request), reader, max_id)
    return await render_list(request, page, "timeline.html", {
        "title": "Federated", "heading": "Federated",
        "intro": "Public posts from here and from the other servers we know, newest first.",
        "empty": "No public posts yet.",
    })


async def tag_timeline(request: Request) -> Response:
    tag = str(request.path_params["tag"]).lstrip("#").lower()
    reader = reader_of(request)
    max_id = timelines.parse_max_id(request.query_params.get("max_id"))
    page = await timelines.tagged(db_of(request), reader, tag, max_id)
    return await render_list(request, page, "timeline.html", {
        "title": f"#{tag}", "heading": f"Posts tagged #{tag}", "intro": None,
        "empty": f"No posts tagged #{tag} that you can see.",
    })


async def thread_page(request: Request) -> Response:
    db = db_of(request)
    reader = reader_of(request)
    found = await timelines.thread(db, reader, int(request.path_params["post_id"]))
    if found is None:
        return render(request, "post_missing.html", {}, status_code=404)
    posts = [*found.ancestors, found.post, *found.replies]
    cards = await card_store.cards_for_posts(db, posts, reader_id=reader.actor_id)
    ancestors = cards[: len(found.ancestors)]
    return render(request, "thread.html", {
        "ancestors": ancestors,
        "focal": cards[len(found.ancestors)],
        "replies": cards[len(found.ancestors) + 1:],
    })


async def post_page(request: Request) -> Response:
    """A local post's `url` (`/@name/{id}`): the thread page is its one address."""
    db = db_of(request)
    post = await timelines.visible_post(db, reader_of(request), int(request.path_params["post_id"]))
    author = await get_local_actor_by_username(db, request.path_params["username"])
    if post is None or author is None or post.actor_id != author.id:
        return render(request, "post_missing.html", {}, status_code=404)
    return RedirectResponse(f"/posts/{post.id}", status_code=301)


routes = [
    Route("/home", home_timeline),
    Route("/community", community_timeline),
    Route("/federated", federated_timeline),
    Route("/tags/{tag}", tag_timeline),
    Route("/posts/{post_id:int}", thread_page),
    Route("/@{username}/{post_id:int}", post_page),
]
