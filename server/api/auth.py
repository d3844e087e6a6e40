"""Who is calling the API: a bearer token, its account, and what the token allows.

Only the `Authorization: Bearer` header is read. The API never looks at the session
cookie, so another site cannot make a signed-in browser call it (there is nothing for
CSRF to ride on), and tokens are not taken from URLs, where they would end up in logs.

Scopes follow Mastodon (see `server.scopes`).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from server.api.errors import INVALID_TOKEN, LOGIN_DISABLED, NOT_ALLOWED, OUTSIDE_SCOPES, ApiError
from server.scopes import allows
from server.storage import accounts as account_store
from server.storage.accounts import Account
from server.storage.actors import Actor, get_actor
from server.storage.oauth import find_app_token
from server.storage.tokens import AccessToken, find_token
from server.web.state import db_of

MAX_TOKEN = 512
NEEDS_MEMBER = "This method requires an authenticated user"


@dataclass(frozen=True)
class Caller:
    """The member behind a valid token."""

    token: AccessToken
    account: Account
    actor: Actor

    @property
    def by_name(self) -> str:
        """How the audit log names them, as the pages do."""
        return f"@{self.actor.username}"


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN:
        return None
    return token


_UNSEEN = object()


async def looked_up_token(request: Request) -> AccessToken | None:
    """The member's token the request carries, looked up once a request: the API's rate
    limiter asks first, and `authenticate` takes the same answer."""
    found = getattr(request.state, "api_token", _UNSEEN)
    if found is _UNSEEN:
        text = bearer_token(request)
        found = None if text is None else await find_token(db_of(request), text)
        request.state.api_token = found
    assert found is None or isinstance(found, AccessToken)
    return found


async def authenticate(request: Request) -> Caller:
    """The caller, or 401 for a missing, unknown or revoked token and 403 for an account
    that may not act (suspended, closed, not or no longer approved)."""
    text = bearer_token(request)
    db = db_of(request)
    token = await looked_up_token(request)
    if token is None:
        if text is not None and await find_app_token(db, text) is not None:
            raise ApiError(422, NEEDS_MEMBER)
        raise ApiError(401, INVALID_TOKEN)
    account = await account_store.get_account(db, token.account_id)
    actor = await get_actor(db, token.account_id)
    if account is None or actor is None:
        raise ApiError(401, INVALID_TOKEN)
    if not account.approved or account.suspended or actor.deleted_at is not None:
        raise ApiError(403, LOGIN_DISABLED)
    return Caller(token=token, account=account, actor=actor)


async def app_only(request: Request, scope: str) -> bool:
    """Whether the request carries an app's own token (client credentials) allowing
    `scope`: such a caller reads what anyone may, as if signed out. Any other token
    that is not a member's is refused as unknown."""
    text = bearer_token(request)
    app_token = None if text is None else await find_app_token(db_of(request), text)
    if app_token is None:
        return False
    if not allows(app_token.scopes, scope):
        raise ApiError(403, OUTSIDE_SCOPES)
    return True


async def require_scope(request: Request, scope: str) -> Caller:
    caller = await authenticate(request)
    if not allows(caller.token.scopes, scope):
        raise ApiError(403, OUTSIDE_SCOPES)
    return caller


async def require_moderator(request: Request, scope: str) -> Caller:
    """For the admin API: the token must hold `scope` and its account must be on the
    team (a moderator or an admin), checked in that order as Mastodon does."""
    caller = await require_scope(request, scope)
    if not caller.account.can_moderate:
        raise ApiError(403, NOT_ALLOWED)
    return caller
