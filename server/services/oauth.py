"""OAuth 2 as Mastodon speaks it (Doorkeeper's rules): app registration, the
authorization-code grant with optional PKCE (S256 only, as Mastodon advertises), the
client-credentials grant and token revocation (RFC 7009).

Each failure is an `OAuthError` carrying RFC 6749's error code, so the pages and the
token endpoint answer with the names apps expect (`invalid_grant`, `invalid_client`).
Codes live ten minutes and work once; a code presented again revokes the token it gave,
as RFC 6749 section 4.1.2 asks, since a second use means someone else may hold it.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from server.accounts import InvalidAccount, parse_scopes
from server.clock import from_text, now, to_text
from server.scopes import allows
from server.storage import oauth as oauth_store
from server.storage.database import Database
from server.storage.oauth import CodeGrant, OAuthApp
from server.storage.tokens import token_digest

OUT_OF_BAND = "urn:ietf:wg:oauth:2.0:oob"
"""The redirect URI that means "show the code on the page for me to copy"."""
DEFAULT_SCOPES = ("read",)
CODE_LIFETIME = timedelta(minutes=10)
MAX_NAME = 60
MAX_WEBSITE = 2000
MAX_REDIRECT_URIS = 2000
"""Mastodon's limits on an app's name, website and redirect URIs (characters)."""
MAX_STATE = 2000
FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "vbscript", "file", "about", "blob"})
_PKCE_VERIFIER = re.compile(r"\A[A-Za-z0-9._~-]{43,128}\Z")
_PKCE_CHALLENGE = re.compile(r"\A[A-Za-z0-9_-]{43}\Z")


class InvalidApp(Exception):
    """A field of an app registration breaks a rule; `field` names which one."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class OAuthError(Exception):
    """RFC 6749's error: `error` is the code an app reads, `description` the words."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


class UnknownClient(Exception):
    """The client or redirect URI is not one this instance knows: the member must not be
    sent on anywhere, since the address cannot be trusted."""


def parse_redirect_uris(text: str) -> tuple[str, ...]:
    """Absolute URIs without fragments, one per line (custom schemes allowed for mobile
    apps, as Mastodon allows them), or the out-of-band URN."""
    if len(text) > MAX_REDIRECT_URIS:
        raise InvalidApp("redirect_uris", f"is too long (maximum is {MAX_REDIRECT_URIS}"
                         " characters)")
    uris = tuple(dict.fromkeys(line.strip() for line in text.split("\n") if line.strip()))
    if not uris:
        raise InvalidApp("redirect_uris", "can't be blank")
    for uri in uris:
        if uri == OUT_OF_BAND:
            continue
        parts = urlsplit(uri)
        if not parts.scheme or parts.fragment or "#" in uri or any(c.isspace() for c in uri):
            raise InvalidApp("redirect_uris", "must be an absolute URI without a fragment")
        if parts.scheme.lower() in FORBIDDEN_SCHEMES:
            raise InvalidApp("redirect_uris", f"may not use the {parts.scheme}: scheme")
        if parts.scheme.lower() in ("http", "https") and not parts.hostname:
            raise InvalidApp("redirect_uris", "must name a host")
    return uris


def parse_app_scopes(text: str | None) -> tuple[str, ...]:
    if text is None or not text.strip():
        return DEFAULT_SCOPES
    try:
        return parse_scopes(text)
    except InvalidAccount as error:
        raise InvalidApp("scopes", str(error)) from error


def _website(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    website = text.strip()
    if len(website) > MAX_WEBSITE:
        raise InvalidApp("website", f"is too long (maximum is {MAX_WEBSITE} characters)")
    parts = urlsplit(website)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidApp("website", "is not a valid URL")
    return website


@dataclass(frozen=True)
class Registration:
    app: OAuthApp
    client_secret: str
    """Shown to the app once, when it registers; only its digest is kept."""


async def register_app(db: Database, *, name: str | None, website: str | None,
                       redirect_uris: str | None, scopes: str | None) -> Registration:
    clean_name = (name or "").strip()
    if not clean_name:
        raise InvalidApp("name", "can't be blank")
    if len(clean_name) > MAX_NAME:
        raise InvalidApp("name", f"is too long (maximum is {MAX_NAME} characters)")
    uris = parse_redirect_uris(redirect_uris or "")
    granted = parse_app_scopes(scopes)
    site = _website(website)
    secret = secrets.token_urlsafe(32)
    app = await oauth_store.insert_app(
        db, client_id=secrets.token_urlsafe(32), client_secret=secret, name=clean_name,
        website=site, redirect_uris=uris, scopes=granted)
    return Registration(app=app, client_secret=secret)


async def authenticate_client(db: Database, client_id: str, client_secret: str) -> OAuthApp:
    """The app whose id and secret these are; the same answer whichever one is wrong."""
    app = await oauth_store.find_app(db, client_id) if client_id else None
    if app is None or not hmac.compare_digest(app.client_secret_sha256,
                                              token_digest(client_secret)):
        raise OAuthError("invalid_client", "Client authentication failed due to unknown"
                         " client, no client authentication included, or unsupported"
                         " authentication method.", status=401)
    return app


def requested_scopes(app: OAuthApp, text: str | None) -> tuple[str, ...]:
    """The scopes asked for, each within what the app registered (a granular scope is
    within its parent: an app registered for `read` may ask for `read:statuses`)."""
    if text is None or not text.strip():
        return app.scopes
    try:
        scopes = parse_scopes(text)
    except InvalidAccount as error:
        raise OAuthError("invalid_scope", "The requested scope is invalid, unknown, or"
                         " malformed.") from error
    if not all(allows(app.scopes, scope) for scope in scopes):
        raise OAuthError("invalid_scope", "The requested scope is invalid, unknown, or"
                         " malformed.")
    return scopes


@dataclass(frozen=True)
class AuthorizationRequest:
    """A checked request to the consent page, carried through its form unchanged."""

    app: OAuthApp
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    code_challenge: str | None

    def redirect(self, **params: str) -> str:
        """Where to send the member back with the answer (the state echoed back)."""
        if self.state is not None:
            params["state"] = self.state
        return str(add_params_to_uri(self.redirect_uri, list(params.items())))

    def form_fields(self) -> dict[str, str]:
        fields = {"client_id": self.app.client_id, "redirect_uri": self.redirect_uri,
                  "scope": " ".join(self.scopes), "response_type": "code"}
        if self.state is not None:
            fields["state"] = self.state
        if self.code_challenge is not None:
            fields["code_challenge"] = self.code_challenge
            fields["code_challenge_method"] = "S256"
        return fields


@dataclass(frozen=True)
class RefusedRequest:
    """The request named a known app and one of its redirect URIs but is otherwise
    wrong: the app is told, through the redirect (or on the page for out-of-band)."""

    request: AuthorizationRequest
    error: OAuthError


async def read_authorization_request(db: Database, params: Mapping[str, str]
                                     ) -> AuthorizationRequest | RefusedRequest:
    """Check a request to `/oauth/authorize` as Doorkeeper does: the client and redirect
    URI first (raising `UnknownClient`), then everything the app could get wrong."""
    client_id = params.get("client_id", "")
    app = await oauth_store.find_app(db, client_id) if client_id else None
    if app is None:
        raise UnknownClient("The app that sent you here is not registered on this instance.")
    redirect_uri = params.get("redirect_uri") or (
        app.redirect_uris[0] if len(app.redirect_uris) == 1 else "")
    if redirect_uri not in app.redirect_uris:
        raise UnknownClient("The app that sent you here asked to return to an address it did"
                            " not register.")
    state = params.get("state")
    base = AuthorizationRequest(app=app, redirect_uri=redirect_uri, scopes=app.scopes,
                                state=state[:MAX_STATE] if state else None,
                                code_challenge=None)
    try:
        if params.get("response_type") != "code":
            raise OAuthError("unsupported_response_type", "The authorization server does not"
                             " support this response type.")
        scopes = requested_scopes(app, params.get("scope"))
        challenge = _code_challenge(params)
    except OAuthError as error:
        return RefusedRequest(request=base, error=error)
    return AuthorizationRequest(app=app, redirect_uri=redirect_uri, scopes=scopes,
                                state=base.state, code_challenge=challenge)


def _code_challenge(params: Mapping[str, str]) -> str | None:
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")
    if not challenge:
        if method:
            raise OAuthError("invalid_request", "code_challenge_method was sent without a"
                             " code_challenge.")
        return None
    if method != "S256":
        raise OAuthError("invalid_request", "Only the S256 code challenge method is"
                         " supported.")
    if not _PKCE_CHALLENGE.match(challenge):
        raise OAuthError("invalid_request", "The code challenge is malformed.")
    return challenge


async def grant_code(db: Database, request: AuthorizationRequest, account_id: int) -> str:
    """The code for what the member allowed, for the app to exchange within ten minutes."""
    code = secrets.token_urlsafe(32)
    await oauth_store.insert_code(
        db, code=code, app_id=request.app.id, account_id=account_id, scopes=request.scopes,
        redirect_uri=request.redirect_uri, code_challenge=request.code_challenge,
        expires_at=to_text(now() + CODE_LIFETIME))
    return code


def _invalid_grant() -> OAuthError:
    return OAuthError("invalid_grant", "The provided authorization grant is invalid, expired,"
                      " revoked, does not match the redirection URI used in the authorization"
                      " request, or was issued to another client.")


def _check_verifier(grant: CodeGrant, verifier: str | None) -> None:
    if grant.code_challenge is None:
        if verifier:
            raise _invalid_grant()
        return
    if not verifier or not _PKCE_VERIFIER.match(verifier):
        raise _invalid_grant()
    if not hmac.compare_digest(create_s256_code_challenge(verifier), grant.code_challenge):
        raise _invalid_grant()


def token_answer(token: str, scopes: tuple[str, ...]) -> dict[str, Any]:
    """The token endpoint's success body, as Doorkeeper writes it."""
    return {"access_token": token, "token_type": "Bearer", "scope": " ".join(scopes),
            "created_at": int(now().timestamp())}


async def exchange_code(db: Database, app: OAuthApp, *, code: str, redirect_uri: str | None,
                        code_verifier: str | None) -> dict[str, Any]:
    grant = await oauth_store.find_code(db, code) if code else None
    if grant is None or grant.app_id != app.id:
        raise _invalid_grant()
    if grant.used_at is not None:
        await oauth_store.revoke_code_token(db, grant.id)
        raise _invalid_grant()
    if from_text(grant.expires_at) <= now():
        raise _invalid_grant()
    if (redirect_uri or grant.redirect_uri) != grant.redirect_uri:
        raise _invalid_grant()
    _check_verifier(grant, code_verifier)
    token = secrets.token_urlsafe(32)
    if not await oauth_store.exchange_code(db, grant, token=token, label=app.name):
        await oauth_store.revoke_code_token(db, grant.id)
        raise _invalid_grant()
    return token_answer(token, grant.scopes)


async def client_credentials(db: Database, app: OAuthApp, scope: str | None
                             ) -> dict[str, Any]:
    scopes = requested_scopes(app, scope)
    token = secrets.token_urlsafe(32)
    await oauth_store.insert_app_token(db, token=token, app_id=app.id, scopes=scopes)
    return token_answer(token, scopes)


async def revoke(db: Database, app: OAuthApp, token: str) -> None:
    """RFC 7009: an unknown token is no error; another app's token is not this app's to
    revoke (Doorkeeper answers that with `unauthorized_client`)."""
    found = await oauth_store.token_app_id(db, token) if token else None
    if found is None:
        return
    if found[1] != app.id:
        raise OAuthError("unauthorized_client", "You are not authorized to revoke this"
                         " token.", status=403)
    await oauth_store.revoke_by_value(db, token)
