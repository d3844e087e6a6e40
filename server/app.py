"""The Starlette application: routes, middleware and the lifespan that opens storage."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from federation.client import GuardedClient
from server.activitypub import actors as actor_routes
from server.activitypub import inbox as inbox_routes
from server.activitypub import objects as object_routes
from server.activitypub.context import build_federation
from server.api import endpoints as api_endpoints
from server.api import oauth_tokens
from server.api.rate_limits import MASTODON_LIMITS, ApiLimits, RateLimiter
from server.config import Settings, warn_about_unsafe_settings
from server.instance import prepare_instance
from server.storage import accounts as account_store
from server.storage.database import Database
from server.web import (
    admin,
    auth,
    authorize,
    blocklist,
    compose,
    decisions,
    discovery,
    domain_lists,
    domains,
    help,
    keywords,
    media,
    notifications,
    pages,
    people,
    queue,
    reports,
    safety,
    sanctions,
)
from server.web import settings as settings_pages
from server.web.content_policy import page_policy
from server.web.forms import FormRejected
from server.web.guards import NotAllowed, SignInRequired, login_url
from server.web.responses import json_error
from server.web.sessions import Sessions
from server.web.templating import render
from server.workers.delivery import DeliveryWorker
from server.workers.inbound import InboundWorker

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", page_policy().encode("ascii")),
]


class SecurityHeaders:
    """Headers every answer carries: no sniffing, no framing, no third-party anything."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    accept = request.headers.get("accept", "")
    if "text/html" in accept and error.status_code == 404:
        return render(request, "not_found.html", {}, status_code=404)
    return json_error(error.status_code, error.detail)


async def _sign_in_first(request: Request, error: Exception) -> Response:
    assert isinstance(error, SignInRequired)
    return RedirectResponse(login_url(error.next_path), status_code=303)


async def _not_allowed(request: Request, error: Exception) -> Response:
    return render(request, "message.html", {
        "heading": "This page is for the moderation team",
        "paragraphs": ["Your account cannot open this page."],
        "back": "/",
    }, status_code=403)


async def _form_rejected(request: Request, error: Exception) -> Response:
    assert isinstance(error, FormRejected)
    return render(request, "message.html", {
        "heading": "Nothing was saved", "paragraphs": [error.message],
    }, status_code=error.status_code)


_INBOX_PATH = re.compile(r"/(?:inbox|actor/inbox|users/[^/]+/inbox)")


class KinhavenApp(Starlette):
    """Deliveries from other servers, the busiest traffic by far, go straight to the inbox:
    the page middleware (sessions, page security headers) has nothing to do for them."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["method"] == "POST"
                and _INBOX_PATH.fullmatch(scope["path"])):
            scope["app"] = self
            await inbox_routes.inbox(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings, *, api_limits: ApiLimits = MASTODON_LIMITS) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        warn_about_unsafe_settings(settings)
        db = await Database.open(settings.database)
        try:
            app.state.db = db
            instance = await prepare_instance(db, settings)
            app.state.instance = instance
            client = GuardedClient(
                allow_private=settings.insecure_federation,
                user_agent=f"Kinhaven/{version('kinhaven')} (+{instance.urls.base}/)",
            )
            federation = build_federation(db, instance, client)
            app.state.federation = federation
            if await account_store.count_accounts(db, role="admin") == 0:
                logger.warning(
                    "This instance has no admin yet. Create one with:\n"
                    "  kinhaven user create NAME --password PASSWORD --role admin"
                )
            workers: list[InboundWorker | DeliveryWorker] = [
                InboundWorker(federation), DeliveryWorker(federation)
            ]
            app.state.workers = workers
            tasks = [asyncio.create_task(worker.run()) for worker in workers]
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                await client.aclose()
        finally:
            await db.close()

    app = KinhavenApp(
        routes=[
            *inbox_routes.routes,  # the busiest routes first: they are matched in order
            *api_endpoints.routes,
            *discovery.routes,
            *actor_routes.routes,
            *object_routes.routes,
            *media.routes,
            *auth.routes,
            *authorize.routes,
            *oauth_tokens.routes,
            *help.routes,
            *blocklist.routes,
            *admin.routes,
            *reports.routes,
            *queue.routes,
            *safety.routes,
            *sanctions.routes,
            *decisions.routes,
            *keywords.routes,
            *domains.routes,
            *domain_lists.routes,
            *compose.routes,
            *settings_pages.routes,
            *people.routes,
            *notifications.routes,
            *pages.routes,
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=[Middleware(SecurityHeaders), Middleware(Sessions)],
        exception_handlers={
            HTTPException: _http_error,
            SignInRequired: _sign_in_first,
            NotAllowed: _not_allowed,
            FormRejected: _form_rejected,
        },
        lifespan=lifespan,
    )
    app.state.api_rate_limiter = RateLimiter(api_limits)
    return app
