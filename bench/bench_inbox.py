"""Inbox throughput: signed Create(Note) activities a second, accepted and processed.

Three servers, each a separate uvicorn process on loopback, take the same load from
this process: a bare 202 endpoint, one that also parses and verifies (cached key),
and Kinhaven's shared inbox, timed until every activity is stored and visible as a
notification. The ratios say what Kinhaven costs above those floors.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from federation.keys import generate_key_pair
from federation.signatures import sign_request
from tests.instances import free_port

ACTIVITIES = 1500
CONCURRENCY = 32
ROUNDS = 5
KEY = generate_key_pair()


@asynccontextmanager
async def remote_actor_host() -> AsyncIterator[str]:
    """Where the sender's actor document lives, for Kinhaven's one key fetch."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    actor = {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": f"{base}/users/sender", "type": "Person", "preferredUsername": "sender",
        "inbox": f"{base}/users/sender/inbox", "followers": f"{base}/users/sender/followers",
        "publicKey": {"id": f"{base}/users/sender#main-key", "owner": f"{base}/users/sender",
                      "publicKeyPem": KEY.public_pem},
    }

    async def serve_actor(_: Request) -> JSONResponse:
        return JSONResponse(actor, media_type="application/activity+json")

    app = Starlette(routes=[Route("/users/sender", serve_actor)])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield base
    finally:
        server.should_exit = True
        await task


def activities(sender_base: str, member_uri: str) -> list[bytes]:
    sender = f"{sender_base}/users/sender"
    bodies = []
    for _ in range(ACTIVITIES):
        note_id = f"{sender}/statuses/{uuid.uuid4()}"
        bodies.append(json.dumps({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{note_id}/activity", "type": "Create", "actor": sender,
            "to": [member_uri], "cc": [],
            "object": {"id": note_id, "type": "Note", "attributedTo": sender,
                       "content": "<p>thinking of you <a href=\"x\">@member</a></p>",
                       "to": [member_uri], "cc": [],
                       "tag": [{"type": "Mention", "href": member_uri, "name": "@member"}],
                       "published": "2026-12-01T10:00:00Z"},
        }).encode())
    return bodies


def signed(url: str, bodies: list[bytes], key_id: str) -> list[tuple[bytes, dict[str, str]]]:
    return [(body, sign_request(method="POST", url=url, body=body, key_id=key_id,
                                private_key_pem=KEY.private_pem)) for body in bodies]


def _raw(url: str, body: bytes, headers: dict[str, str]) -> bytes:
    """One HTTP/1.1 request as bytes, so the load generator costs little CPU per request."""
    path = "/" + url.split("/", 3)[3]
    lines = [f"POST {path} HTTP/1.1", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def blast(url: str, requests: list[tuple[bytes, dict[str, str]]]) -> float:
    """Send every request over CONCURRENCY keep-alive connections; seconds taken."""
    host, port = url.split("/")[2].split(":")
    queue = [_raw(url, body, headers) for body, headers in reversed(requests)]

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while queue:
                writer.write(queue.pop())
                head = await reader.readuntil(b"\r\n\r\n")
                assert head.startswith(b"HTTP/1.1 202"), head[:200]
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                await reader.readexactly(length)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return time.perf_counter() - started


def start(args: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(args, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{args} did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=30)


def _count(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return int(connection.execute("SELECT count(*) FROM notifications").fetchone()[0])


async def main() -> None:
    """All three servers run side by side and take turns each round, so that the
    machine's noise falls on all of them alike; medians are quoted."""
    results: dict[str, list[float]] = {"bare": [], "verifying": [], "kinhaven": []}
    kinhaven = str(Path(sys.executable).parent / "kinhaven")
    async with remote_actor_host() as sender_base:
        key_id = f"{sender_base}/users/sender#main-key"
        with tempfile.TemporaryDirectory() as folder:
            key_file = Path(folder) / "key.pem"
            key_file.write_text(KEY.public_pem)
            ports = {name: free_port() for name in results}
            database = Path(folder) / "kinhaven.sqlite3"
            env = {"KINHAVEN_DOMAIN": f"127.0.0.1:{ports['kinhaven']}", "KINHAVEN_SCHEME": "http",
                   "KINHAVEN_DATABASE": str(database), "KINHAVEN_INSECURE_FEDERATION": "1"}
            subprocess.run([kinhaven, "user", "create", "member", "--password", "bench password"],
                           env={**os.environ, **env}, check=True, capture_output=True)
            processes: list[subprocess.Popen[bytes]] = []
            try:
                for name in ("bare", "verifying"):
                    processes.append(start(
                        [sys.executable, "-m", "uvicorn", f"bench.baseline_apps:{name}_app",
                         "--port", str(ports[name]), "--log-level", "error"],
                        {"BENCH_KEY_FILE": str(key_file)}, ports[name]))
                processes.append(start([kinhaven, "serve", "--port", str(ports["kinhaven"])],
                                       env, ports["kinhaven"]))
                urls = {name: f"http://127.0.0.1:{port}/inbox" for name, port in ports.items()}
                member = f"http://127.0.0.1:{ports['kinhaven']}/users/member"
                await blast(urls["kinhaven"], signed(urls["kinhaven"],
                                                     activities(sender_base, member)[:1], key_id))
                for _ in range(ROUNDS):
                    for name in ("bare", "verifying"):
                        requests = signed(urls[name], activities(sender_base, member), key_id)
                        results[name].append(ACTIVITIES / await blast(urls[name], requests))
                    requests = signed(urls["kinhaven"], activities(sender_base, member), key_id)
                    target = _count(database) + ACTIVITIES
                    started = time.perf_counter()
                    await blast(urls["kinhaven"], requests)
                    while _count(database) < target:
                        if time.perf_counter() - started > 120:
                            raise RuntimeError("Kinhaven did not process every activity")
                        await asyncio.sleep(0.02)
                    results["kinhaven"].append(ACTIVITIES / (time.perf_counter() - started))
            finally:
                for process in processes:
                    stop(process)
    medians = {name: statistics.median(values) for name, values in results.items()}
    print(f"inbox throughput, {ACTIVITIES} signed Create(Note) per round, {CONCURRENCY} "
          f"connections, median of {ROUNDS} rounds (activities/s):")
    for name, values in results.items():
        print(f"  {name:10} {medians[name]:8.0f}   rounds: "
              + ", ".join(f"{value:.0f}" for value in values))
    print(f"  kinhaven / verifying baseline: {medians['kinhaven'] / medians['verifying']:.2f}")
    print(f"  kinhaven / bare baseline:      {medians['kinhaven'] / medians['bare']:.2f}")
    print(f"  verifying / bare:              {medians['verifying'] / medians['bare']:.2f}")
