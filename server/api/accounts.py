"""Mastodon's accounts endpoints: the signed-in member's own account, and one account
by id or by name, shown as the public profile any client may see."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.api.auth import require_scope
from server.api.entities import account_json
from server.api.errors import not_found
from server.api.responses import api_json
from server.api.routing import record_id
from server.storage.actors import Actor, get_actor, get_local_actor_by_username
from server.web.state import db_of, instance_of


def _shown(actor: Actor | None) -> Actor:
    """Deleted accounts and the instance's own service actors are not found."""
    if actor is None or actor.deleted_at is not None \
            or (actor.local and actor.actor_type != "Person"):
        raise not_found()
    return actor


async def verify_credentials(request: Request) -> Response:
    caller = await require_scope(request, "read:accounts")
    return api_json(await account_json(db_of(request), instance_of(request), caller.actor))


async def one(request: Request) -> Response:
    await require_scope(request, "read:accounts")
    actor = _shown(await get_actor(db_of(request), record_id(request)))
    return api_json(await account_json(db_of(request), instance_of(request), actor))


async def lookup(request: Request) -> Response:
    await require_scope(request, "read:accounts")
    name = request.query_params.get("acct", "").removeprefix("@")
    actor = _shown(await get_local_actor_by_username(db_of(request), name)) if name \
        and "@" not in name else None
    if actor is None:
        raise not_found()
    return api_json(await account_json(db_of(request), instance_of(request), actor))


routes: list[BaseRoute] = [
    Route("/v1/accounts/verify_credentials", verify_credentials, methods=["GET"]),
    Route("/v1/accounts/lookup", lookup, methods=["GET"]),
    Route("/v1/accounts/{id}", one, methods=["GET"]),
]
