"""The inbox: bound, parse, verify, check origin, record durably, answer 202.

Everything after the 202 happens in the inbound worker, so a slow handler never
makes a sender wait and a crash after the 202 loses nothing.
"""

from __future__ import annotations

import json
import logging

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from federation.origin import OriginMismatch, check_origin
from federation.parse import Envelope, MalformedActivity, host_of, parse_envelope
from federation.signatures import HttpRequest, SignatureError, verify_request
from server.activitypub.context import Federation, federation_of
from server.clock import now
from server.storage.actors import get_actor_by_uri
from server.web.responses import json_error

logger = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024


class BodyTooLarge(Exception):
    pass


async def read_bounded(request: Request, limit: int = MAX_BODY) -> bytes:
    """The body, refusing more than `limit` bytes without reading the rest."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise BodyTooLarge
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def http_request(request: Request, body: bytes) -> HttpRequest:
    target = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
    query = request.scope.get("query_string", b"").decode("latin-1")
    if query:
        target = f"{target}?{query}"
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return HttpRequest(method=request.method, target=target, headers=headers, body=body)


async def _unknown_actor_retraction(federation: Federation, envelope: Envelope) -> bool:
    """A Delete or Update from an actor we never knew: nothing to change, nothing to fetch
    (Mastodon answers these 202 unverified; servers send account deletions far and wide)."""
    if envelope.type not in ("Delete", "Update"):
        return False
    return await get_actor_by_uri(federation.db, envelope.actor) is None


async def inbox(request: Request) -> Response:
    federation = federation_of(request)
    try:
        body = await read_bounded(request)
    except BodyTooLarge:
        return json_error(413, f"activities are limited to {MAX_BODY} bytes")
    except ClientDisconnect:
        return json_error(400, "the request body was cut short")
    try:
        envelope = parse_envelope(json.loads(body))
    except (ValueError, RecursionError):
        return json_error(400, "the body is not JSON")
    except MalformedActivity as error:
        return json_error(400, str(error))
    if await _unknown_actor_retraction(federation, envelope):
        return Response(status_code=202)
    if await federation.is_suspended(host_of(envelope.actor)):
        return json_error(403, "this instance does not federate with your domain")
    try:
        key = await verify_request(
            http_request(request, body), federation.remote.lookup_key, now=now()
        )
        check_origin(envelope, key.owner)
    except SignatureError as error:
        logger.info("refused %s from %s: %s", envelope.id, envelope.actor, error)
        return json_error(401, f"signature: {error}")
    except OriginMismatch as error:
        logger.info("refused %s: %s", envelope.id, error)
        return json_error(403, str(error))
    if host_of(envelope.actor) == federation.instance.settings.domain.lower():
        return json_error(403, "activities of local actors are not accepted from outside")
    await federation.health.answered(host_of(key.owner))
    if await federation.recorder.record(envelope.id, envelope.actor, body.decode("utf-8")):
        federation.inbound_ready.set()
    return Response(status_code=202)


routes = [
    Route("/inbox", inbox, methods=["POST"]),
    Route("/users/{username}/inbox", inbox, methods=["POST"]),
    Route("/actor/inbox", inbox, methods=["POST"]),
]
