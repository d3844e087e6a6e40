"""HTTP Signatures as current Mastodon makes and checks them: draft-cavage (rsa-sha256,
hs2019) with a SHA-256 Digest, and RFC 9421 with an RFC 9530 Content-Digest.

Parsing and every key-free check happen in `parse_signature`; `verify_signature` is
the RSA step alone; `verify_request` adds the key lookup with one refetch for key
rotation. Loaded public keys are cached, which is what makes verification cheap.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Protocol
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SKEW = timedelta(hours=1)
DEFAULT_LIFETIME = timedelta(minutes=5)
MAX_LIFETIME = timedelta(hours=12)
_PAIR = re.compile(r'\s*([A-Za-z]+)="([^"]*)"\s*(?:,|$)')


class SignatureError(Exception):
    """The request's signature is missing, malformed, stale or does not verify."""


class DigestError(SignatureError):
    """The body does not match its Digest or Content-Digest."""


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str
    """Path plus query string, as sent."""
    headers: Mapping[str, str]
    """Lower-case names."""
    body: bytes = b""


@dataclass(frozen=True)
class ParsedSignature:
    key_id: str
    scheme: str
    signed_strings: tuple[bytes, ...]
    """What may have been signed; `(request-target)` with and without the query."""
    signature: bytes


@dataclass(frozen=True)
class ActorKey:
    key_id: str
    owner: str
    public_key_pem: str


class KeyLookup(Protocol):
    async def __call__(self, key_id: str, *, refresh: bool) -> ActorKey | None: ...


@functools.lru_cache(maxsize=4096)
def _public_key(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureError("the key is not an RSA key")
    return key


@functools.lru_cache(maxsize=256)
def _private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _check_window(created: datetime, expires: datetime | None, now: datetime) -> None:
    if expires is None:
        expires = created + DEFAULT_LIFETIME
    expires = min(expires, created + MAX_LIFETIME)
    if created > now + SKEW:
        raise SignatureError("the signature is dated in the future")
    if now > expires + SKEW:
        raise SignatureError("the signature has expired")


def _check_digest(header: str | None, body: bytes) -> None:
    if header is None:
        raise DigestError("a POST must carry a Digest")
    expected = hashlib.sha256(body).digest()
    found = False
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        if name.strip().lower() != "sha-256":
            continue
        found = True
        try:
            digest = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError) as error:
            raise DigestError("the Digest is not base64") from error
        if len(digest) != 32:
            raise DigestError("the SHA-256 Digest is not 32 bytes")
        if digest != expected:
            raise DigestError("the Digest does not match the body")
    if not found:
        raise DigestError("only SHA-256 digests are accepted")


def _cavage_params(header: str) -> dict[str, str]:
    text = header.strip()
    if text.lower().startswith("signature "):
        text = text[10:]
    params: dict[str, str] = {}
    position = 0
    while position < len(text):
        match = _PAIR.match(text, position)
        if match is None:
            raise SignatureError("the Signature header is malformed")
        name = match.group(1)
        if name in params:
            raise SignatureError(f"the Signature header repeats {name}")
        params[name] = match.group(2)
        position = match.end()
    return params


def _parse_cavage(request: HttpRequest, now: datetime) -> ParsedSignature:
    params = _cavage_params(request.headers["signature"])
    if "keyId" not in params or "signature" not in params:
        raise SignatureError("keyId and signature are required")
    algorithm = params.get("algorithm", "hs2019").lower()
    if algorithm not in ("rsa-sha256", "hs2019"):
        raise SignatureError(f"unsupported algorithm {algorithm}")
    default = "(created)" if algorithm == "hs2019" else "date"
    names = params.get("headers", default).lower().split()
    if ("(created)" in names or "(expires)" in names) and algorithm != "hs2019":
        raise SignatureError("(created) and (expires) need hs2019")
    if "date" not in names and "(created)" not in names:
        raise SignatureError("the signature must cover date or (created)")
    if "(request-target)" not in names and "digest" not in names:
        raise SignatureError("the signature must cover (request-target) or digest")
    method = request.method.upper()
    if method == "GET" and "host" not in names:
        raise SignatureError("a GET signature must cover host")
    if method == "POST" and "digest" not in names:
        raise SignatureError("a POST signature must cover digest")
    created = expires = None
    try:
        if "created" in params:
            created = datetime.fromtimestamp(int(params["created"]), UTC)
        if "expires" in params:
            expires = datetime.fromtimestamp(int(params["expires"]), UTC)
        if created is None:
            date = request.headers.get("date")
            if date is None:
                raise SignatureError("the request has no Date")
            created = parsedate_to_datetime(date)
    except (ValueError, TypeError, OverflowError) as error:
        raise SignatureError("the signature's time is unreadable") from error
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    _check_window(created, expires, now)
    if method == "POST" or "digest" in names:
        _check_digest(request.headers.get("digest"), request.body)
    path = request.target
    targets = [path] if "?" not in path else [path, path.split("?", 1)[0]]
    strings = []
    for target in targets:
        lines = []
        for name in names:
            if name == "(request-target)":
                lines.append(f"(request-target): {method.lower()} {target}")
            elif name == "(created)":
                lines.append(f"(created): {params.get('created', '')}")
            elif name == "(expires)":
                lines.append(f"(expires): {params.get('expires', '')}")
            elif name in request.headers:
                lines.append(f"{name}: {request.headers[name]}")
            else:
                raise SignatureError(f"the signed header {name} is missing")
        strings.append("\n".join(lines).encode("utf-8"))
    try:
        signature = base64.b64decode(params["signature"], validate=True)
    except (binascii.Error, ValueError) as error:
        raise SignatureError("the signature is not base64") from error
    return ParsedSignature(params["keyId"], "cavage", tuple(strings), signature)


_INPUT = re.compile(r'^\s*([A-Za-z0-9_-]+)=\(([^)]*)\)(.*)$')


def _parse_rfc9421(request: HttpRequest, now: datetime) -> ParsedSignature:
    signature_input = request.headers["signature-input"]
    if signature_input.count("=(") != 1:
        raise SignatureError("exactly one signature is accepted")
    match = _INPUT.match(signature_input)
    if match is None:
        raise SignatureError("Signature-Input is malformed")
    label, components_text, params_text = match.groups()
    components = re.findall(r'"([^"]+)"', components_text)
    params = dict(re.findall(r';\s*([a-z]+)=("?[^;"]*"?)', params_text))
    key_id = params.get("keyid", "").strip('"')
    if not key_id or "created" not in params:
        raise SignatureError("keyid and created are required")
    alg = params.get("alg", '"rsa-v1_5-sha256"').strip('"')
    if alg != "rsa-v1_5-sha256":
        raise SignatureError(f"unsupported alg {alg}")
    if "@method" not in components or "@target-uri" not in components:
        raise SignatureError("the signature must cover @method and @target-uri")
    method = request.method.upper()
    if method == "POST":
        if "content-digest" not in components:
            raise SignatureError("a POST signature must cover content-digest")
        _check_content_digest(request.headers.get("content-digest"), request.body)
    try:
        created = datetime.fromtimestamp(int(params["created"]), UTC)
        expires = (datetime.fromtimestamp(int(params["expires"]), UTC)
                   if "expires" in params else None)
    except (ValueError, OverflowError) as error:
        raise SignatureError("created is unreadable") from error
    _check_window(created, expires, now)
    host = request.headers.get("host", "")
    strings = []
    for scheme in ("https", "http"):
        lines = []
        for component in components:
            if component == "@method":
                value = method
            elif component == "@target-uri":
                value = f"{scheme}://{host}{request.target}"
            elif component in request.headers:
                value = request.headers[component]
            else:
                raise SignatureError(f"the signed component {component} is missing")
            lines.append(f'"{component}": {value}')
        lines.append(f'"@signature-params": ({components_text}){params_text.split(",")[0]}')
        strings.append("\n".join(lines).encode("utf-8"))
    raw = request.headers.get("signature", "")
    found = re.match(rf"^\s*{re.escape(label)}=:([^:]*):\s*$", raw)
    if found is None:
        raise SignatureError("the Signature header does not match Signature-Input")
    try:
        signature = base64.b64decode(found.group(1), validate=True)
    except (binascii.Error, ValueError) as error:
        raise SignatureError("the signature is not base64") from error
    return ParsedSignature(key_id, "rfc9421", tuple(strings), signature)


def _check_content_digest(header: str | None, body: bytes) -> None:
    if header is None:
        raise DigestError("a POST must carry a Content-Digest")
    match = re.search(r"sha-256=:([^:]*):", header)
    if match is None:
        raise DigestError("only sha-256 content digests are accepted")
    try:
        digest = base64.b64decode(match.group(1), validate=True)
    except (binascii.Error, ValueError) as error:
        raise DigestError("the Content-Digest is not base64") from error
    if digest != hashlib.sha256(body).digest():
        raise DigestError("the Content-Digest does not match the body")


def parse_signature(request: HttpRequest, *, now: datetime) -> ParsedSignature:
    if "signature-input" in request.headers:
        return _parse_rfc9421(request, now)
    if "signature" not in request.headers:
        raise SignatureError("the request is not signed")
    return _parse_cavage(request, now)


def verify_signature(parsed: ParsedSignature, public_key_pem: str) -> None:
    try:
        key = _public_key(public_key_pem)
    except ValueError as error:
        raise SignatureError("the public key is unreadable") from error
    for signed in parsed.signed_strings:
        try:
            key.verify(parsed.signature, signed, padding.PKCS1v15(), hashes.SHA256())
            return
        except InvalidSignature:
            continue
    raise SignatureError("the signature does not verify")


async def verify_request(request: HttpRequest, lookup: KeyLookup, *, now: datetime) -> ActorKey:
    """Verify with the known key; on failure refetch the key once (rotation)."""
    parsed = parse_signature(request, now=now)
    key = await lookup(parsed.key_id, refresh=False)
    if key is None:
        raise SignatureError(f"unknown key {parsed.key_id}")
    try:
        verify_signature(parsed, key.public_key_pem)
        return key
    except SignatureError:
        refreshed = await lookup(parsed.key_id, refresh=True)
        if refreshed is None:
            raise
        verify_signature(parsed, refreshed.public_key_pem)
        return refreshed


def _host(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.netloc, target


def sign_request(*, method: str, url: str, body: bytes | None, key_id: str,
                 private_key_pem: str, now: datetime | None = None,
                 content_type: str = "application/activity+json",
                 accept: str | None = None) -> dict[str, str]:
    """Draft-cavage rsa-sha256; Host is the URL's host[:port] as it will be sent."""
    host, target = _host(url)
    headers = {"Host": host, "Date": format_datetime(now or datetime.now(UTC), usegmt=True)}
    names = ["(request-target)", "host", "date"]
    if body is not None:
        headers["Digest"] = f"SHA-256={_b64(hashlib.sha256(body).digest())}"
        headers["Content-Type"] = content_type
        names += ["digest", "content-type"]
    if accept is not None:
        headers["Accept"] = accept
        names.append("accept")
    values = {name.lower(): value for name, value in headers.items()}
    lines = [f"(request-target): {method.lower()} {target}"]
    lines += [f"{name}: {values[name]}" for name in names[1:]]
    signature = _private_key(private_key_pem).sign(
        "\n".join(lines).encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    headers["Signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",'
        f'signature="{_b64(signature)}"'
    )
    return headers


def sign_request_rfc9421(*, method: str, url: str, body: bytes | None, key_id: str,
                         private_key_pem: str, now: datetime | None = None,
                         content_type: str = "application/activity+json") -> dict[str, str]:
    host, _ = _host(url)
    moment = now or datetime.now(UTC)
    headers = {"Host": host, "Date": format_datetime(moment, usegmt=True)}
    components = ['"@method"', '"@target-uri"']
    if body is not None:
        headers["Content-Digest"] = f"sha-256=:{_b64(hashlib.sha256(body).digest())}:"
        headers["Content-Type"] = content_type
        components.append('"content-digest"')
    params = f';created={int(moment.timestamp())};keyid="{key_id}";alg="rsa-v1_5-sha256"'
    inner = f"({' '.join(components)}){params}"
    lines = [f'"@method": {method.upper()}', f'"@target-uri": {url}']
    if body is not None:
        lines.append(f'"content-digest": {headers["Content-Digest"]}')
    lines.append(f'"@signature-params": {inner}')
    signature = _private_key(private_key_pem).sign(
        "\n".join(lines).encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    headers["Signature-Input"] = f"sig1={inner}"
    headers["Signature"] = f"sig1=:{_b64(signature)}:"
    return headers
