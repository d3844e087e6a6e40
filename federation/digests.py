"""Body digests: the draft-cavage `Digest` header and the RFC 9530 `Content-Digest`.

A signature covers the digest header, not the body, so a POST is only as authentic as
this check. Mastodon accepts SHA-256 alone; other algorithms offered beside it are
ignored, and a list that offers only others is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

__all__ = [
    "DigestError",
    "SignatureError",
    "check_content_digest",
    "check_digest",
    "content_digest",
    "digest",
]

_SHA256_BYTES = 32


class SignatureError(Exception):
    """The request's signature is missing, malformed, stale or does not verify.

    Defined here, below `federation.signatures` (which re-exports it), because a digest
    failure is a signature failure and this module must not import that one.
    """


class DigestError(SignatureError):
    """The body does not match its Digest or Content-Digest, or the header is malformed."""


def _sha256(body: bytes) -> bytes:
    return hashlib.sha256(body).digest()


def digest(body: bytes) -> str:
    """The `Digest` header value for `body`: `SHA-256=<base64>`."""
    return "SHA-256=" + base64.b64encode(_sha256(body)).decode("ascii")


def content_digest(body: bytes) -> str:
    """The `Content-Digest` header value for `body`: `sha-256=:<base64>:`."""
    return "sha-256=:" + base64.b64encode(_sha256(body)).decode("ascii") + ":"


def _decode(value: str, header: str) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:
        raise DigestError(f"the {header} SHA-256 value is not base64") from error
    if len(raw) != _SHA256_BYTES:
        raise DigestError(f"the {header} SHA-256 value is {len(raw)} bytes, not 32")
    return raw


def check_digest(header: str | None, body: bytes) -> None:
    """Check a `Digest: SHA-256=…` header (a comma list is allowed) against `body`."""
    if header is None:
        raise DigestError("the request has no Digest header")
    offered = []
    for item in header.split(","):
        name, _, value = item.partition("=")
        name = name.strip().lower()
        offered.append(name)
        if name == "sha-256":
            if _decode(value.strip(), "Digest") != _sha256(body):
                raise DigestError("the Digest does not match the body")
            return
    raise DigestError(f"only SHA-256 digests are accepted (offered: {', '.join(offered)})")


def check_content_digest(header: str | None, body: bytes) -> None:
    """Check an RFC 9530 `Content-Digest` dictionary's `sha-256` member against `body`.

    Parsed by hand rather than as a full structured field: members are `key=:b64:`,
    separated by commas (base64 has no commas), optionally with `;params` we ignore.
    """
    if header is None:
        raise DigestError("the request has no Content-Digest header")
    offered = []
    for member in header.split(","):
        name, _, value = member.strip().partition("=")
        offered.append(name)
        if name != "sha-256":
            continue
        value = value.split(";", 1)[0].strip()
        if len(value) < 2 or value[0] != ":" or value[-1] != ":":
            raise DigestError("the Content-Digest sha-256 value is not a byte sequence")
        if _decode(value[1:-1], "Content-Digest") != _sha256(body):
            raise DigestError("the Content-Digest does not match the body")
        return
    raise DigestError(f"only sha-256 content digests are accepted (offered: {', '.join(offered)})")
