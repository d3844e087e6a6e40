"""Who is signed in, and the CSRF token every form carries.

The session cookie holds a random token signed with the instance's secret key; the
server keeps only its SHA-256, so signing out (or a password change) ends a session for
good, and a forged or copied-from-backup cookie opens nothing. Visitors who are not
signed in get a separate signed CSRF cookie so the sign-in and application forms are
protected too. CSRF tokens are an HMAC of whichever cookie the visitor has, so they
need no storage and change when the session does.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request, cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.clock import now, to_text
from server.instance import Instance
from server.storage import accounts as account_store
from server.storage import sessions as session_store
from server.storage.accounts import Account
from server.storage.actors import Actor, get_actor
from server.storage.database import Database

SESSION_COOKIE = "kinhaven_session"
CSRF_COOKIE = "kinhaven_csrf"
SESSION_IDLE = timedelta(days=30)
TOUCH_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class Viewer:
    """A signed-in member, as every page and form handler sees them."""

    actor: Actor
    account: Account
    session_token: str


def _serializer(instance: Instance, purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(instance.secret_key, salt=f"kinhaven.{purpose}")


def _unsign(instance: Instance, purpose: str, value: str | None) -> str | None:
    if not value:
        return None
    try:
        token = _serializer(instance, purpose).loads(value)
    except BadSignature:
        return None
    return token if isinstance(token, str) else None


def _cookie_header(instance: Instance, name: str, value: str, *, max_age: int) -> bytes:
    secure = "; Secure" if instance.settings.scheme == "https" else ""
    return (
        f"{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    ).encode("latin-1")


def session_cookie(instance: Instance, token: str) -> bytes:
    signed = _serializer(instance, "session").dumps(token)
    max_age = int(SESSION_IDLE.total_seconds())
    return _cookie_header(instance, SESSION_COOKIE, signed, max_age=max_age)


def expired_session_cookie(instance: Instance) -> bytes:
    return _cookie_header(instance, SESSION_COOKIE, "", max_age=0)


async def start_session(db: Database, instance: Instance, account_id: int) -> bytes:
    """Create a session and return the Set-Cookie value that carries it."""
    token = secrets.token_urlsafe(32)
    await session_store.create_session(db, token=token, account_id=account_id)
    return session_cookie(instance, token)


async def _load_viewer(db: Database, token: str) -> Viewer | None:
    moment = now()
    found = await session_store.session_account(
        db, token, not_before=to_text(moment - SESSION_IDLE)
    )
    if found is None:
        return None
    account_id, last_seen = found
    account = await account_store.get_account(db, account_id)
    actor = await get_actor(db, account_id)
    if account is None or actor is None or not account.approved or account.suspended:
        return None
    if last_seen < to_text(moment - TOUCH_EVERY):
        await session_store.touch_session(db, token)
    return Viewer(actor=actor, account=account, session_token=token)


class SessionState:
    """One request's view of the visitor; the CSRF cookie is made only when a page
    asks for a token, so machine endpoints (the inbox) never pay for it or get one."""

    def __init__(self, instance: Instance, viewer: Viewer | None, visitor: str | None) -> None:
        self.instance = instance
        self.viewer = viewer
        self._visitor = visitor
        self.new_cookie: bytes | None = None

    def csrf_token(self) -> str:
        if self.viewer is not None:
            return _csrf_for(self.instance, f"session:{self.viewer.session_token}")
        if self._visitor is None:
            self._visitor = secrets.token_urlsafe(24)
            signed = _serializer(self.instance, "csrf").dumps(self._visitor)
            self.new_cookie = _cookie_header(self.instance, CSRF_COOKIE, signed, max_age=86400 * 7)
        return _csrf_for(self.instance, f"visitor:{self._visitor}")


def _session_state(request: Request) -> SessionState:
    state: SessionState = request.scope["kinhaven.session"]
    return state


def viewer_of(request: Request) -> Viewer | None:
    return _session_state(request).viewer


def csrf_token(request: Request) -> str:
    """The token forms on this page must send back."""
    return _session_state(request).csrf_token()


def csrf_matches(request: Request, sent: str) -> bool:
    return hmac.compare_digest(csrf_token(request), sent)


def _csrf_for(instance: Instance, seed: str) -> str:
    key = instance.secret_key.encode("utf-8")
    return hmac.new(key, f"csrf:{seed}".encode(), hashlib.sha256).hexdigest()[:40]


class Sessions:
    """ASGI middleware: who the visitor is, for every page and form handler."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        app_state = scope["app"].state
        instance: Instance = app_state.instance
        cookies = _cookies(scope)
        viewer = None
        token = _unsign(instance, "session", cookies.get(SESSION_COOKIE))
        if token is not None:
            viewer = await _load_viewer(app_state.db, token)
        visitor = _unsign(instance, "csrf", cookies.get(CSRF_COOKIE))
        session = SessionState(instance, viewer, visitor)
        scope["kinhaven.session"] = session

        async def send_with_cookie(message: Message) -> None:
            if session.new_cookie is not None and message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"set-cookie", session.new_cookie)]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _cookies(scope: Scope) -> dict[str, str]:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            return cookie_parser(value.decode("latin-1"))
    return {}
