"""Registering an app (`POST /api/v1/apps`) and an app checking its own credentials.

Registration is open to anyone, as on Mastodon: an app is only a name, redirect URIs
and the scopes it may ask members for; nothing is reachable until a member authorizes
it. The client secret is shown once, in the answer to the registration.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.api.auth import bearer_token, looked_up_token
from server.api.entities import JSON
from server.api.errors import INVALID_TOKEN, ApiError, validation_failed
from server.api.params import read_params
from server.api.responses import api_json
from server.services import oauth
from server.services.oauth import InvalidApp
from server.storage import oauth as oauth_store
from server.storage.oauth import OAuthApp
from server.web.state import db_of

FIELD_NAMES = {"name": "Name", "website": "Website", "redirect_uris": "Redirect URI",
               "scopes": "Scopes"}
COMMAND_LINE_APP: JSON = {
    "id": "0", "name": "Kinhaven command line", "website": None, "scopes": [],
    "redirect_uri": oauth.OUT_OF_BAND, "redirect_uris": [oauth.OUT_OF_BAND],
}
"""What a token made with `kinhaven token create` names as its app."""


def application_json(app: OAuthApp) -> JSON:
    return {
        "id": str(app.id),
        "name": app.name,
        "website": app.website,
        "scopes": list(app.scopes),
        "redirect_uri": "\n".join(app.redirect_uris),
        "redirect_uris": list(app.redirect_uris),
    }


async def create(request: Request) -> Response:
    params = await read_params(request)
    uris = params.texts("redirect_uris")
    try:
        registration = await oauth.register_app(
            db_of(request), name=params.text("client_name"), website=params.text("website"),
            redirect_uris="\n".join(uris), scopes=params.text("scopes"))
    except InvalidApp as error:
        raise validation_failed(f"{FIELD_NAMES[error.field]} {error}") from error
    return api_json({
        **application_json(registration.app),
        "client_id": registration.app.client_id,
        "client_secret": registration.client_secret,
        "client_secret_expires_at": 0,
    })


async def verify_credentials(request: Request) -> Response:
    """The app behind the token: an app's own token or a member's token for it."""
    text = bearer_token(request)
    db = db_of(request)
    if text is not None:
        member_token = await looked_up_token(request)
        app_token = None if member_token is not None else await oauth_store.find_app_token(
            db, text)
        app_id = app_token.app_id if app_token else member_token.app_id if member_token \
            else None
        if member_token is not None and app_id is None:
            return api_json({**COMMAND_LINE_APP, "scopes": list(member_token.scopes)})
        app = None if app_id is None else await oauth_store.get_app(db, app_id)
        if app is not None:
            return api_json(application_json(app))
    raise ApiError(401, INVALID_TOKEN)


routes: list[BaseRoute] = [
    Route("/v1/apps", create, methods=["POST"]),
    Route("/v1/apps/verify_credentials", verify_credentials, methods=["GET"]),
]
