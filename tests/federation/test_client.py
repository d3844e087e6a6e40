"""The guarded client against real HTTP servers on 127.0.0.1 (no mocked transport)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import ipaddress
import json
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from httpsig.verify import HeaderVerifier
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from federation import client as client_module
from federation.client import (
    BlockedURL,
    DeliveryResult,
    FetchError,
    GuardedClient,
    ObjectGone,
    Signer,
    is_public_address,
)
from federation.keys import KeyPair, generate_key_pair
from federation.signatures import HttpRequest, parse_signature, verify_signature

AP = "application/activity+json"
KEY_ID = "http://127.0.0.1/actor#main-key"


@cache
def keys() -> KeyPair:
    return generate_key_pair()


def signer() -> Signer:
    return Signer(key_id=KEY_ID, private_key_pem=keys().private_pem)


@dataclass(frozen=True)
class Seen:
    method: str
    target: str  # path and query, exactly as sent
    headers: dict[str, str]
    body: bytes


Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class LoopbackServer:
    base: str
    host: str  # host:port, as it appears in a handle
    seen: list[Seen] = field(default_factory=list)


def _target(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


@dataclass(frozen=True)
class TLSFiles:
    certfile: str
    keyfile: str
    client: ssl.SSLContext


def tls_files(folder: Path) -> TLSFiles:
    """A self-signed certificate for 127.0.0.1 and a client context that trusts only it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return TLSFiles(
        certfile=str(certfile),
        keyfile=str(keyfile),
        client=ssl.create_default_context(cafile=str(certfile)),
    )


@asynccontextmanager
async def serve(handler: Handler, *, tls: TLSFiles | None = None) -> AsyncIterator[LoopbackServer]:
    """uvicorn in this event loop on a free loopback port; records every request it gets."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    scheme = "http" if tls is None else "https"
    served = LoopbackServer(base=f"{scheme}://127.0.0.1:{port}", host=f"127.0.0.1:{port}")

    async def endpoint(request: Request) -> Response:
        body = await request.body()
        served.seen.append(Seen(request.method, _target(request), dict(request.headers), body))
        return await handler(request)

    app = Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "POST"])])
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_level="warning",
        timeout_graceful_shutdown=2,
        ssl_certfile=None if tls is None else tls.certfile,
        ssl_keyfile=None if tls is None else tls.keyfile,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(10):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
        yield served
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)
        sock.close()


@asynccontextmanager
async def guarded(*, allow_private: bool = True, **options: Any) -> AsyncIterator[GuardedClient]:
    client = GuardedClient(allow_private=allow_private, user_agent="kinhaven-test/1", **options)
    try:
        yield client
    finally:
        await client.aclose()


def activity(body: Any = None, *, status: int = 200, media_type: str = AP) -> Response:
    payload = {"id": "https://remote.example/note/1", "type": "Note"} if body is None else body
    return Response(json.dumps(payload), status_code=status, media_type=media_type)


def verify_cavage(seen: Seen, required: list[str]) -> bool:
    verifier = HeaderVerifier(
        headers=seen.headers,
        secret=keys().public_pem,
        required_headers=required,
        method=seen.method,
        path=seen.target,
        sign_header="signature",
    )
    return bool(verifier.verify())


def verify_with_ours(seen: Seen) -> str:
    """Check with federation.signatures (either scheme); returns which scheme it was."""
    request = HttpRequest(seen.method, seen.target, seen.headers, seen.body)
    parsed = parse_signature(request, now=datetime.now(UTC))
    verify_signature(parsed, keys().public_pem)
    assert parsed.key_id == KEY_ID
    return parsed.scheme


def free_closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the address guard ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "::1",
        "10.1.2.3",
        "192.168.0.1",
        "172.16.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104
        "::",
        "224.0.0.1",
        "240.0.0.1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",
        "64:ff9b::7f00:1",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
def test_public_addresses_pass(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


async def test_guard_refuses_local_targets_before_connecting() -> None:
    async def handler(request: Request) -> Response:
        return activity()

    async with serve(handler) as server, guarded(allow_private=False) as client:
        port = server.host.rpartition(":")[2]
        urls = [
            f"https://127.0.0.1:{port}/a",
            f"https://[::1]:{port}/a",
            f"https://[::ffff:127.0.0.1]:{port}/a",
            f"https://localhost:{port}/a",
            f"http://127.0.0.1:{port}/a",
            "http://93.184.215.14/a",  # plain http is refused even to a public address
            "https://10.0.0.7/a",
            "https://169.254.169.254/latest/meta-data",
        ]
        for url in urls:
            with pytest.raises(BlockedURL):
                await client.fetch_activity(url, signer=signer())
            with pytest.raises(BlockedURL):
                await client.fetch_jrd(url)
            with pytest.raises(BlockedURL):
                await client.post_activity(url, b"{}", signer=signer())
        assert server.seen == []


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/a",
        "file:///etc/passwd",
        "http://user:pw@127.0.0.1/a",
        "http://127.0.0.1:0/a",
        "http:///a",
        "http://[::1/a",
    ],
)
async def test_guard_refuses_malformed_urls_even_when_private_is_allowed(url: str) -> None:
    async with guarded(allow_private=True) as client:
        with pytest.raises(BlockedURL):
            await client.fetch_jrd(url)


async def test_guard_allows_loopback_when_private_is_allowed() -> None:
    async def handler(request: Request) -> Response:
        return JSONResponse({"subject": "acct:a@b"})

    async with serve(handler) as server, guarded(allow_private=True) as client:
        assert await client.fetch_jrd(f"{server.base}/jrd") == {"subject": "acct:a@b"}
        assert server.seen[0].headers["user-agent"] == "kinhaven-test/1"


async def test_rebinding_to_loopback_is_caught_at_connect(monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard's lookup sees a public address; the connect-time lookup gets loopback."""

    async def handler(request: Request) -> Response:
        return activity()

    loop = asyncio.get_running_loop()
    real_getaddrinfo = loop.getaddrinfo
    lookups = 0

    async def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal lookups
        if host in ("rebind.test", b"rebind.test"):
            lookups += 1
            address = "93.184.215.14" if lookups == 1 else "127.0.0.1"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port)))]
        return await real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(loop, "getaddrinfo", rebinding)
    async with serve(handler) as server, guarded(allow_private=False) as client:
        port = server.host.rpartition(":")[2]
        with pytest.raises(BlockedURL, match="connected to non-public"):
            await client.fetch_jrd(f"https://rebind.test:{port}/a")
        assert lookups == 2
        assert server.seen == []


# --- limits ---------------------------------------------------------------------------------


async def test_declared_oversized_body_is_refused() -> None:
    async def handler(request: Request) -> Response:
        return Response(b" " * (2 * 1024 * 1024), media_type=AP)

    async with serve(handler) as server, guarded() as client:
        with pytest.raises(FetchError, match="bytes"):
            await client.fetch_activity(f"{server.base}/big", signer=signer())


async def test_streamed_body_is_not_read_past_the_limit() -> None:
    """The server sends 1.5 MiB and then stalls: a client reading on would time out instead."""
    stall = asyncio.Event()
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(24):
            sent += 64 * 1024
            yield b" " * (64 * 1024)
        await stall.wait()
        yield b"{}"

    async def handler(request: Request) -> Response:
        return StreamingResponse(chunks(), media_type=AP)

    try:
        async with serve(handler) as server, guarded(timeout=5.0) as client:
            started = asyncio.get_running_loop().time()
            with pytest.raises(FetchError, match="over 1048576 bytes"):
                await client.fetch_activity(f"{server.base}/stream", signer=signer())
            assert asyncio.get_running_loop().time() - started < 4.0
            stall.set()
    finally:
        stall.set()


async def test_slow_endpoint_times_out_quickly() -> None:
    release = asyncio.Event()

    async def handler(request: Request) -> Response:
        await release.wait()
        return activity()

    try:
        async with serve(handler) as server, guarded(timeout=0.5) as client:
            loop = asyncio.get_running_loop()
            started = loop.time()
            with pytest.raises(FetchError) as caught:
                await client.fetch_activity(f"{server.base}/slow", signer=signer())
            assert caught.value.status is None
            with pytest.raises(FetchError):
                await client.fetch_jrd(f"{server.base}/slow")
            result = await client.post_activity(f"{server.base}/slow", b"{}", signer=signer())
            assert result.status is None
            assert result.error
            assert loop.time() - started < 3.0
            release.set()
    finally:
        release.set()


# --- redirects ------------------------------------------------------------------------------


async def _redirect_chain(request: Request) -> Response:
    hops = int(request.url.path.rsplit("/", 1)[1])
    if hops > 0:
        return RedirectResponse(f"/r/{hops - 1}", status_code=302)
    return activity()


async def test_two_redirects_are_followed_and_each_hop_is_signed_anew() -> None:
    async with serve(_redirect_chain) as server, guarded() as client:
        document = await client.fetch_activity(f"{server.base}/r/2", signer=signer())
        assert document["type"] == "Note"
        assert [seen.target for seen in server.seen] == ["/r/2", "/r/1", "/r/0"]
        for seen in server.seen:
            assert verify_cavage(seen, ["(request-target)", "host", "date"])


async def test_too_many_redirects() -> None:
    async with serve(_redirect_chain) as server, guarded() as client:
        await client.fetch_activity(f"{server.base}/r/3", signer=signer())
        with pytest.raises(FetchError, match="redirects"):
            await client.fetch_activity(f"{server.base}/r/4", signer=signer())


@pytest.mark.parametrize("location", ["file:///etc/passwd", "http://user:pw@127.0.0.1/x"])
async def test_redirect_to_a_blocked_url(location: str) -> None:
    async def handler(request: Request) -> Response:
        return Response(status_code=301, headers={"Location": location})

    async with serve(handler) as server, guarded() as client:
        with pytest.raises(BlockedURL):
            await client.fetch_activity(f"{server.base}/start", signer=signer())
        assert len(server.seen) == 1


async def test_with_the_guard_on_a_redirect_to_a_private_address_is_blocked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The production path: https, both halves of the guard on, a real TLS server.

    Only 127.0.0.1 counts as public here, so the server can be reached at all.
    """
    monkeypatch.setattr(client_module, "is_public_address", lambda a: str(a) == "127.0.0.1")
    context = tls_files(tmp_path)

    async def handler(request: Request) -> Response:
        if request.url.path == "/start":
            return RedirectResponse(str(request.query_params["to"]), status_code=302)
        return activity()

    transport = httpx.AsyncHTTPTransport(verify=context.client)
    async with (
        serve(handler, tls=context) as server,
        guarded(allow_private=False, transport=transport) as client,
    ):
        port = server.host.rpartition(":")[2]
        base = f"https://127.0.0.1:{port}"
        assert (await client.fetch_activity(f"{base}/ok", signer=signer()))["type"] == "Note"
        ok = await client.fetch_activity(f"{base}/start?to={base}/ok", signer=signer())
        assert ok["type"] == "Note"
        server.seen.clear()
        with pytest.raises(BlockedURL):
            await client.fetch_activity(
                f"{base}/start?to=https://127.0.0.2:{port}/ok", signer=signer()
            )
        assert [seen.target.partition("?")[0] for seen in server.seen] == ["/start"]


async def test_a_name_with_any_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    loop = asyncio.get_running_loop()

    async def mixed(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        assert host == "mixed.test"
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", int(port))),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.1", int(port))),
        ]

    monkeypatch.setattr(loop, "getaddrinfo", mixed)
    async with guarded(allow_private=False) as client:
        with pytest.raises(BlockedURL, match=r"10\.0\.0\.1"):
            await client.fetch_jrd("https://mixed.test/.well-known/webfinger")


# --- acceptance rules -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "media_type",
    [
        AP,
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        "application/ld+json",
        "Application/Activity+JSON; charset=utf-8",
    ],
)
async def test_activity_media_types_accepted(media_type: str) -> None:
    async def handler(request: Request) -> Response:
        return activity(media_type=media_type)

    async with serve(handler) as server, guarded() as client:
        assert (await client.fetch_activity(server.base, signer=signer()))["type"] == "Note"


@pytest.mark.parametrize("media_type", ["text/html", "application/json", "text/plain"])
async def test_other_media_types_refused(media_type: str) -> None:
    async def handler(request: Request) -> Response:
        return activity(media_type=media_type)

    async with serve(handler) as server, guarded() as client:
        with pytest.raises(FetchError, match="Content-Type"):
            await client.fetch_activity(server.base, signer=signer())


@pytest.mark.parametrize("status", [201, 203, 204, 404, 500, 503])
async def test_status_must_be_exactly_200(status: int) -> None:
    async def handler(request: Request) -> Response:
        return activity(status=status)

    async with serve(handler) as server, guarded() as client:
        with pytest.raises(FetchError) as caught:
            await client.fetch_activity(server.base, signer=signer())
        assert caught.value.status == status
        assert type(caught.value) is FetchError


async def test_410_is_gone_and_404_is_gone_for_known_objects() -> None:
    async def handler(request: Request) -> Response:
        return activity(status=410 if request.url.path == "/gone" else 404)

    async with serve(handler) as server, guarded() as client:
        with pytest.raises(ObjectGone) as caught:
            await client.fetch_activity(f"{server.base}/gone", signer=signer())
        assert caught.value.status == 410
        with pytest.raises(ObjectGone):
            await client.fetch_activity(f"{server.base}/missing", signer=signer(), known=True)
        with pytest.raises(ObjectGone):
            await client.fetch_jrd(f"{server.base}/gone")


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b'"text"', b"[" * 100_000])
async def test_body_must_be_a_json_object(body: bytes) -> None:
    async def handler(request: Request) -> Response:
        return Response(body, media_type=AP)

    async with serve(handler) as server, guarded() as client:
        with pytest.raises(FetchError, match="JSON"):
            await client.fetch_activity(server.base, signer=signer())
        with pytest.raises(FetchError, match="JSON"):
            await client.fetch_jrd(server.base)


async def test_fetch_is_signed_and_asks_for_activitystreams() -> None:
    async def handler(request: Request) -> Response:
        return activity()

    async with serve(handler) as server, guarded() as client:
        await client.fetch_activity(f"{server.base}/users/1?page=2", signer=signer())
        (seen,) = server.seen
        assert seen.target == "/users/1?page=2"
        assert "application/activity+json" in seen.headers["accept"]
        assert "application/ld+json" in seen.headers["accept"]
        assert f'keyId="{KEY_ID}"' in seen.headers["signature"]
        assert verify_cavage(seen, ["(request-target)", "host", "date"])
        assert verify_with_ours(seen) == "cavage"


async def test_jrd_fetch_is_unsigned_and_ignores_content_type() -> None:
    async def handler(request: Request) -> Response:
        return Response(json.dumps({"subject": "acct:a@b"}), media_type="text/plain")

    async with serve(handler) as server, guarded() as client:
        assert await client.fetch_jrd(server.base) == {"subject": "acct:a@b"}
        (seen,) = server.seen
        assert seen.headers["accept"] == "application/jrd+json, application/json"
        assert "signature" not in seen.headers


# --- delivery -------------------------------------------------------------------------------


async def test_post_is_signed_with_digest() -> None:
    body = b'{"type":"Follow"}'

    async def handler(request: Request) -> Response:
        return Response(status_code=202)

    async with serve(handler) as server, guarded() as client:
        result = await client.post_activity(f"{server.base}/inbox", body, signer=signer())
        assert result == DeliveryResult(status=202, retry_after=None, error=None)
        (seen,) = server.seen
        assert seen.body == body
        assert seen.headers["content-type"] == AP
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        assert seen.headers["digest"] == f"SHA-256={digest}"
        assert verify_cavage(seen, ["(request-target)", "host", "date", "digest"])
        assert verify_with_ours(seen) == "cavage"


async def test_post_reports_status_and_retry_after() -> None:
    async def handler(request: Request) -> Response:
        if request.url.path == "/busy":
            return Response("slow down", status_code=429, headers={"Retry-After": "120"})
        return Response(status_code=500)

    async with serve(handler) as server, guarded() as client:
        busy = await client.post_activity(f"{server.base}/busy", b"{}", signer=signer())
        assert (busy.status, busy.retry_after) == (429, "120")
        broken = await client.post_activity(f"{server.base}/broken", b"{}", signer=signer())
        assert broken.status == 500
        assert broken.error == "HTTP 500"
        assert not broken.ok


async def test_post_connection_refused_is_a_result() -> None:
    async with guarded() as client:
        url = f"http://127.0.0.1:{free_closed_port()}/inbox"
        result = await client.post_activity(url, b"{}", signer=signer())
        assert result.status is None
        assert result.error


async def test_post_to_an_unresolvable_name_is_a_result() -> None:
    async with guarded(allow_private=False) as client:
        result = await client.post_activity("https://nowhere.invalid/inbox", b"{}", signer=signer())
        assert result.status is None
        assert result.error


@pytest.mark.parametrize("refusal", [400, 401])
async def test_cavage_refusal_is_retried_once_with_rfc9421(refusal: int) -> None:
    async def handler(request: Request) -> Response:
        if "signature-input" in request.headers:
            return Response(status_code=202)
        return Response(status_code=refusal)

    async with serve(handler) as server, guarded() as client:
        result = await client.post_activity(f"{server.base}/inbox", b"{}", signer=signer())
        assert result.status == 202
        first, second = server.seen
        assert "signature-input" not in first.headers
        assert "signature-input" in second.headers
        assert "content-digest" in second.headers
        assert verify_with_ours(first) == "cavage"
        assert verify_with_ours(second) == "rfc9421"


async def test_rfc9421_retry_happens_only_once() -> None:
    async def handler(request: Request) -> Response:
        return Response(status_code=401)

    async with serve(handler) as server, guarded() as client:
        result = await client.post_activity(f"{server.base}/inbox", b"{}", signer=signer())
        assert result.status == 401
        assert len(server.seen) == 2


async def test_other_refusals_are_not_retried() -> None:
    async def handler(request: Request) -> Response:
        return Response(status_code=403)

    async with serve(handler) as server, guarded() as client:
        result = await client.post_activity(f"{server.base}/inbox", b"{}", signer=signer())
        assert result.status == 403
        assert len(server.seen) == 1
