"""The OAuth endpoints apps call directly: the token endpoint, revocation, and the
server metadata (RFC 8414) that tells apps where they are and what is supported.

Clients authenticate with their secret in the body (`client_secret_post`, which
Mastodon.py uses) or by HTTP Basic (`client_secret_basic`). Errors are RFC 6749's
`{"error", "error_description"}`, and token answers are never cached.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.api.errors import ApiError
from server.api.params import Params, read_params
from server.api.responses import api_json
from server.scopes import SCOPE_NAMES
from server.services import oauth
from server.services.oauth import OAuthError
from server.storage.oauth import OAuthApp
from server.web.state import db_of, instance_of

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
GRANT_TYPES = ("authorization_code", "client_credentials")


def _oauth_error(error: OAuthError) -> Response:
    headers = dict(NO_STORE)
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="Kinhaven", error="invalid_client"'
    return api_json(error.body(), status_code=error.status, headers=headers)


async def _params(request: Request) -> Params:
    try:
        return await read_params(request)
    except ApiError as error:
        raise OAuthError("invalid_request", error.message, status=error.status) from error


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise OAuthError("invalid_client", "The Basic credentials could not be read.",
                         status=401) from error
    client_id, _, secret = decoded.partition(":")
    return unquote(client_id), unquote(secret)


async def _client(request: Request, params: Params) -> OAuthApp:
    credentials = _basic_credentials(request) or (
        params.text("client_id") or "", params.text("client_secret") or "")
    return await oauth.authenticate_client(db_of(request), *credentials)


async def token(request: Request) -> Response:
    try:
        params = await _params(request)
        grant_type = params.text("grant_type")
        if grant_type not in GRANT_TYPES:
            raise OAuthError("unsupported_grant_type", "The authorization grant type is not"
                             " supported by the authorization server.")
        app = await _client(request, params)
        db = db_of(request)
        if grant_type == "client_credentials":
            answer = await oauth.client_credentials(db, app, params.text("scope"))
        else:
            answer = await oauth.exchange_code(
                db, app, code=params.text("code") or "",
                redirect_uri=params.text("redirect_uri"),
                code_verifier=params.text("code_verifier"))
    except OAuthError as error:
        return _oauth_error(error)
    except ApiError as error:  # a field of the wrong type
        return _oauth_error(OAuthError("invalid_request", error.message))
    return api_json(answer, headers=NO_STORE)


async def revoke(request: Request) -> Response:
    try:
        params = await _params(request)
        app = await _client(request, params)
        await oauth.revoke(db_of(request), app, params.text("token") or "")
    except OAuthError as error:
        return _oauth_error(error)
    except ApiError as error:
        return _oauth_error(OAuthError("invalid_request", error.message))
    return api_json({}, headers=NO_STORE)


async def server_metadata(request: Request) -> Response:
    base = instance_of(request).urls.base
    return api_json({
        "issuer": f"{base}/",
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "app_registration_endpoint": f"{base}/api/v1/apps",
        "scopes_supported": list(SCOPE_NAMES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": list(GRANT_TYPES),
        "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                  "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
    })


routes: list[BaseRoute] = [
    Route("/oauth/token", token, methods=["POST"]),
    Route("/oauth/revoke", revoke, methods=["POST"]),
    Route("/.well-known/oauth-authorization-server", server_metadata, methods=["GET"]),
]
