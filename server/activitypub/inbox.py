"""The inbox: bound, parse, verify, check origin, record durably, answer 202.

Everything after the 202 happens in the inbound worker, so a slow handler never
makes a sender wait and a crash after the 202 loses nothing.
"""

from __future__ import annotations

import json
import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from federation.origin import OriginMismatch, check_origin
from federation.parse import Envelope, MalformedActivity, host_of, parse_envelope
from federation.signatures import HttpRequest, SignatureError, verify_request
from server.activitypub.context import Federation
from server.clock import now
from server.storage.actors import get_actor_by_uri
from server.web.responses import json_error

logger = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024


class BodyTooLarge(Exception):
    pass


class BodyCutShort(Exception):
    pass


def _declared_length(scope: Scope) -> bytes | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return bytes(value)
    return None


async def read_bounded(scope: Scope, receive: Receive, limit: int = MAX_BODY) -> bytes:
    """The body, refusing more than `limit` bytes without reading the rest."""
    declared = _declared_length(scope)
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise BodyTooLarge
    chunks = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise BodyCutShort
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def scope_request(scope: Scope, body: bytes) -> HttpRequest:
    """The framework-free request the signature checks read, straight from the ASGI scope."""
    raw_path = scope.get("raw_path")
    target = raw_path.decode("latin-1") if raw_path is not None else scope["path"]
    query = scope.get("query_string", b"").decode("latin-1")
    if query:
        target = f"{target}?{query}"
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return HttpRequest(method=scope["method"], target=target, headers=headers, body=body)


def http_request(request: Request, body: bytes) -> HttpRequest:
    return scope_request(request.scope, body)


async def _unknown_actor_retraction(federation: Federation, envelope: Envelope) -> bool:
    """A Delete or Update from an actor we never knew: nothing to change, nothing to fetch
    (Mastodon answers these 202 unverified; servers send account deletions far and wide)."""
    if envelope.type not in ("Delete", "Update"):
        return False
    return await get_actor_by_uri(federation.db, envelope.actor) is None


async def _answer(federation: Federation, scope: Scope, receive: Receive) -> Response | None:
    """The refusal to send, or None for a 202."""
    try:
        body = await read_bounded(scope, receive)
    except BodyTooLarge:
        return json_error(413, f"activities are limited to {MAX_BODY} bytes")
    except BodyCutShort:
        return json_error(400, "the request body was cut short")
    try:
        envelope = parse_envelope(json.loads(body))
    except (ValueError, RecursionError):
        return json_error(400, "the body is not JSON")
    except MalformedActivity as error:
        return json_error(400, str(error))
    if await _unknown_actor_retraction(federation, envelope):
        return None
    actor_host = host_of(envelope.actor)
    if await federation.is_suspended(actor_host):
        return json_error(403, "this instance does not federate with your domain")
    try:
        key = await verify_request(scope_request(scope, body), federation.remote.lookup_key,
                                   now=now())
        check_origin(envelope, key.owner)
    except SignatureError as error:
        logger.info("refused %s from %s: %s", envelope.id, envelope.actor, error)
        return json_error(401, f"signature: {error}")
    except OriginMismatch as error:
        logger.info("refused %s: %s", envelope.id, error)
        return json_error(403, str(error))
    if actor_host == federation.instance.settings.domain.lower():
        return json_error(403, "activities of local actors are not accepted from outside")
    # check_origin made the key's owner the actor, so actor_host is the signer's host too.
    await federation.health.answered(actor_host)
    if await federation.recorder.record(envelope.id, envelope.actor, body.decode("utf-8")):
        federation.inbound_ready.set()
    return None


async def inbox(scope: Scope, receive: Receive, send: Send) -> None:
    """A bare ASGI endpoint rather than a Starlette request handler: this is the busiest
    route, and the 202 it mostly sends needs no Request or Response object."""
    refusal = await _answer(scope["app"].state.federation, scope, receive)
    if refusal is not None:
        await refusal(scope, receive, send)
        return
    await send({"type": "http.response.start", "status": 202,
                "headers": [(b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


class _Endpoint:
    """Starlette serves a callable that is not a function as a plain ASGI app."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await inbox(scope, receive, send)


_endpoint = _Endpoint()
routes = [
    Route("/inbox", _endpoint, methods=["POST"]),
    Route("/users/{username}/inbox", _endpoint, methods=["POST"]),
    Route("/actor/inbox", _endpoint, methods=["POST"]),
]
