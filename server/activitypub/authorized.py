"""Authorized fetch: who signed a GET, and whether the instance demands a signature.

With the setting on (Mastodon's secure mode), every ActivityPub GET but the instance
actor's needs a valid signature; otherwise signatures only unlock private posts.
"""

from __future__ import annotations

from starlette.requests import Request

from federation.signatures import SignatureError, verify_request
from server.activitypub.context import Federation
from server.activitypub.inbox import http_request
from server.clock import now
from server.storage.actors import Actor, get_actor_by_uri
from server.storage.settings import get_setting

SECURE_MODE_SETTING = "authorized_fetch"


async def signed_requester(federation: Federation, request: Request) -> Actor | None:
    """The remote actor that signed this GET, or None if unsigned or not verifiable."""
    if "signature" not in request.headers and "signature-input" not in request.headers:
        return None
    try:
        key = await verify_request(http_request(request, b""), federation.remote.lookup_key,
                                   now=now())
    except SignatureError:
        return None
    return await get_actor_by_uri(federation.db, key.owner)


async def secure_mode(federation: Federation) -> bool:
    return await get_setting(federation.db, SECURE_MODE_SETTING) == "1"


async def refused_unsigned(federation: Federation, request: Request) -> bool:
    """True when secure mode is on and this request carries no valid signature."""
    return await secure_mode(federation) and await signed_requester(federation, request) is None
