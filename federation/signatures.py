"""HTTP Signatures as current Mastodon makes and checks them.

Two schemes: draft-cavage (`Signature: keyId=…,algorithm=…,headers=…,signature=…`, with a
SHA-256 `Digest`), which every fediverse server speaks, and RFC 9421 (`Signature-Input` +
`Signature`, with an RFC 9530 `Content-Digest`), which Mastodon 4.5+ accepts and 4.7 falls
back to when a Cavage delivery gets 400 or 401.

The work is split so that the cheap, the expensive and the networked parts stay apart:
`parse_signature` does every check that needs no key (syntax, covered headers, time
window, body digest) and builds the candidate signing strings; `verify_signature` is the
RSA step alone, over a cached public key; `verify_request` adds the key lookup with one
refetch for key rotation. All of it works on a plain `HttpRequest`, no web framework.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Protocol
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from federation.digests import (
    DigestError,
    SignatureError,
    check_content_digest,
    check_digest,
    content_digest,
    digest,
)

__all__ = [
    "ActorKey",
    "DigestError",
    "HttpRequest",
    "KeyLookup",
    "ParsedSignature",
    "SignatureError",
    "parse_signature",
    "sign_request",
    "sign_request_rfc9421",
    "verify_request",
    "verify_signature",
]

CLOCK_SKEW = timedelta(hours=1)
"""Mastodon's margin on both ends of the window: with Date alone, about -1 h to +65 min."""
DEFAULT_LIFETIME = timedelta(minutes=5)
MAX_LIFETIME = timedelta(hours=12)
RFC9421_ALG = "rsa-v1_5-sha256"
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class HttpRequest:
    """A request as received, independent of the web framework."""

    method: str
    target: str
    """Path plus query string, exactly as sent (e.g. `/users/a/inbox?x=1`)."""
    headers: Mapping[str, str]
    """Lower-case names; duplicate headers joined with `, `."""
    body: bytes = b""


@dataclass(frozen=True)
class ParsedSignature:
    """A signature that passed every key-free check, ready for the RSA step."""

    key_id: str
    scheme: str
    """`cavage` or `rfc9421`."""
    signed_strings: tuple[bytes, ...]
    """What the sender may have signed, most likely first: Cavage `(request-target)` with
    and without the query; RFC 9421 `@target-uri` as https and as http."""
    signature: bytes
    covered: tuple[str, ...]
    """The signed header names or components, in the order signed."""
    created: datetime
    expires: datetime
    """Effective expiry: as given or created + 5 min, capped at created + 12 h."""


@dataclass(frozen=True)
class ActorKey:
    key_id: str
    owner: str
    """The actor URI that owns the key; the caller checks it against the activity's actor."""
    public_key_pem: str


class KeyLookup(Protocol):
    """Finds the key for a keyId; `refresh=True` asks to refetch it, not use a cached one."""

    async def __call__(self, key_id: str, *, refresh: bool) -> ActorKey | None: ...


@functools.lru_cache(maxsize=4096)
def _public_key(pem: str) -> rsa.RSAPublicKey:
    """Loading a PEM costs about as much as verifying with it; actors reuse keys."""
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise SignatureError("the public key is not a readable PEM") from error
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureError("the public key is not an RSA key")
    return key


@functools.lru_cache(maxsize=256)
def _private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("signing needs an RSA private key")
    return key


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64decode(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:
        raise SignatureError("the signature is not base64") from error


def _timestamp(value: str, name: str) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (ValueError, OverflowError, OSError) as error:
        raise SignatureError(f"the {name} parameter is not a timestamp") from error


def _window(created: datetime, expires: datetime | None, now: datetime) -> datetime:
    """Mastodon's time window; returns the effective expiry."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    limit = created + MAX_LIFETIME
    expires = min(expires or created + DEFAULT_LIFETIME, limit)
    if created > now + CLOCK_SKEW:
        raise SignatureError("the signature is dated in the future")
    if now > expires + CLOCK_SKEW:
        raise SignatureError("the signature has expired")
    return expires


# draft-cavage


_TOKEN = re.compile(r"[0-9A-Za-z!#$%&'*+.^_`|~-]+")
_QUOTED = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"')
"""A quoted-string with backslash escapes, unrolled so that the long base64 signature
is one run of `[^"\\]*` rather than an alternation tried at every character."""
_ESCAPED = re.compile(r"\\(.)")


def _skip_whitespace(text: str, position: int) -> int:
    while text[position : position + 1] in (" ", "\t"):
        position += 1
    return position


def _cavage_params(header: str) -> dict[str, str]:
    """`key="value"` (or `key=token`) pairs, as Mastodon's SignatureParser reads them."""
    text = header.strip()
    if text[:10].lower() == "signature ":
        text = text[10:]
    params: dict[str, str] = {}
    position = 0
    while True:
        position = _skip_whitespace(text, position)
        key = _TOKEN.match(text, position)
        if key is None:
            raise SignatureError("the Signature header is malformed")
        position = _skip_whitespace(text, key.end())
        if text[position : position + 1] != "=":
            raise SignatureError(f"the Signature parameter {key.group()} has no value")
        position = _skip_whitespace(text, position + 1)
        quoted = _QUOTED.match(text, position)
        if quoted is not None:
            value = quoted.group(1)
            if "\\" in value:
                value = _ESCAPED.sub(r"\1", value)
            position = quoted.end()
        else:
            token = _TOKEN.match(text, position)
            if token is None:
                raise SignatureError(f"the Signature parameter {key.group()} is malformed")
            value, position = token.group(), token.end()
        if key.group() in params:
            raise SignatureError(f"the Signature header repeats {key.group()}")
        params[key.group()] = value
        position = _skip_whitespace(text, position)
        if position == len(text):
            return params
        if text[position] != ",":
            raise SignatureError("the Signature header is malformed")
        position += 1


def _check_cavage_coverage(names: list[str], method: str) -> None:
    if "date" not in names and "(created)" not in names:
        raise SignatureError("the signature must cover date or (created)")
    if "(request-target)" not in names and "digest" not in names:
        raise SignatureError("the signature must cover (request-target) or digest")
    if method == "GET" and "host" not in names:
        raise SignatureError("a GET signature must cover host")
    if method == "POST" and "digest" not in names:
        raise SignatureError("a POST signature must cover digest")


def _cavage_time(
    request: HttpRequest, params: Mapping[str, str], hs2019: bool
) -> tuple[datetime, datetime | None]:
    expires = None
    if hs2019 and "expires" in params:
        expires = _timestamp(params["expires"], "expires")
    if hs2019 and "created" in params:
        return _timestamp(params["created"], "created"), expires
    date = request.headers.get("date")
    if date is None:
        raise SignatureError("the request has neither a Date nor a created parameter")
    return _http_date_value(date), expires


@functools.lru_cache(maxsize=256)
def _http_date_value(date: str) -> datetime:
    """A Date header as a moment; cached, since a busy sender's requests share a second."""
    try:
        created = parsedate_to_datetime(date)
    except (TypeError, ValueError) as error:
        raise SignatureError("the Date header is not an HTTP date") from error
    return created if created.tzinfo else created.replace(tzinfo=UTC)


def _cavage_line(name: str, request: HttpRequest, params: Mapping[str, str]) -> str:
    if name in ("(created)", "(expires)"):
        value = params.get(name[1:-1])
        if value is None:
            raise SignatureError(f"{name} is signed but the parameter is missing")
        return f"{name}: {value}"
    value = request.headers.get(name)
    if value is None:
        raise SignatureError(f"the signed header {name} is missing")
    return f"{name}: {value}"


def _parse_cavage(request: HttpRequest, now: datetime) -> ParsedSignature:
    params = _cavage_params(request.headers["signature"])
    key_id, signature = params.get("keyId"), params.get("signature")
    if not key_id or not signature:
        raise SignatureError("the Signature header needs keyId and signature")
    algorithm = params.get("algorithm", "hs2019")
    if algorithm not in ("rsa-sha256", "hs2019"):
        raise SignatureError(f"unsupported algorithm {algorithm!r}")
    hs2019 = algorithm == "hs2019"
    names = params.get("headers", "(created)" if hs2019 else "date").lower().split()
    if not hs2019 and ("(created)" in names or "(expires)" in names):
        raise SignatureError("(created) and (expires) are only allowed with hs2019")
    method = request.method.upper()
    _check_cavage_coverage(names, method)
    created, expires = _cavage_time(request, params, hs2019)
    effective_expiry = _window(created, expires, now)
    if "digest" in names:
        check_digest(request.headers.get("digest"), request.body)
    targets = [request.target]
    if "?" in request.target:
        targets.append(request.target.split("?", 1)[0])
    strings = []
    for target in targets:
        lines = [
            f"(request-target): {method.lower()} {target}"
            if name == "(request-target)"
            else _cavage_line(name, request, params)
            for name in names
        ]
        strings.append("\n".join(lines).encode("utf-8"))
        if "(request-target)" not in names:
            break
    return ParsedSignature(
        key_id=key_id,
        scheme="cavage",
        signed_strings=tuple(strings),
        signature=_b64decode(signature),
        covered=tuple(names),
        created=created,
        expires=effective_expiry,
    )


# RFC 9421, over the subset of RFC 8941 structured fields its headers use


class _Token(str):
    """An sf-token, serialized bare where a str is serialized quoted."""


_Bare = int | bool | bytes | str
_Params = dict[str, _Bare]
_SF_KEY = re.compile(r"[a-z*][a-z0-9_.*-]*")
_SF_TOKEN = re.compile(r"[A-Za-z*][A-Za-z0-9!#$%&'*+.^_`|~:/-]*")
_SF_INTEGER = re.compile(r"-?[0-9]{1,15}(?![0-9.])")
_SF_BOOLEAN = re.compile(r"\?([01])")
_SF_BYTES = re.compile(r":([A-Za-z0-9+/=]*):")
_SF_STRING = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')


class _Fields:
    """A cursor over one structured header; raises SignatureError on any syntax error."""

    def __init__(self, text: str, header: str) -> None:
        self.text, self.header, self.at = text.strip(" "), header, 0

    def fail(self) -> SignatureError:
        return SignatureError(f"the {self.header} header is malformed")

    def skip(self, blanks: str) -> None:
        while self.at < len(self.text) and self.text[self.at] in blanks:
            self.at += 1

    def take(self, pattern: re.Pattern[str]) -> re.Match[str]:
        match = pattern.match(self.text, self.at)
        if match is None:
            raise self.fail()
        self.at = match.end()
        return match

    def peek(self) -> str:
        return self.text[self.at : self.at + 1]

    def bare(self) -> _Bare:
        char = self.peek()
        if char == '"':
            return re.sub(r"\\(.)", r"\1", self.take(_SF_STRING).group(1))
        if char == ":":
            try:
                return base64.b64decode(self.take(_SF_BYTES).group(1), validate=True)
            except (binascii.Error, ValueError) as error:
                raise self.fail() from error
        if char == "?":
            return self.take(_SF_BOOLEAN).group(1) == "1"
        if char == "-" or char.isdigit():
            return int(self.take(_SF_INTEGER).group())
        return _Token(self.take(_SF_TOKEN).group())

    def params(self) -> _Params:
        params: _Params = {}
        while self.peek() == ";":
            self.at += 1
            self.skip(" ")
            key = self.take(_SF_KEY).group()
            if self.peek() == "=":
                self.at += 1
                params[key] = self.bare()
            else:
                params[key] = True
        return params

    def member(self) -> tuple[_Bare | list[tuple[_Bare, _Params]], _Params]:
        if self.peek() != "(":
            return self.bare(), self.params()
        self.at += 1
        items: list[tuple[_Bare, _Params]] = []
        while True:
            self.skip(" ")
            if self.peek() == ")":
                self.at += 1
                return items, self.params()
            items.append((self.bare(), self.params()))
            if self.peek() not in (" ", ")"):
                raise self.fail()

    def dictionary(self) -> dict[str, tuple[_Bare | list[tuple[_Bare, _Params]], _Params]]:
        members: dict[str, tuple[_Bare | list[tuple[_Bare, _Params]], _Params]] = {}
        while self.at < len(self.text):
            key = self.take(_SF_KEY).group()
            if key in members:
                raise SignatureError(f"the {self.header} header repeats {key}")
            if self.peek() == "=":
                self.at += 1
                members[key] = self.member()
            else:
                members[key] = (True, self.params())
            self.skip(" \t")
            if self.at < len(self.text):
                if self.peek() != ",":
                    raise self.fail()
                self.at += 1
                self.skip(" \t")
                if self.at == len(self.text):
                    raise self.fail()
        return members


def _sf_bare(value: _Bare) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes):
        return f":{_b64(value)}:"
    if isinstance(value, _Token):
        return str(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _sf_params(params: _Params) -> str:
    return "".join(
        f";{key}" if value is True else f";{key}={_sf_bare(value)}" for key, value in params.items()
    )


def _component_value(name: str, request: HttpRequest, scheme: str) -> str:
    host = request.headers.get("host", "")
    path, _, query = request.target.partition("?")
    derived = {
        "@method": request.method.upper(),
        "@target-uri": f"{scheme}://{host}{request.target}",
        "@authority": host.lower(),
        "@scheme": scheme,
        "@request-target": request.target,
        "@path": path or "/",
        "@query": f"?{query}",
    }
    if name.startswith("@"):
        if name not in derived:
            raise SignatureError(f"unsupported derived component {name}")
        return derived[name]
    value = request.headers.get(name)
    if value is None:
        raise SignatureError(f"the signed component {name} is missing")
    return value.strip()


def _parse_rfc9421(request: HttpRequest, now: datetime) -> ParsedSignature:
    inputs = _Fields(request.headers["signature-input"], "Signature-Input").dictionary()
    if len(inputs) != 1:
        raise SignatureError("exactly one RFC 9421 signature is accepted")
    ((label, (members, params)),) = inputs.items()
    if not isinstance(members, list):
        raise SignatureError("Signature-Input must hold an inner list")
    components = []
    for item, item_params in members:
        if not isinstance(item, str) or isinstance(item, _Token) or item_params:
            raise SignatureError("unsupported component identifier in Signature-Input")
        components.append(item)
    key_id, created_at, alg = params.get("keyid"), params.get("created"), params.get("alg")
    if not isinstance(key_id, str) or not key_id or type(created_at) is not int:
        raise SignatureError("Signature-Input needs keyid and created")
    if alg is not None and alg != RFC9421_ALG:
        raise SignatureError(f"unsupported alg {alg!r}")
    if "@method" not in components or "@target-uri" not in components:
        raise SignatureError("the signature must cover @method and @target-uri")
    if request.method.upper() == "POST" and "content-digest" not in components:
        raise SignatureError("a POST signature must cover content-digest")
    expires_at = params.get("expires")
    if expires_at is not None and type(expires_at) is not int:
        raise SignatureError("the expires parameter is not a timestamp")
    created = _timestamp(str(created_at), "created")
    expires = None if expires_at is None else _timestamp(str(expires_at), "expires")
    effective_expiry = _window(created, expires, now)
    if "content-digest" in components:
        check_content_digest(request.headers.get("content-digest"), request.body)
    signature_params = (
        "(" + " ".join(_sf_bare(name) for name in components) + ")" + _sf_params(params)
    )
    strings = []
    for scheme in ("https", "http"):
        lines = [
            f"{_sf_bare(name)}: {_component_value(name, request, scheme)}" for name in components
        ]
        lines.append(f'"@signature-params": {signature_params}')
        strings.append("\n".join(lines).encode("utf-8"))
    signatures = _Fields(request.headers.get("signature", ""), "Signature").dictionary()
    signature = signatures.get(label, (None, {}))[0]
    if not isinstance(signature, bytes):
        raise SignatureError(f"the Signature header has no byte sequence for {label}")
    return ParsedSignature(
        key_id=key_id,
        scheme="rfc9421",
        signed_strings=tuple(strings),
        signature=signature,
        covered=tuple(components),
        created=created,
        expires=effective_expiry,
    )


# verifying


def parse_signature(request: HttpRequest, *, now: datetime) -> ParsedSignature:
    """Every check that needs no key; RFC 9421 when `Signature-Input` is present.

    Raises SignatureError, or DigestError when the body does not match its digest (which
    Mastodon answers 400 rather than 401 for a malformed Content-Digest).
    """
    if "signature-input" in request.headers:
        return _parse_rfc9421(request, now)
    if "signature" not in request.headers:
        raise SignatureError("the request is not signed")
    return _parse_cavage(request, now)


def verify_signature(parsed: ParsedSignature, public_key_pem: str) -> None:
    """RSA PKCS#1 v1.5 with SHA-256 over each candidate; raises SignatureError if none."""
    key = _public_key(public_key_pem)
    for signed in parsed.signed_strings:
        try:
            key.verify(parsed.signature, signed, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            continue
        return
    raise SignatureError("the signature does not verify with the key")


async def verify_request(request: HttpRequest, lookup: KeyLookup, *, now: datetime) -> ActorKey:
    """Parse, verify with the known key and, if that fails, refetch the key once.

    The refetch is how a key rotation reaches us: the sender's new key is signed with
    before our cached copy changes. The caller rate-limits refreshes in `lookup`.
    """
    parsed = parse_signature(request, now=now)
    key = await lookup(parsed.key_id, refresh=False)
    if key is None:
        raise SignatureError(f"unknown key {parsed.key_id}")
    try:
        verify_signature(parsed, key.public_key_pem)
    except SignatureError as first:
        refreshed = await lookup(parsed.key_id, refresh=True)
        if refreshed is None:
            raise SignatureError(f"{first} (and the key could not be refetched)") from first
        if refreshed.public_key_pem == key.public_key_pem:
            raise
        verify_signature(parsed, refreshed.public_key_pem)
        return refreshed
    return key


# signing


def _split_url(url: str) -> tuple[str, str, str]:
    """Scheme, Host header value and request target: bare host, port only if not default."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"cannot sign a request to {url!r}")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if parts.port is not None and parts.port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{parts.port}"
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, target


def _http_date(now: datetime | None) -> tuple[str, datetime]:
    moment = now or datetime.now(UTC)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return format_datetime(moment, usegmt=True), moment


def _sign(private_key_pem: str, text: str) -> str:
    signature = _private_key(private_key_pem).sign(
        text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256()
    )
    return _b64(signature)


def sign_request(
    *,
    method: str,
    url: str,
    body: bytes | None,
    key_id: str,
    private_key_pem: str,
    now: datetime | None = None,
    content_type: str = "application/activity+json",
    accept: str | None = None,
) -> dict[str, str]:
    """Draft-cavage rsa-sha256 headers: everything to send, Signature included.

    `(request-target)` comes first rather than last as Mastodon puts it: receivers follow
    `headers=` whatever the order. Host carries the port only when it is not the scheme's
    default, so it equals what the HTTP client sends and the receiver compares.
    """
    _, host, target = _split_url(url)
    headers = {"Host": host, "Date": _http_date(now)[0]}
    if body is not None:
        headers["Digest"] = digest(body)
        headers["Content-Type"] = content_type
    if accept is not None:
        headers["Accept"] = accept
    lines = [f"(request-target): {method.lower()} {target}"]
    lines += [f"{name.lower()}: {value}" for name, value in headers.items()]
    names = " ".join(["(request-target)", *(name.lower() for name in headers)])
    headers["Signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{names}",'
        f'signature="{_sign(private_key_pem, chr(10).join(lines))}"'
    )
    return headers


def sign_request_rfc9421(
    *,
    method: str,
    url: str,
    body: bytes | None,
    key_id: str,
    private_key_pem: str,
    now: datetime | None = None,
    content_type: str = "application/activity+json",
) -> dict[str, str]:
    """RFC 9421 headers as Mastodon 4.7 sends on retry: `sig1` over @method, @target-uri
    and (with a body) content-digest, with `created`, `keyid` and rsa-v1_5-sha256.

    `@target-uri` is rebuilt from the Host header we send, which is what the receiver
    will reconstruct, rather than copied from `url` (which may spell a default port).
    """
    scheme, host, target = _split_url(url)
    date, moment = _http_date(now)
    headers = {"Host": host, "Date": date}
    components = ["@method", "@target-uri"]
    values = [method.upper(), f"{scheme}://{host}{target}"]
    if body is not None:
        headers["Content-Digest"] = content_digest(body)
        headers["Content-Type"] = content_type
        components.append("content-digest")
        values.append(headers["Content-Digest"])
    params: _Params = {"created": int(moment.timestamp()), "keyid": key_id, "alg": RFC9421_ALG}
    inner = "(" + " ".join(_sf_bare(name) for name in components) + ")" + _sf_params(params)
    lines = [f"{_sf_bare(name)}: {value}" for name, value in zip(components, values, strict=True)]
    lines.append(f'"@signature-params": {inner}')
    headers["Signature-Input"] = f"sig1={inner}"
    headers["Signature"] = f"sig1=:{_sign(private_key_pem, chr(10).join(lines))}:"
    return headers
