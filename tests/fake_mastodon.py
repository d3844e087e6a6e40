"""A fake Mastodon 4.7 server for flow tests, built from MASTODON-INTEROP.md.

It is a real HTTP server (Starlette under uvicorn, on a loopback port, in the test's
own event loop) and it shares no code with Kinhaven: it signs and verifies with the
`httpsig` package and makes its keys with `cryptography`, so it cross-checks our
own implementation instead of agreeing with it by construction.

    async with run_fake_mastodon() as fake:
        bob = fake.add_account("bob")
        await fake.deliver(bob, alice_inbox, fake.follow(bob, alice_uri))
        accept = await fake.wait_for(lambda a: a["type"] == "Accept")

Builders (`follow`, `public_note`, `like`, ...) only build activities in Mastodon's
shapes; `deliver` signs and POSTs them. Everything that arrives on an inbox is kept
in `inbox`, every GET served in `get_log` and `gets`, every POST sent in `sent`.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import hashlib
import html
import itertools
import json
import logging
import re
import socket
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.request import parse_http_list

import httpx
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageVerifier,
    MappingKeyResolver,
    algorithms,
)
from httpsig.sign import HeaderSigner
from httpsig.verify import HeaderVerifier
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

logger = logging.getLogger(__name__)

AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = f"{AS}#Public"
ACTIVITY_JSON = "application/activity+json; charset=utf-8"
ACCEPT_ACTIVITY = "application/activity+json, application/ld+json"
MAX_JSON_SIZE = 1024 * 1024
INSTANCE_USERNAME = "mastodon.internal"
FOLLOWERS_PAGE_SIZE = 12
SIGNATURE_ORDERS = {
    # version: (POST headers=, GET headers=), MASTODON-INTEROP.md §3
    "4.5": ("host date digest content-type (request-target)", "host date accept (request-target)"),
    "4.6": ("host date digest content-type (request-target)", "host date accept (request-target)"),
    "4.7": ("host date content-type digest (request-target)", "host date (request-target)"),
}
ACTOR_CONTEXT: list[Any] = [
    AS,
    "https://w3id.org/security/v1",
    "https://purl.archive.org/socialweb/webfinger",
    {
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "toot": "http://joinmastodon.org/ns#",
        "featured": {"@id": "toot:featured", "@type": "@id"},
        "discoverable": "toot:discoverable",
        "indexable": "toot:indexable",
        "memorial": "toot:memorial",
    },
]
NOTE_CONTEXT: list[Any] = [
    AS,
    {
        "ostatus": "http://ostatus.org#",
        "atomUri": "ostatus:atomUri",
        "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
        "conversation": "ostatus:conversation",
        "sensitive": "as:sensitive",
        "toot": "http://joinmastodon.org/ns#",
        "blurhash": "toot:blurhash",
        "Hashtag": "as:Hashtag",
    },
]

Activity = dict[str, Any]


class KeyFetchError(Exception):
    """The signer's key could not be fetched or is not where Mastodon looks for it."""


@dataclass
class FakeAccount:
    """One local account of the fake; `followers` and `following` hold actor URIs."""

    number: int
    username: str
    id: str
    inbox: str
    url: str
    private_key_pem: str
    public_key_pem: str
    locked: bool = False
    type: str = "Person"
    name: str = ""
    summary: str = ""
    published: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    followers: list[str] = field(default_factory=list)
    following: list[str] = field(default_factory=list)
    follow_requests: list[Activity] = field(default_factory=list)
    deleted: bool = False

    @property
    def key_id(self) -> str:
        return f"{self.id}#main-key"

    @property
    def followers_url(self) -> str:
        return f"{self.id}/followers"

    @property
    def following_url(self) -> str:
        return f"{self.id}/following"

    @property
    def outbox(self) -> str:
        return f"{self.id}/outbox"


@dataclass
class Received:
    """One POST that reached an inbox, and how the fake answered it."""

    path: str
    activity: Activity | None
    signature_ok: bool
    headers: dict[str, str]
    status: int
    body: bytes = b""
    key_id: str | None = None
    signer: str | None = None  # the key's owner, when the signature verified
    error: str | None = None  # why the signature did not verify


@dataclass
class ServedGet:
    path: str  # with the query string
    headers: dict[str, str]
    signed: bool  # a Signature header was present
    signature_ok: bool | None  # None: not checked (unprotected, or not secure mode)
    status: int = 0
    error: str | None = None


@dataclass
class Sent:
    url: str
    activity: Activity
    status: int


@dataclass(frozen=True)
class Verdict:
    ok: bool
    key_id: str | None = None
    signer: str | None = None
    error: str | None = None


def httpdate() -> str:
    return email.utils.formatdate(usegmt=True)


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def digest_header(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def generate_keypair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")
    return private, public


def _digest_matches(header: str, body: bytes) -> str | None:
    """None when a SHA-256 entry of the Digest header matches the body, else the error."""
    for entry in header.split(","):
        name, _, value = entry.strip().partition("=")
        if name.lower() != "sha-256":
            continue
        try:
            raw = base64.b64decode(value, validate=True)
        except ValueError:
            return "Digest is not valid base64"
        if len(raw) != 32:
            return "Digest is not 32 bytes"
        return None if raw == hashlib.sha256(body).digest() else "Digest does not match the body"
    return "Digest has no SHA-256 entry"


def _signature_params(header: str) -> dict[str, str] | None:
    """key="value" pairs, names kept as sent (Mastodon reads `keyId` exactly); None on
    a duplicate name."""
    params: dict[str, str] = {}
    for item in parse_http_list(header):
        name, _, value = item.strip().partition("=")
        if name in params:
            return None
        params[name] = value[1:-1] if value.startswith('"') and value.endswith('"') else value
    return params


def _object_id(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def _matches(predicate: Callable[[Activity], bool], activity: Activity) -> bool:
    # A predicate that looks into a field some activity lacks simply does not match it.
    try:
        return bool(predicate(activity))
    except (KeyError, TypeError, IndexError, AttributeError):
        return False


@dataclass
class _SignedMessage:
    """A received request as the RFC 9421 verifier reads it."""

    method: str
    url: str
    headers: Any


class FakeMastodon:
    """The fake server's state and behaviour; make one with `run_fake_mastodon`."""

    def __init__(
        self,
        base_url: str,
        client: httpx.AsyncClient,
        *,
        secure_mode: bool = False,
        signature_order: str = "4.7",
        verify_get_signatures: bool | None = None,
        signature_scheme: str = "any",
    ) -> None:
        self.base_url = base_url
        self.domain = base_url.split("://", 1)[1]
        self.client = client
        self.secure_mode = secure_mode
        self.signature_order = signature_order
        # "any": draft-cavage or RFC 9421, as Mastodon 4.5+ verifies; "rfc9421": a server
        # that refuses draft-cavage with 401, so a sender must fall back to RFC 9421.
        self.signature_scheme = signature_scheme
        self.verify_get_signatures = secure_mode if verify_get_signatures is None else (
            verify_get_signatures
        )
        self.inbox: list[Received] = []
        self.get_log: list[tuple[str, dict[str, str]]] = []
        self.gets: list[ServedGet] = []
        self.sent: list[Sent] = []
        self.errors: list[BaseException] = []  # failures of the fake's own background work
        self.inbox_status = 202
        # Called for each correctly signed POST (its .status still 0); a non-None
        # return is the answer, before fail_next() and inbox_status.
        self.inbox_hook: Callable[[Received], int | None] | None = None
        self.auto_accept = True
        self.accounts: dict[int, FakeAccount] = {}
        private, public = generate_keypair()
        self.instance_actor = FakeAccount(
            number=0,
            username=INSTANCE_USERNAME,
            id=f"{base_url}/actor",
            inbox=f"{base_url}/actor/inbox",
            url=f"{base_url}/about/more?instance_actor=true",
            private_key_pem=private,
            public_key_pem=public,
            locked=True,
            type="Application",
            name=INSTANCE_USERNAME,
            published=now_iso(),
        )
        self._failures: deque[tuple[int, int | None]] = deque()
        self._objects: dict[str, Activity] = {}
        self._gone: set[str] = set()
        self._keys: dict[str, tuple[str, str]] = {}
        self._undo_ids: dict[str, str] = {}
        self._follows_sent: dict[str, tuple[FakeAccount, str]] = {}
        self._changed = asyncio.Condition()
        self._tasks: set[asyncio.Task[None]] = set()
        self._numbers = itertools.count(115_000_000_000_000_001)
        self._last_epoch = 0
        self.app = self._build_app()

    # ----- accounts -------------------------------------------------------------------

    def add_account(self, username: str, *, locked: bool = False) -> FakeAccount:
        number = 1100 + len(self.accounts)
        account_id = f"{self.base_url}/ap/users/{number}"
        private, public = generate_keypair()
        account = FakeAccount(
            number=number,
            username=username,
            id=account_id,
            inbox=f"{account_id}/inbox",
            url=f"{self.base_url}/@{username}",
            private_key_pem=private,
            public_key_pem=public,
            locked=locked,
            name=username.capitalize(),
            published=now_iso(),
        )
        self.accounts[number] = account
        return account

    def handle(self, account: FakeAccount) -> str:
        return f"{account.username}@{self.domain}"

    def rotate_key(self, account: FakeAccount) -> None:
        """Give the account a new key pair (the actor document serves the new one)."""
        account.private_key_pem, account.public_key_pem = generate_keypair()

    def actor_document(self, account: FakeAccount) -> Activity:
        document: Activity = {
            "@context": ACTOR_CONTEXT, "id": account.id, "type": account.type,
            "webfinger": self.handle(account),
        }
        if account is not self.instance_actor:
            document["following"] = account.following_url
            document["followers"] = account.followers_url
        document |= {
            "inbox": account.inbox,
            "outbox": account.outbox,
            "preferredUsername": account.username,
            "name": account.name,
            "summary": account.summary,
            "url": account.url,
            "manuallyApprovesFollowers": account.locked,
            "discoverable": account is not self.instance_actor,
            "indexable": False,
            "published": account.published,
            "memorial": False,
            "publicKey": {
                "id": account.key_id,
                "owner": account.id,
                "publicKeyPem": account.public_key_pem,
            },
            "tag": [],
            "attachment": [],
            "endpoints": {"sharedInbox": f"{self.base_url}/inbox"},
        }
        document |= account.extra
        return document

    # ----- waiting ----------------------------------------------------------------------

    async def wait_for(
        self,
        predicate: Callable[[Activity], bool],
        *,
        timeout: float = 10.0,
        count: int = 1,
        verified: bool = True,
    ) -> Activity:
        """Wait until `count` inbox POSTs match `predicate`; return the activity of the last.

        Activities that arrived before the call count. With `verified` (the default)
        only POSTs whose signature verified are considered. A predicate raising
        KeyError/TypeError/IndexError/AttributeError counts as no match.
        """

        def found() -> list[Received]:
            return [
                received
                for received in self.inbox
                if received.activity is not None
                and (received.signature_ok or not verified)
                and _matches(predicate, received.activity)
            ]

        await self.wait_until(
            lambda: len(found()) >= count, timeout=timeout, what=f"{count} matching POST(s)"
        )
        activity = found()[count - 1].activity
        assert activity is not None
        return activity

    async def wait_until(
        self, condition: Callable[[], bool], *, timeout: float = 10.0, what: str = "condition"
    ) -> None:
        """Wait until `condition()` holds; it is re-checked after every POST received or sent."""
        try:
            async with asyncio.timeout(timeout):
                async with self._changed:
                    await self._changed.wait_for(condition)
        except TimeoutError:
            raise TimeoutError(
                f"FakeMastodon: no {what} within {timeout}s; {self.summary()}"
            ) from None

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait for the fake's own background work (auto-Accepts) to finish."""
        async with asyncio.timeout(timeout):
            while self._tasks:
                await asyncio.wait(set(self._tasks))

    def summary(self) -> str:
        lines = [f"{len(self.inbox)} inbox POST(s) arrived"]
        for received in self.inbox[-20:]:
            activity = received.activity or {}
            signature = "signature ok" if received.signature_ok else f"bad: {received.error}"
            lines.append(
                f"  {activity.get('type')} {activity.get('id')} from {activity.get('actor')}"
                f" on {received.path} -> {received.status} ({signature})"
            )
        return "\n".join(lines)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ----- inbox behaviour ----------------------------------------------------------------

    def fail_next(self, n: int, status: int = 500, *, retry_after: int | None = None) -> None:
        """Answer the next `n` correctly signed inbox POSTs with `status`."""
        self._failures.extend([(status, retry_after)] * n)

    def _answer(self, received: Received) -> tuple[int, int | None]:
        if self.inbox_hook is not None:
            hooked = self.inbox_hook(received)
            if hooked is not None:
                return hooked, None
        if self._failures:
            return self._failures.popleft()
        return self.inbox_status, None

    def _process(self, activity: Activity) -> None:
        """The few side effects a test relies on: follow bookkeeping and auto-Accept."""
        kind = activity.get("type")
        target = _object_id(activity.get("object"))
        account = self._account_by_id(target)
        if kind == "Follow" and account is not None:
            if account.locked or not self.auto_accept:
                account.follow_requests.append(activity)
            else:
                self._spawn(self._auto_accept(account, activity))
        elif kind == "Undo" and isinstance(activity.get("object"), dict):
            inner = activity["object"]
            followed = self._account_by_id(_object_id(inner.get("object")))
            if inner.get("type") == "Follow" and followed is not None:
                actor = activity.get("actor")
                followed.followers = [uri for uri in followed.followers if uri != actor]
                followed.follow_requests = [
                    f for f in followed.follow_requests if f.get("id") != inner.get("id")
                ]
        elif kind in ("Accept", "Reject") and target in self._follows_sent:
            follower, followed_uri = self._follows_sent[target]
            if kind == "Accept" and followed_uri not in follower.following:
                follower.following.append(followed_uri)
            if kind == "Reject" and followed_uri in follower.following:
                follower.following.remove(followed_uri)

    async def _auto_accept(self, account: FakeAccount, follow: Activity) -> None:
        response = await self.fetch(str(follow["actor"]))
        response.raise_for_status()
        inbox = response.json()["inbox"]
        await self.deliver(account, inbox, self.accept(account, follow))

    def _spawn(self, work: Awaitable[None]) -> None:
        async def run() -> None:
            try:
                await work
            except Exception as error:  # kept for the test to inspect, never swallowed silently
                logger.warning("FakeMastodon background work failed: %r", error)
                self.errors.append(error)

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _account_by_id(self, uri: str | None) -> FakeAccount | None:
        for account in self.accounts.values():
            if account.id == uri:
                return account
        return None

    # ----- signing and sending ---------------------------------------------------------

    def _sign(self, request: httpx.Request, account: FakeAccount, names: str) -> None:
        signer = HeaderSigner(
            key_id=account.key_id,
            secret=account.private_key_pem,
            algorithm="rsa-sha256",
            headers=names.split(),
            sign_header="signature",
        )
        signed = signer.sign(
            dict(request.headers),
            host=request.headers["host"],
            method=request.method,
            path=request.url.raw_path.decode("ascii"),
        )
        request.headers["Signature"] = signed["signature"]

    async def deliver(
        self,
        account: FakeAccount,
        inbox_url: str,
        activity: Activity,
        *,
        tamper_body: bytes | None = None,
        date: str | None = None,
        signed: bool = True,
    ) -> httpx.Response:
        """Sign `activity` as `account` and POST it; `tamper_body` is sent instead of
        the signed body (Digest and Signature still describe the original)."""
        body = json.dumps(activity).encode()
        request = self.client.build_request(
            "POST",
            inbox_url,
            content=body if tamper_body is None else tamper_body,
            headers={
                "Content-Type": "application/activity+json",
                "Date": date or httpdate(),
                "Digest": digest_header(body),
                "Accept": "application/activity+json",
            },
        )
        if signed:
            self._sign(request, account, SIGNATURE_ORDERS[self.signature_order][0])
        response = await self.client.send(request)
        self.sent.append(Sent(inbox_url, activity, response.status_code))
        await self._notify()
        return response

    async def fetch(
        self, url: str, *, account: FakeAccount | None = None, signed: bool = True
    ) -> httpx.Response:
        """GET as Mastodon does: signed by the instance actor unless told otherwise."""
        request = self.client.build_request(
            "GET", url, headers={"Accept": ACCEPT_ACTIVITY, "Date": httpdate()}
        )
        if signed:
            names = SIGNATURE_ORDERS[self.signature_order][1]
            self._sign(request, account or self.instance_actor, names)
        return await self.client.send(request)

    # ----- verifying ---------------------------------------------------------------------

    async def _public_key(self, key_id: str, *, refresh: bool = False) -> tuple[str, str]:
        """(PEM, owner) for a keyId, from the cache or the actor document at the keyId."""
        if not refresh and key_id in self._keys:
            return self._keys[key_id]
        url = key_id.split("#", 1)[0]
        try:
            response = await self.fetch(url)
        except httpx.HTTPError as error:
            raise KeyFetchError(f"GET {url} failed: {error!r}") from error
        if response.status_code != 200:
            raise KeyFetchError(f"GET {url} answered {response.status_code}")
        try:
            document = response.json()
        except ValueError as error:
            raise KeyFetchError(f"GET {url} did not answer JSON") from error
        if not isinstance(document, dict):
            raise KeyFetchError(f"GET {url} did not answer a JSON object")
        key = self._key_in(document, key_id)
        if key is None and document.get("publicKeyPem") and document.get("owner"):
            owner = await self.fetch(str(document["owner"]))
            if owner.status_code == 200:
                key = self._key_in(owner.json(), key_id)
        if key is None:
            raise KeyFetchError(f"{url} does not list {key_id} with owner == id")
        self._keys[key_id] = key
        return key

    @staticmethod
    def _key_in(document: Activity, key_id: str) -> tuple[str, str] | None:
        keys = document.get("publicKey")
        for key in keys if isinstance(keys, list) else [keys]:
            if (
                isinstance(key, dict)
                and key.get("id") == key_id
                and key.get("owner") == document.get("id")
                and isinstance(key.get("publicKeyPem"), str)
            ):
                return str(key["publicKeyPem"]), str(document["id"])
        return None

    async def _verify(self, request: Request, body: bytes | None) -> Verdict:
        if "signature-input" in request.headers:
            return await self._verify_rfc9421(request, body)
        if self.signature_scheme == "rfc9421":
            return Verdict(False, error="this server takes RFC 9421 signatures only")
        return await self._verify_cavage(request, body)

    async def _verify_rfc9421(self, request: Request, body: bytes | None) -> Verdict:
        """RFC 9421 with an RFC 9530 Content-Digest, as Mastodon 4.5+ verifies them, checked
        with the independent `http-message-signatures` package."""
        found = re.search(r'keyid="([^"]+)"', request.headers["signature-input"])
        if found is None:
            return Verdict(False, error="Signature-Input has no keyid")
        key_id = found.group(1)
        required = ["@method", "@target-uri"]
        if request.method == "POST":
            required.append("content-digest")
        try:
            pem, owner = await self._public_key(key_id)
        except KeyFetchError as error:
            return Verdict(False, key_id, error=str(error))
        verifier = HTTPMessageVerifier(
            signature_algorithm=algorithms.RSA_V1_5_SHA256,
            key_resolver=MappingKeyResolver(public_keys={key_id: pem.encode()}, private_keys={}),
        )
        message = _SignedMessage(request.method, str(request.url), request.headers)
        try:
            verifier.verify(message, max_age=timedelta(hours=1), require_components=required,
                            body=body if request.method == "POST" else None)
        except HTTPMessageSignaturesException as error:
            return Verdict(False, key_id, error=f"RFC 9421: {error}")
        return Verdict(True, key_id, owner)

    async def _verify_cavage(self, request: Request, body: bytes | None) -> Verdict:
        """Mastodon's draft-cavage checks (MASTODON-INTEROP.md §3), verified with httpsig."""
        header = request.headers.get("signature")
        if header is None:
            return Verdict(False, error="no Signature header")
        if header.lower().startswith("signature "):
            header = header[len("signature ") :]
        params = _signature_params(header)
        if params is None:
            return Verdict(False, error="malformed Signature header (duplicate parameter)")
        key_id, signature = params.get("keyId"), params.get("signature")
        if not key_id or not signature:
            return Verdict(False, key_id, error="keyId and signature are required")
        algorithm = params.get("algorithm", "hs2019")
        if algorithm not in ("rsa-sha256", "hs2019"):
            return Verdict(False, key_id, error=f"unsupported algorithm {algorithm}")
        signed = params.get("headers", "(created)" if algorithm == "hs2019" else "date").split()
        signed = [name.lower() for name in signed]
        names = " ".join(signed)
        if "(created)" in signed or "(expires)" in signed:
            return Verdict(False, key_id, error="(created)/(expires): not supported by the fake")
        problem = self._signed_headers_problem(request, signed, body)
        if problem:
            return Verdict(False, key_id, error=problem)
        try:
            pem, owner = await self._public_key(key_id)
        except KeyFetchError as error:
            return Verdict(False, key_id, error=str(error))
        headers = {name.lower(): value for name, value in request.headers.items()}
        headers["signature"] = (
            f'keyId="{key_id}",algorithm="rsa-sha256",headers="{names}",signature="{signature}"'
        )
        if self._signature_valid(request, headers, signed, pem):
            return Verdict(True, key_id, owner)
        try:  # Mastodon refetches the key once, in case it was rotated
            pem, owner = await self._public_key(key_id, refresh=True)
        except KeyFetchError as error:
            return Verdict(False, key_id, error=f"signature mismatch; refetch: {error}")
        if self._signature_valid(request, headers, signed, pem):
            return Verdict(True, key_id, owner)
        return Verdict(False, key_id, error=f"signature does not verify (headers={names!r})")

    @staticmethod
    def _signed_headers_problem(request: Request, signed: list[str], body: bytes | None) -> str:
        if "date" not in signed:
            return "date must be signed"
        if "(request-target)" not in signed and "digest" not in signed:
            return "(request-target) or digest must be signed"
        if request.method == "GET" and "host" not in signed:
            return "host must be signed on GET"
        missing = [n for n in signed if not n.startswith("(") and n not in request.headers]
        if missing:
            return f"signed headers missing from the request: {missing}"
        try:
            created = email.utils.parsedate_to_datetime(request.headers["date"])
        except (TypeError, ValueError):
            return "Date is not an HTTP date"
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        now = datetime.now(UTC)
        if created > now + timedelta(hours=1) or now > created + timedelta(minutes=65):
            return f"Date {request.headers['date']} is outside Mastodon's window"
        if request.method == "POST":
            if "digest" not in signed:
                return "digest must be signed on POST"
            return _digest_matches(request.headers["digest"], body or b"") or ""
        return ""

    @staticmethod
    def _signature_valid(
        request: Request, headers: dict[str, str], signed: list[str], pem: str
    ) -> bool:
        path = request.scope["raw_path"].decode("latin-1")
        query = request.scope["query_string"].decode("latin-1")
        targets = [f"{path}?{query}", path] if query else [path]
        for target in targets:  # with the query string first, then without (Mastodon)
            verifier = HeaderVerifier(
                headers=headers,
                secret=pem,
                required_headers=signed,
                method=request.method,
                path=target,
                host=request.headers.get("host"),
                sign_header="signature",
            )
            try:
                if verifier.verify():
                    return True
            except Exception:  # httpsig reports a missing header with a bare Exception
                logger.debug("httpsig refused %s", target, exc_info=True)
        return False

    # ----- HTTP ---------------------------------------------------------------------------

    def _build_app(self) -> Starlette:
        get = self._serve_get
        return Starlette(
            routes=[
                Route("/.well-known/webfinger", get(self._webfinger, protected=False)),
                Route("/.well-known/nodeinfo", get(self._nodeinfo_links, protected=False)),
                Route("/nodeinfo/2.0", get(self._nodeinfo, protected=False)),
                Route("/actor", get(self._instance_actor, protected=False)),
                Route("/inbox", self._post_inbox, methods=["POST"]),
                Route("/actor/inbox", self._post_inbox, methods=["POST"]),
                Route("/ap/users/{n:int}/inbox", self._post_inbox, methods=["POST"]),
                Route("/ap/users/{n:int}", get(self._actor)),
                Route("/ap/users/{n:int}/followers", get(self._followers)),
                Route("/ap/users/{n:int}/following", get(self._following)),
                Route("/ap/users/{n:int}/outbox", get(self._outbox)),
                Route("/@{username}", get(self._profile_page, protected=False)),
                Route("/{rest:path}", get(self._stored_object)),
            ]
        )

    def _serve_get(
        self, handler: Callable[[Request], Awaitable[Response]], *, protected: bool = True
    ) -> Callable[[Request], Awaitable[Response]]:
        """Log the GET and, for protected resources, check its signature (secure mode)."""

        async def endpoint(request: Request) -> Response:
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            headers = {name.lower(): value for name, value in request.headers.items()}
            served = ServedGet(path, headers, signed="signature" in headers, signature_ok=None)
            self.get_log.append((path, headers))
            self.gets.append(served)
            if protected and self.verify_get_signatures and served.signed:
                verdict = await self._verify(request, None)
                served.signature_ok, served.error = verdict.ok, verdict.error
            if protected and self.secure_mode and not served.signature_ok:
                response: Response = JSONResponse(
                    {"error": served.error or "Request not signed"}, status_code=401
                )
            else:
                response = await handler(request)
            if protected and self.secure_mode:
                response.headers["Vary"] = "Signature"
            served.status = response.status_code
            return response

        return endpoint

    @staticmethod
    def _activity_json(document: Activity, status: int = 200) -> Response:
        return Response(json.dumps(document), status_code=status, media_type=ACTIVITY_JSON)

    async def _post_inbox(self, request: Request) -> Response:
        path = request.url.path
        headers = {name.lower(): value for name, value in request.headers.items()}
        length = request.headers.get("content-length", "")
        body = b"" if length.isdigit() and int(length) > MAX_JSON_SIZE else await request.body()
        activity: Activity | None = None
        if len(body) > MAX_JSON_SIZE or (length.isdigit() and int(length) > MAX_JSON_SIZE):
            status, verdict, retry_after = 413, Verdict(False, error="body over 1 MiB"), None
        else:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            activity = parsed if isinstance(parsed, dict) else None
            verdict = await self._verify(request, body)
            retry_after = None
            if verdict.ok:
                status = 0 if activity is not None else 400
            elif activity is not None and self._unknown_self_update(activity, verdict):
                status = 202  # Mastodon accepts these without verification
            else:
                status = 401
        received = Received(
            path, activity, verdict.ok, headers, status, body,
            verdict.key_id, verdict.signer, verdict.error,
        )
        if status == 0:
            received.status, retry_after = self._answer(received)
        self.inbox.append(received)
        if verdict.ok and activity is not None and 200 <= received.status < 300:
            self._process(activity)
        await self._notify()
        extra = {"Retry-After": str(retry_after)} if retry_after is not None else None
        if received.status == 401:
            return JSONResponse({"error": verdict.error}, status_code=401, headers=extra)
        return Response(status_code=received.status, headers=extra)

    def _unknown_self_update(self, activity: Activity, verdict: Verdict) -> bool:
        actor = activity.get("actor")
        return (
            activity.get("type") in ("Delete", "Update")
            and actor == _object_id(activity.get("object"))
            and verdict.key_id is not None
            and verdict.key_id not in self._keys
        )

    async def _webfinger(self, request: Request) -> Response:
        resource = request.query_params.get("resource", "").strip()
        account = self._account_for_resource(resource)
        if account is None:
            bad = not resource or ("@" not in resource and not resource.startswith("http"))
            return Response(status_code=400 if bad else 404)
        if account.deleted:
            return Response(status_code=410)
        document = {
            "subject": f"acct:{self.handle(account)}",
            "aliases": [account.url, account.id],
            "links": [
                {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html",
                 "href": account.url},
                {"rel": "self", "type": "application/activity+json", "href": account.id},
                {"rel": "http://ostatus.org/schema/1.0/subscribe",
                 "template": f"{self.base_url}/authorize_interaction?uri={{uri}}"},
            ],
        }
        return Response(
            json.dumps(document),
            media_type="application/jrd+json; charset=utf-8",
            headers={"Cache-Control": "max-age=259200, public"},
        )

    def _account_for_resource(self, resource: str) -> FakeAccount | None:
        everyone = [self.instance_actor, *self.accounts.values()]
        if resource.startswith(("http://", "https://")):
            return next((a for a in everyone if resource in (a.id, a.url)), None)
        username, _, host = resource.removeprefix("acct:").lstrip("@").rpartition("@")
        if not username or host.lower() != self.domain.lower():
            return None
        return next((a for a in everyone if a.username.lower() == username.lower()), None)

    async def _nodeinfo_links(self, request: Request) -> Response:
        return JSONResponse({"links": [{
            "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
            "href": f"{self.base_url}/nodeinfo/2.0",
        }]})

    async def _nodeinfo(self, request: Request) -> Response:
        return JSONResponse({
            "version": "2.0",
            "software": {"name": "mastodon", "version": "4.7.0"},
            "protocols": ["activitypub"],
            "services": {"inbound": [], "outbound": []},
            "usage": {"users": {"total": len(self.accounts), "activeMonth": 0,
                                "activeHalfyear": 0}, "localPosts": len(self._objects)},
            "openRegistrations": False,
            "metadata": {"nodeName": "Fake Mastodon", "nodeDescription": ""},
        })

    async def _instance_actor(self, request: Request) -> Response:
        return self._activity_json(self.actor_document(self.instance_actor))

    def _account_from_path(self, request: Request) -> FakeAccount | Response:
        account = self.accounts.get(int(request.path_params["n"]))
        if account is None:
            return Response(status_code=404)
        if account.deleted:
            return Response(status_code=410)
        return account

    async def _actor(self, request: Request) -> Response:
        account = self._account_from_path(request)
        if isinstance(account, Response):
            return account
        return self._activity_json(self.actor_document(account))

    async def _followers(self, request: Request) -> Response:
        account = self._account_from_path(request)
        if isinstance(account, Response):
            return account
        return self._collection(request, account.followers_url, account.followers)

    async def _following(self, request: Request) -> Response:
        account = self._account_from_path(request)
        if isinstance(account, Response):
            return account
        return self._collection(request, account.following_url, account.following)

    def _collection(self, request: Request, collection_id: str, items: list[str]) -> Response:
        page = request.query_params.get("page")
        base: Activity = {"@context": AS, "id": collection_id}
        if page is None:
            return self._activity_json(base | {
                "type": "OrderedCollection", "totalItems": len(items),
                "first": f"{collection_id}?page=1",
            })
        number = int(page) if page.isdigit() and int(page) > 0 else 1
        start = (number - 1) * FOLLOWERS_PAGE_SIZE
        document = base | {
            "id": f"{collection_id}?page={number}", "type": "OrderedCollectionPage",
            "totalItems": len(items), "partOf": collection_id,
            "orderedItems": items[start : start + FOLLOWERS_PAGE_SIZE],
        }
        if start + FOLLOWERS_PAGE_SIZE < len(items):
            document["next"] = f"{collection_id}?page={number + 1}"
        if number > 1:
            document["prev"] = f"{collection_id}?page={number - 1}"
        return self._activity_json(document)

    async def _outbox(self, request: Request) -> Response:
        account = self._account_from_path(request)
        if isinstance(account, Response):
            return account
        creates = [
            {k: v for k, v in doc.items() if k != "@context"}
            for uri, doc in self._objects.items()
            if doc.get("type") in ("Create", "Announce") and doc.get("actor") == account.id
            and _object_id(doc.get("object")) not in self._gone
        ][::-1]
        if request.query_params.get("page") is None:
            return self._activity_json({
                "@context": AS, "id": account.outbox, "type": "OrderedCollection",
                "totalItems": len(creates), "first": f"{account.outbox}?page=true",
                "last": f"{account.outbox}?min_id=0&page=true",
            })
        return self._activity_json({
            "@context": NOTE_CONTEXT, "id": f"{account.outbox}?page=true",
            "type": "OrderedCollectionPage", "partOf": account.outbox,
            "orderedItems": creates[:20],
        })

    async def _profile_page(self, request: Request) -> Response:
        username = request.path_params["username"].lower()
        if not any(a.username.lower() == username for a in self.accounts.values()):
            return Response(status_code=404)
        return HTMLResponse(f"<html><body><h1>@{html.escape(username)}</h1></body></html>")

    async def _stored_object(self, request: Request) -> Response:
        uri = f"{self.base_url}{request.url.path}"
        if uri in self._gone:
            return Response(status_code=410)
        if uri not in self._objects:
            return Response(status_code=404)
        return self._activity_json(self._objects[uri])

    # ----- builders, in Mastodon's shapes (MASTODON-INTEROP.md §4-5) ------------------

    def _epoch(self) -> int:
        self._last_epoch = max(int(time.time()), self._last_epoch + 1)
        return self._last_epoch

    def _uuid_id(self) -> str:
        return f"{self.base_url}/{uuid.uuid4()}"

    def follow(self, account: FakeAccount, target_actor_uri: str) -> Activity:
        activity = {"@context": AS, "id": self._uuid_id(), "type": "Follow",
                    "actor": account.id, "object": target_actor_uri}
        self._undo_ids[activity["id"]] = f"{account.id}#follows/{next(self._numbers)}/undo"
        self._follows_sent[activity["id"]] = (account, target_actor_uri)
        return activity

    def undo(self, account: FakeAccount, activity: Activity) -> Activity:
        inner = {k: v for k, v in activity.items() if k != "@context"}
        undo: Activity = {
            "@context": AS,
            "id": self._undo_ids.get(str(activity["id"]), f"{activity['id']}/undo"),
            "type": "Undo", "actor": account.id,
        }
        if activity["type"] == "Announce":
            undo["to"] = [PUBLIC]
        if activity["type"] == "Follow" and activity["id"] in self._follows_sent:
            _, target = self._follows_sent[activity["id"]]
            account.following = [uri for uri in account.following if uri != target]
        return undo | {"object": inner}

    def like(self, account: FakeAccount, object_uri: str) -> Activity:
        activity_id = f"{account.id}#likes/{next(self._numbers)}"
        self._undo_ids[activity_id] = f"{activity_id}/undo"
        return {"@context": AS, "id": activity_id, "type": "Like",
                "actor": account.id, "object": object_uri}

    def announce(
        self, account: FakeAccount, object_uri: str, *, author: str | None = None
    ) -> Activity:
        """Boost `object_uri`; `author` goes to cc (looked up for the fake's own notes)."""
        number = next(self._numbers)
        stored = self._objects.get(object_uri, {})
        author = author or stored.get("attributedTo")
        activity: Activity = {
            "@context": AS, "id": f"{account.id}/statuses/{number}/activity",
            "type": "Announce", "actor": account.id, "published": now_iso(),
            "to": [PUBLIC], "cc": [*([author] if author else []), account.followers_url],
            "object": object_uri,
        }
        self._undo_ids[activity["id"]] = f"{account.id}#announces/{number}/undo"
        self._objects[activity["id"]] = activity
        return activity

    def create_note(
        self,
        account: FakeAccount,
        *,
        content: str,
        to: Sequence[str],
        cc: Sequence[str],
        in_reply_to: str | None = None,
        summary: str | None = None,
        sensitive: bool = False,
        mentions: Iterable[tuple[str, str]] = (),
        hashtags: Iterable[str] = (),
    ) -> Activity:
        """A Create(Note), also served at the Note's id. `content` is HTML; plain text is
        wrapped in <p>. `mentions` are (name like "@alice@host", actor URI) pairs and are
        not added to to/cc here (public_note & co. do); `hashtags` are names without '#'."""
        number = next(self._numbers)
        note_id = f"{account.id}/statuses/{number}"
        published = now_iso()
        if not content.lstrip().startswith("<"):
            content = f"<p>{html.escape(content)}</p>"
        tags: list[Activity] = [{"type": "Mention", "href": href, "name": name}
                                for name, href in mentions]
        tags += [{"type": "Hashtag", "href": f"{self.base_url}/tags/{tag.lower()}",
                  "name": f"#{tag}"} for tag in hashtags]
        host = self.domain.split(":")[0]
        note: Activity = {
            "id": note_id, "type": "Note", "summary": summary, "inReplyTo": in_reply_to,
            "published": published, "url": f"{account.url}/{number}",
            "attributedTo": account.id, "to": list(to), "cc": list(cc),
            "sensitive": sensitive, "atomUri": note_id, "inReplyToAtomUri": in_reply_to,
            "conversation": f"tag:{host},{published[:10]}:objectId={number}"
                            ":objectType=Conversation",
            "context": f"{self.base_url}/contexts/{account.number}-{number}",
            "content": content, "contentMap": {"en": content},
            "attachment": [], "tag": tags,
        }
        create: Activity = {
            "@context": NOTE_CONTEXT, "id": f"{note_id}/activity", "type": "Create",
            "actor": account.id, "published": published, "to": list(to), "cc": list(cc),
            "object": note,
        }
        self._objects[note_id] = {"@context": NOTE_CONTEXT, **note}
        self._objects[create["id"]] = create
        return create

    def public_note(self, account: FakeAccount, content: str, **kw: Any) -> Activity:
        """Public: to [Public], cc [followers, mentioned actors]."""
        mentioned = [href for _, href in kw.get("mentions", ())]
        return self.create_note(
            account, content=content, to=[PUBLIC], cc=[account.followers_url, *mentioned], **kw
        )

    def unlisted_note(self, account: FakeAccount, content: str, **kw: Any) -> Activity:
        mentioned = [href for _, href in kw.get("mentions", ())]
        return self.create_note(
            account, content=content, to=[account.followers_url], cc=[PUBLIC, *mentioned], **kw
        )

    def followers_only_note(self, account: FakeAccount, content: str, **kw: Any) -> Activity:
        mentioned = [href for _, href in kw.get("mentions", ())]
        return self.create_note(
            account, content=content, to=[account.followers_url], cc=mentioned, **kw
        )

    def direct_note(self, account: FakeAccount, content: str, **kw: Any) -> Activity:
        mentioned = [href for _, href in kw.get("mentions", ())]
        return self.create_note(account, content=content, to=mentioned, cc=[], **kw)

    @staticmethod
    def _note_of(note: Activity) -> Activity:
        inner = note["object"] if note.get("type") == "Create" else note
        return {k: v for k, v in inner.items() if k != "@context"}

    def update_note(self, account: FakeAccount, note: Activity, *, content: str) -> Activity:
        """Update(Note) with `updated`; `note` is the Create or the Note."""
        updated = self._note_of(note)
        if not content.lstrip().startswith("<"):
            content = f"<p>{html.escape(content)}</p>"
        updated |= {"content": content, "contentMap": {"en": content}, "updated": now_iso()}
        self._objects[updated["id"]] = {"@context": NOTE_CONTEXT, **updated}
        return {
            "@context": NOTE_CONTEXT, "id": f"{updated['id']}#updates/{self._epoch()}",
            "type": "Update", "actor": account.id, "to": updated["to"], "cc": updated["cc"],
            "object": updated,
        }

    def delete_note(self, account: FakeAccount, note: Activity) -> Activity:
        """Delete with a Tombstone; the Note's id then answers 410."""
        note_id = str(self._note_of(note)["id"])
        self._objects.pop(note_id, None)
        self._objects.pop(f"{note_id}/activity", None)
        self._gone.add(note_id)
        return {
            "@context": NOTE_CONTEXT, "id": f"{note_id}#delete", "type": "Delete",
            "actor": account.id, "to": [PUBLIC],
            "object": {"id": note_id, "type": "Tombstone", "atomUri": note_id},
        }

    def delete_actor(self, account: FakeAccount) -> Activity:
        """Delete of the actor itself; its document and WebFinger then answer 410."""
        account.deleted = True
        return {"@context": AS, "id": f"{account.id}#delete", "type": "Delete",
                "actor": account.id, "to": [PUBLIC], "object": account.id}

    def update_actor(self, account: FakeAccount, **changes: Any) -> Activity:
        """Change the profile and build the Update carrying the full actor document.
        `name`, `summary` and `locked` are fields of the account; any other keyword
        overrides that key of the actor document (e.g. alsoKnownAs=[...])."""
        for name in ("name", "summary", "locked"):
            if name in changes:
                setattr(account, name, changes.pop(name))
        account.extra |= changes
        return {"@context": ACTOR_CONTEXT, "id": f"{account.id}#updates/{self._epoch()}",
                "type": "Update", "actor": account.id, "to": [PUBLIC],
                "object": self.actor_document(account)}

    def _answer_follow(self, kind: str, account: FakeAccount, follow: Activity) -> Activity:
        path = "accepts" if kind == "Accept" else "rejects"
        follower = str(follow["actor"])
        account.follow_requests = [f for f in account.follow_requests if f["id"] != follow["id"]]
        if kind == "Accept" and follower not in account.followers:
            account.followers.append(follower)
        if kind == "Reject":
            account.followers = [uri for uri in account.followers if uri != follower]
        return {
            "@context": AS, "id": f"{account.id}#{path}/follows/{next(self._numbers)}",
            "type": kind, "actor": account.id,
            "object": {"id": follow["id"], "type": "Follow", "actor": follower,
                       "object": account.id},
        }

    def accept(self, account: FakeAccount, follow_activity: Activity) -> Activity:
        """Accept with the Follow embedded; the follower is counted from now on."""
        return self._answer_follow("Accept", account, follow_activity)

    def reject(self, account: FakeAccount, follow_activity: Activity) -> Activity:
        return self._answer_follow("Reject", account, follow_activity)

    def block(self, account: FakeAccount, target: str) -> Activity:
        activity = {"@context": AS, "id": self._uuid_id(), "type": "Block",
                    "actor": account.id, "object": target}
        self._undo_ids[activity["id"]] = f"{account.id}#blocks/{next(self._numbers)}/undo"
        return activity

    def flag(self, object_uris: list[str], content: str) -> Activity:
        """A report, sent by the instance actor: deliver it with `fake.instance_actor`."""
        return {"@context": AS, "id": self._uuid_id(), "type": "Flag",
                "actor": self.instance_actor.id, "content": content, "object": list(object_uris)}

    def move(self, account: FakeAccount, target: str) -> Activity:
        return {"@context": AS, "id": f"{account.id}#moves/{next(self._numbers)}",
                "type": "Move", "actor": account.id, "object": account.id, "target": target}


@asynccontextmanager
async def run_fake_mastodon(
    *,
    secure_mode: bool = False,
    signature_order: str = "4.7",
    verify_get_signatures: bool | None = None,
    signature_scheme: str = "any",
) -> AsyncIterator[FakeMastodon]:
    """Serve a FakeMastodon on a free 127.0.0.1 port for the duration of the block.

    `signature_order` is "4.5", "4.6" or "4.7" (which `headers=` lists it signs with).
    Signed GETs are verified when `verify_get_signatures` (default: `secure_mode`).
    """
    if signature_order not in SIGNATURE_ORDERS:
        raise ValueError(f"signature_order must be one of {sorted(SIGNATURE_ORDERS)}")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    async with httpx.AsyncClient(timeout=10, trust_env=False) as client:
        fake = FakeMastodon(
            base_url, client, secure_mode=secure_mode, signature_order=signature_order,
            verify_get_signatures=verify_get_signatures, signature_scheme=signature_scheme,
        )
        config = uvicorn.Config(
            fake.app, lifespan="off", log_level="warning", access_log=False, ws="none"
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            async with asyncio.timeout(15):
                while not server.started:  # uvicorn offers no event to wait on
                    if task.done():
                        task.result()
                    await asyncio.sleep(0.01)
            yield fake
        finally:
            pending = set(fake._tasks)
            if pending:
                _, still = await asyncio.wait(pending, timeout=5)
                for leftover in still:
                    leftover.cancel()
            server.should_exit = True
            await asyncio.wait_for(task, timeout=15)
            sock.close()

