"""Mastodon's follow requests: the accounts waiting for the member's approval, and
authorizing or rejecting one (by the requesting account's id, as Mastodon does)
through the same relation service as the people page, so the other server is told."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.api.account_entities import relationship_json
from server.api.accounts import federation_of
from server.api.auth import require_scope
from server.api.entities import account_json
from server.api.errors import not_found
from server.api.responses import api_json
from server.api.routing import record_id
from server.services import relations
from server.storage import follows as follow_store
from server.storage.actors import get_actor
from server.web.state import db_of, instance_of


async def listing(request: Request) -> Response:
    caller = await require_scope(request, "read:follows")
    db = db_of(request)
    accounts = []
    for waiting in await follow_store.pending_requests(db, caller.actor.id):
        actor = await get_actor(db, waiting.follower_id)
        if actor is not None and actor.deleted_at is None:
            accounts.append(await account_json(db, instance_of(request), actor))
    return api_json(accounts)


async def _answer(request: Request, *, accept: bool) -> Response:
    caller = await require_scope(request, "write:follows")
    db = db_of(request)
    requester = await get_actor(db, record_id(request))
    wanted = None if requester is None else await follow_store.get_follow(
        db, requester.id, caller.actor.id)
    if requester is None or wanted is None or wanted.state != "pending":
        raise not_found()
    if accept:
        await relations.accept_request(federation_of(request), wanted)
    else:
        await relations.reject_request(federation_of(request), wanted)
    return api_json(await relationship_json(db, caller.actor, requester))


async def authorize(request: Request) -> Response:
    return await _answer(request, accept=True)


async def reject(request: Request) -> Response:
    return await _answer(request, accept=False)


routes: list[BaseRoute] = [
    Route("/v1/follow_requests", listing, methods=["GET"]),
    Route("/v1/follow_requests/{id}/authorize", authorize, methods=["POST"]),
    Route("/v1/follow_requests/{id}/reject", reject, methods=["POST"]),
]
