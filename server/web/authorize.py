"""The consent page: a signed-in member decides whether an app may use their account.

A request naming an unknown app or an address the app did not register gets a page
of its own and no redirect, since nobody can say where such a link would lead. The
page says in plain words what each scope allows. Mastodon apps often return to a
custom scheme (`tusky://`), so this page's Content-Security-Policy lets its form
lead there, and only there.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.services import oauth
from server.services.oauth import AuthorizationRequest, RefusedRequest, UnknownClient
from server.web.content_policy import page_policy
from server.web.forms import read_form, text_field
from server.web.guards import require_viewer
from server.web.state import db_of
from server.web.templating import render

AUTHORIZE_FIELDS = ("client_id", "redirect_uri", "scope", "response_type", "state",
                    "code_challenge", "code_challenge_method")
SCOPE_WORDS = {
    "read": "See everything in your account: your posts, timelines, notifications,"
            " profile, bookmarks, filters and the people you follow, block and mute",
    "write": "Do things as you: post, reply, boost, favourite, edit your profile and"
             " settings, follow, block, mute and report",
    "follow": "Follow and unfollow, block and unblock, mute and unmute people as you",
    "push": "Receive push notifications for you (Kinhaven does not send these yet)",
    "admin:read": "See moderation information: accounts, reports and server policies",
    "admin:write": "Take moderation actions as you",
}
_SOURCE_CHARACTERS = re.compile(r"\A[a-z][a-z0-9+.-]*\Z")


def scope_descriptions(scopes: tuple[str, ...]) -> list[str]:
    """Plain words for each scope: granular ones name the part of the account."""
    described = []
    for scope in scopes:
        if scope in SCOPE_WORDS:
            described.append(SCOPE_WORDS[scope])
            continue
        parent, _, part = scope.rpartition(":")
        noun = part.replace("_", " ")
        verb = {"read": "See your", "write": "Change your", "admin:read": "See the server's",
                "admin:write": "Act on the server's"}.get(parent, "Use your")
        described.append(f"{verb} {noun}")
    return described


def _form_target(redirect_uri: str) -> str:
    """The CSP source for the app's redirect URI: its origin, or its custom scheme."""
    if redirect_uri == oauth.OUT_OF_BAND:
        return ""
    parts = urlsplit(redirect_uri)
    scheme = parts.scheme.lower()
    if not _SOURCE_CHARACTERS.match(scheme):
        return ""
    if scheme in ("http", "https"):
        host = parts.netloc.rpartition("@")[2].lower()
        return f"{scheme}://{host}" if re.fullmatch(r"[a-z0-9.:\[\]-]+", host) else ""
    return f"{scheme}:"


def _unknown_client(request: Request, error: UnknownClient) -> Response:
    return render(request, "message.html", {
        "heading": "This link cannot be used",
        "paragraphs": [str(error), "Nothing has been shared with the app. If you were"
                       " trying to sign in to an app, please start again from the app."],
    }, status_code=400)


def _refused(request: Request, refused: RefusedRequest) -> Response:
    if refused.request.redirect_uri == oauth.OUT_OF_BAND:
        return render(request, "message.html", {
            "heading": "The app asked for something this server cannot give",
            "paragraphs": [refused.error.description, "Nothing has been shared with the"
                           " app."],
        }, status_code=400)
    return RedirectResponse(
        refused.request.redirect(error=refused.error.error,
                                 error_description=refused.error.description),
        status_code=302)


def _consent_page(request: Request, grant: AuthorizationRequest) -> Response:
    response = render(request, "oauth_authorize.html", {
        "app": grant.app,
        "fields": grant.form_fields(),
        "abilities": scope_descriptions(grant.scopes),
    })
    response.headers["content-security-policy"] = page_policy(
        form_action=_form_target(grant.redirect_uri))
    return response


async def authorize_page(request: Request) -> Response:
    require_viewer(request)
    params = {name: request.query_params[name] for name in AUTHORIZE_FIELDS
              if name in request.query_params}
    try:
        checked = await oauth.read_authorization_request(db_of(request), params)
    except UnknownClient as error:
        return _unknown_client(request, error)
    if isinstance(checked, RefusedRequest):
        return _refused(request, checked)
    return _consent_page(request, checked)


async def decide(request: Request) -> Response:
    form = await read_form(request)
    viewer = require_viewer(request)
    params = {name: text_field(form, name) for name in AUTHORIZE_FIELDS if name in form}
    db = db_of(request)
    try:
        checked = await oauth.read_authorization_request(db, params)
    except UnknownClient as error:
        return _unknown_client(request, error)
    if isinstance(checked, RefusedRequest):
        return _refused(request, checked)
    if text_field(form, "decision") != "allow":
        if checked.redirect_uri == oauth.OUT_OF_BAND:
            return render(request, "message.html", {
                "heading": "Nothing was shared",
                "paragraphs": [f"{checked.app.name} was not given access to your account."],
                "back": "/home",
            })
        return RedirectResponse(checked.redirect(
            error="access_denied",
            error_description="The resource owner or authorization server denied the"
                              " request."), status_code=302)
    code = await oauth.grant_code(db, checked, viewer.account.actor_id)
    if checked.redirect_uri == oauth.OUT_OF_BAND:
        return render(request, "oauth_code.html", {"app": checked.app, "code": code})
    return RedirectResponse(checked.redirect(code=code), status_code=302)


routes = [
    Route("/oauth/authorize", authorize_page, methods=["GET"]),
    Route("/oauth/authorize", decide, methods=["POST"]),
]
