"""The one guarded HTTP client for every remote fetch and delivery.

Every URL we fetch or post to was chosen by someone else: an actor's inbox, a WebFinger
`href`, a `Location` header. So every request goes through one client that refuses, before
connecting, URLs that could reach this machine or its network (server-side request forgery),
and that bounds what a remote server can make us spend: time, memory, redirects.

The address guard runs twice. Before connecting, the host is resolved and refused if *any*
address it resolves to is not public, so a name with one public and one private record cannot
be used. httpx then resolves the name again to connect, and a rebinding name could answer
differently the second time; so the address the socket actually connected to is checked too,
through httpcore's `trace` hook, right after the TCP connect and before TLS or a single byte
of the request is sent. Connections kept alive are reused only for the same scheme, host and
port, and were checked when they were made. `allow_private` (tests, local development)
turns both checks off and allows plain http.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urljoin

import httpx

from federation.activitystreams import ACTIVITY_JSON
from federation.signatures import sign_request, sign_request_rfc9421

ACTIVITY_ACCEPT = "application/activity+json, application/ld+json"
JRD_ACCEPT = "application/jrd+json, application/json"
_ACTIVITY_MEDIA_TYPES = frozenset({"application/activity+json", "application/ld+json"})
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_DRAIN_BYTES = 64 * 1024
# RFC 6052 well-known NAT64 prefix: the last 32 bits are an IPv4 address.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
T = TypeVar("T")


class BlockedURL(Exception):
    """A URL refused before (or instead of) connecting; retrying it will never help."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class FetchError(Exception):
    """A fetch that failed: a bad status, timeout, oversized or malformed answer.

    `status` is the HTTP status when the server answered, None otherwise.
    """

    def __init__(self, url: str, reason: str, *, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r}, {self.reason!r}, status={self.status!r})"


class ObjectGone(FetchError):
    """The object is gone for good (410, or 404 for an object we already knew)."""


@dataclass(frozen=True)
class Signer:
    """Whose key signs a request: the keyId published in an actor document, and its PEM."""

    key_id: str
    private_key_pem: str


@dataclass(frozen=True)
class DeliveryResult:
    """How one POST to an inbox went; `status` is None when no HTTP answer came back."""

    status: int | None
    retry_after: str | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def is_public_address(address: Address) -> bool:
    """True when `address` is on the public internet, after unwrapping IPv4 inside IPv6."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        elif address.sixtofour is not None:
            address = address.sixtofour
        elif address in _NAT64:
            address = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _literal_address(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


HeaderMaker = Callable[[str], dict[str, str]]


class GuardedClient:
    """httpx behind the address guard, with deadlines, size limits and manual redirects."""

    def __init__(
        self,
        *,
        allow_private: bool,
        user_agent: str,
        timeout: float = 10.0,
        max_bytes: int = 1024 * 1024,
        max_redirects: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._allow_private = allow_private
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._max_redirects = max_redirects
        # trust_env=False: a proxy from the environment would make the guard check the wrong
        # address. Identity encoding: the size limit then bounds memory, not a gzip bomb.
        self._http = httpx.AsyncClient(
            headers={"User-Agent": user_agent, "Accept-Encoding": "identity"},
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            trust_env=False,
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def check_url(self, url: str) -> httpx.URL:
        """Parse `url` and refuse it (BlockedURL) unless it may be fetched.

        A name that does not resolve is a FetchError: DNS may recover, a blocked URL won't.
        """
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise BlockedURL(url, f"unparseable URL ({exc})") from exc
        allowed = ("https", "http") if self._allow_private else ("https",)
        if parsed.scheme not in allowed:
            raise BlockedURL(url, f"scheme {parsed.scheme!r} is not allowed")
        if parsed.userinfo:
            raise BlockedURL(url, "credentials in the URL")
        if not parsed.raw_host:
            raise BlockedURL(url, "no host")
        if parsed.port == 0:
            raise BlockedURL(url, "port 0")
        if self._allow_private:
            return parsed
        host = parsed.raw_host.decode("ascii")
        literal = _literal_address(host)
        if literal is not None:
            addresses = [literal]
        else:
            addresses = await self._resolve(url, host, parsed.port or 443)
        for address in addresses:
            if not is_public_address(address):
                raise BlockedURL(url, f"{host} resolves to non-public address {address}")
        return parsed

    async def _resolve(self, url: str, host: str, port: int) -> list[Address]:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchError(url, f"cannot resolve {host}: {exc}") from exc
        if not infos:
            raise FetchError(url, f"{host} has no addresses")
        return [ipaddress.ip_address(str(info[4][0]).partition("%")[0]) for info in infos]

    async def fetch_activity(
        self, url: str, *, signer: Signer, known: bool = False
    ) -> dict[str, Any]:
        """GET an ActivityStreams object, signed as `signer` (secure-mode servers demand it).

        Mastodon's acceptance rules: status exactly 200, an ActivityStreams media type, at
        most `max_bytes`, a JSON object. With `known=True` a 404 raises ObjectGone too.
        """

        def headers(target: str) -> dict[str, str]:
            signed = sign_request(
                method="GET",
                url=target,
                body=None,
                key_id=signer.key_id,
                private_key_pem=signer.private_key_pem,
                accept=ACTIVITY_ACCEPT,
            )
            return {"Accept": ACTIVITY_ACCEPT, **signed}

        return await self._get_json(url, headers, activity=True, known=known)

    async def fetch_jrd(self, url: str) -> dict[str, Any]:
        """GET a WebFinger document, unsigned; like Mastodon, the Content-Type is not checked."""
        return await self._get_json(
            url, lambda _target: {"Accept": JRD_ACCEPT}, activity=False, known=False
        )

    async def post_activity(self, url: str, body: bytes, *, signer: Signer) -> DeliveryResult:
        """POST an activity to an inbox; never raises for what the network or server does.

        A 400 or 401 to the draft-cavage signature is retried once with RFC 9421, as Mastodon
        4.7 does, and the second answer is the result. Redirects are not followed: a
        redirected inbox is reported as its 3xx status. BlockedURL is still raised.
        """
        result = await self._post_once(url, body, signer, rfc9421=False)
        if result.status in (400, 401):
            result = await self._post_once(url, body, signer, rfc9421=True)
        return result

    async def _post_once(
        self, url: str, body: bytes, signer: Signer, *, rfc9421: bool
    ) -> DeliveryResult:
        sign = sign_request_rfc9421 if rfc9421 else sign_request
        try:
            async with asyncio.timeout(self._timeout):
                target = await self.check_url(url)
                headers = sign(
                    method="POST",
                    url=str(target),
                    body=body,
                    key_id=signer.key_id,
                    private_key_pem=signer.private_key_pem,
                    content_type=ACTIVITY_JSON,
                )
                headers.setdefault("Content-Type", ACTIVITY_JSON)
                response = await self._open("POST", target, url, headers, body)
                try:
                    await self._drain(response)
                finally:
                    await response.aclose()
        except TimeoutError:
            return DeliveryResult(status=None, retry_after=None, error="timed out")
        except FetchError as exc:
            return DeliveryResult(status=None, retry_after=None, error=exc.reason)
        status = response.status_code
        return DeliveryResult(
            status=status,
            retry_after=response.headers.get("Retry-After"),
            error=None if 200 <= status < 300 else f"HTTP {status}",
        )

    async def _get_json(
        self, url: str, make_headers: HeaderMaker, *, activity: bool, known: bool
    ) -> dict[str, Any]:
        async def read(current: str, response: httpx.Response) -> dict[str, Any]:
            return await self._read_json(current, response, activity=activity, known=known)

        return await self._get(url, make_headers, read)

    async def fetch_media(
        self, url: str, *, media_types: frozenset[str], max_bytes: int
    ) -> tuple[str, bytes]:
        """GET a media file, unsigned, as the media proxy does: status exactly 200, a
        Content-Type in `media_types`, at most `max_bytes`. Returns (media type, body)."""

        async def read(current: str, response: httpx.Response) -> tuple[str, bytes]:
            status = response.status_code
            if status != 200:
                raise FetchError(current, f"HTTP {status}", status=status)
            media_type = response.headers.get("Content-Type", "").partition(";")[0]
            media_type = media_type.strip().lower()
            if media_type not in media_types:
                raise FetchError(current, f"Content-Type {media_type!r}", status=status)
            return media_type, await self._read_limited(current, response, limit=max_bytes)

        return await self._get(url, lambda _target: {"Accept": ", ".join(media_types)}, read)

    async def _get(
        self, url: str, make_headers: HeaderMaker,
        read: Callable[[str, httpx.Response], Awaitable[T]],
    ) -> T:
        try:
            async with asyncio.timeout(self._timeout):
                return await self._follow(url, make_headers, read)
        except TimeoutError as exc:
            raise FetchError(url, f"no complete answer within {self._timeout} s") from exc

    async def _follow(
        self, url: str, make_headers: HeaderMaker,
        read: Callable[[str, httpx.Response], Awaitable[T]],
    ) -> T:
        current = url
        for _hop in range(self._max_redirects + 1):
            target = await self.check_url(current)
            # Sign the URL as httpx will send it (normalized, percent-encoded, IDNA).
            response = await self._open("GET", target, current, make_headers(str(target)), None)
            try:
                if response.status_code in _REDIRECT_STATUSES:
                    location = response.headers.get("Location")
                    if not location:
                        raise FetchError(
                            current, "redirect without Location", status=response.status_code
                        )
                    current = urljoin(current, location)
                    continue
                return await read(current, response)
            finally:
                await response.aclose()
        raise FetchError(url, f"more than {self._max_redirects} redirects")

    async def _open(
        self,
        method: str,
        target: httpx.URL,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
    ) -> httpx.Response:
        request = self._http.build_request(
            method, target, headers=headers, content=body, extensions={"trace": self._tracer(url)}
        )
        try:
            return await self._http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise FetchError(url, f"{type(exc).__name__}: {exc}".rstrip(": ")) from exc

    def _tracer(self, url: str) -> Callable[[str, dict[str, Any]], Any]:
        """The connect-time half of the guard: check the peer the socket connected to."""

        async def trace(event: str, info: dict[str, Any]) -> None:
            if self._allow_private or event != "connection.connect_tcp.complete":
                return
            stream = info["return_value"]
            peer = stream.get_extra_info("server_addr")
            address = None if peer is None else _literal_address(str(peer[0]).partition("%")[0])
            if address is None or not is_public_address(address):
                await stream.aclose()
                raise BlockedURL(url, f"connected to non-public address {address}")

        return trace

    async def _read_json(
        self, url: str, response: httpx.Response, *, activity: bool, known: bool
    ) -> dict[str, Any]:
        status = response.status_code
        if status == 410 or (status == 404 and known):
            raise ObjectGone(url, f"HTTP {status}", status=status)
        if status != 200:
            raise FetchError(url, f"HTTP {status}", status=status)
        if activity:
            media_type = response.headers.get("Content-Type", "").partition(";")[0]
            if media_type.strip().lower() not in _ACTIVITY_MEDIA_TYPES:
                raise FetchError(url, f"Content-Type {media_type!r}", status=status)
        body = await self._read_limited(url, response)
        try:
            document = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise FetchError(url, "body is not JSON", status=status) from exc
        if not isinstance(document, dict):
            raise FetchError(url, "body is not a JSON object", status=status)
        return document

    async def _read_limited(
        self, url: str, response: httpx.Response, *, limit: int | None = None
    ) -> bytes:
        limit = self._max_bytes if limit is None else limit
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding != "identity":
            raise FetchError(url, f"Content-Encoding {encoding!r}", status=response.status_code)
        declared = response.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise FetchError(url, f"body of {declared} bytes", status=response.status_code)
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in response.aiter_raw():
                size += len(chunk)
                if size > limit:
                    raise FetchError(
                        url, f"body over {limit} bytes", status=response.status_code
                    )
                chunks.append(chunk)
        except httpx.HTTPError as exc:
            reason = f"{type(exc).__name__}: {exc}"
            raise FetchError(url, reason, status=response.status_code) from exc
        return b"".join(chunks)

    async def _drain(self, response: httpx.Response) -> None:
        """Read a small answer so the connection can be kept alive; give up on a big one."""
        size = 0
        try:
            async for chunk in response.aiter_raw():
                size += len(chunk)
                if size > _DRAIN_BYTES:
                    return
        except httpx.HTTPError:
            return
