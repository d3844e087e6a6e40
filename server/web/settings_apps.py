"""The apps a member has allowed into their account, and taking that access back.

Mastodon lists these under "Authorized apps"; here a member sees each app's name, what
it may do in plain words and when they last allowed it, and can sign it out at once.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.storage import oauth as oauth_store
from server.web.authorize import scope_descriptions
from server.web.forms import read_form, text_field
from server.web.guards import require_viewer
from server.web.state import db_of
from server.web.templating import render


async def apps_page(request: Request) -> Response:
    viewer = require_viewer(request)
    allowed = await oauth_store.authorized_apps(db_of(request), viewer.actor.id)
    return render(request, "settings/apps.html", {
        "allowed": [(item, scope_descriptions(item.scopes)) for item in allowed],
    })


async def revoke_app(request: Request) -> Response:
    viewer = require_viewer(request)
    form = await read_form(request)
    app_id = text_field(form, "app_id")
    if app_id.isascii() and app_id.isdigit() and len(app_id) < 19:
        await oauth_store.revoke_app_for(db_of(request), viewer.actor.id, int(app_id))
    return RedirectResponse("/settings/apps?saved=1", status_code=303)


routes = [
    Route("/settings/apps", apps_page, methods=["GET"]),
    Route("/settings/apps/revoke", revoke_app, methods=["POST"]),
]
