"""Who is calling the API: a bearer token, its account, and what the token allows.

Only the `Authorization: Bearer` header is read. The API never looks at the session
cookie, so another site cannot make a signed-in browser call it (there is nothing for
CSRF to ride on), and tokens are not taken from URLs, where they would end up in logs.

Scopes follow Mastodon: `read` covers every `read:*`, `write` every `write:*`,
`admin:read` every `admin:read:*` and `admin:write` every `admin:write:*`; `read` and
`write` cover no admin scope; the old `follow` scope covers reading and changing
follows, blocks and mutes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from starlette.requests import Request

from server.api.errors import INVALID_TOKEN, LOGIN_DISABLED, NOT_ALLOWED, OUTSIDE_SCOPES, ApiError
from server.storage import accounts as account_store
from server.storage.accounts import Account
from server.storage.actors import Actor, get_actor
from server.storage.tokens import AccessToken, find_token
from server.web.state import db_of

MAX_TOKEN = 512
PARENT_SCOPES = ("read", "write", "admin:read", "admin:write")
FOLLOW_SCOPES = frozenset({"read:follows", "write:follows", "read:blocks", "write:blocks",
                           "read:mutes", "write:mutes"})


def covers(granted: str, wanted: str) -> bool:
    """Whether a token holding the scope `granted` may do what needs `wanted`."""
    if granted == wanted:
        return True
    if granted == "follow":
        return wanted in FOLLOW_SCOPES
    return granted in PARENT_SCOPES and wanted.startswith(f"{granted}:")


def allows(granted: Iterable[str], wanted: str) -> bool:
    return any(covers(scope, wanted) for scope in granted)


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


async def authenticate(request: Request) -> Caller:
    """The caller, or 401 for a missing, unknown or revoked token and 403 for an account
    that may not act (suspended, closed, not or no longer approved)."""
    text = bearer_token(request)
    token = None if text is None else await find_token(db_of(request), text)
    if token is None:
        raise ApiError(401, INVALID_TOKEN)
    db = db_of(request)
    account = await account_store.get_account(db, token.account_id)
    actor = await get_actor(db, token.account_id)
    if account is None or actor is None:
        raise ApiError(401, INVALID_TOKEN)
    if not account.approved or account.suspended or actor.deleted_at is not None:
        raise ApiError(403, LOGIN_DISABLED)
    return Caller(token=token, account=account, actor=actor)


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
