"""Help that is one step from every page: the crisis resources, and what the community is."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.community import load_choices
from server.storage import community as community_store
from server.web.state import db_of
from server.web.templating import render


async def help_page(request: Request) -> Response:
    choices = await load_choices(db_of(request))
    return render(request, "help.html", {"choices": choices})


async def about_page(request: Request) -> Response:
    db = db_of(request)
    return render(request, "about.html", {
        "choices": await load_choices(db),
        "rules": await community_store.list_rules(db),
    })


routes = [Route("/help", help_page), Route("/about", about_page)]
