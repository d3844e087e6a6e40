"""Key ids other than `#main-key`: GoToSocial's `/main-key` path serving a key document
whose owner is the actor, and another fragment; algorithm hs2019 as GoToSocial sends."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from federation.keys import generate_key_pair
from federation.signatures import sign_request
from server.storage import inbound as inbound_store
from server.storage.actors import get_actor_by_uri
from tests.instances import run_instance
from tests.waiting import wait_until

KEY = generate_key_pair()
AS = "https://www.w3.org/ns/activitystreams"


@asynccontextmanager
async def remote(key_path: str) -> AsyncIterator[str]:
    """A server whose one actor publishes its key at `key_path` (relative to the actor)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    actor_id = f"{base}/users/gts"
    key_id = f"{actor_id}{key_path}"
    actor = {
        "@context": [AS, "https://w3id.org/security/v1"], "id": actor_id, "type": "Person",
        "preferredUsername": "gts", "inbox": f"{actor_id}/inbox",
        "publicKey": {"id": key_id, "owner": actor_id, "publicKeyPem": KEY.public_pem},
    }

    async def serve_actor(_: Request) -> Response:
        return JSONResponse(actor, media_type="application/activity+json")

    async def serve_key(_: Request) -> Response:
        document = {"@context": [AS, "https://w3id.org/security/v1"], "id": key_id,
                    "owner": actor_id, "publicKeyPem": KEY.public_pem}
        return JSONResponse(document, media_type="application/activity+json")

    routes = [Route("/users/gts", serve_actor)]
    if not key_path.startswith("#"):
        routes.append(Route(f"/users/gts{key_path}", serve_key))
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=routes), lifespan="off",
                                           log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    async with asyncio.timeout(10):
        while not server.started:
            await asyncio.sleep(0.01)
    try:
        yield actor_id
    finally:
        server.should_exit = True
        await task


@pytest.mark.parametrize("key_path", ["/main-key", "#other-key"])
async def test_other_key_ids_verify(tmp_path: Path, key_path: str) -> None:
    async with run_instance(tmp_path) as kinhaven, remote(key_path) as actor_id:
        await kinhaven.add_member("alice")
        member = f"{kinhaven.base_url}/users/alice"
        activity: dict[str, Any] = {
            "@context": AS, "id": f"{actor_id}/likes/1", "type": "Follow", "actor": actor_id,
            "object": member,
        }
        body = json.dumps(activity).encode()
        headers = sign_request(method="POST", url=f"{kinhaven.base_url}/inbox", body=body,
                               key_id=f"{actor_id}{key_path}", private_key_pem=KEY.private_pem)
        headers["Signature"] = headers["Signature"].replace('"rsa-sha256"', '"hs2019"')
        async with httpx.AsyncClient() as client:
            response = await client.post(f"{kinhaven.base_url}/inbox", content=body,
                                         headers=headers)
        assert response.status_code == 202, response.text

        async def processed() -> tuple[str, str | None] | None:
            state = await inbound_store.state_of(kinhaven.db, activity["id"])
            return state if state and state[0] != "new" else None

        assert await wait_until(processed, what="the Follow") == ("done", None)
        stored = await get_actor_by_uri(kinhaven.db, actor_id)
        assert stored is not None and stored.public_key_id == f"{actor_id}{key_path}"
