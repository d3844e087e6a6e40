"""HTTP Signatures, cross-checked with the independent httpsig package both ways."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpsig
import pytest

from federation.keys import generate_key_pair
from federation.signatures import (
    ActorKey,
    DigestError,
    HttpRequest,
    SignatureError,
    parse_signature,
    sign_request,
    sign_request_rfc9421,
    verify_request,
    verify_signature,
)

KEY = generate_key_pair()
OTHER = generate_key_pair()
KEY_ID = "https://m.example/ap/users/1#main-key"
URL = "https://k.example/inbox"
BODY = b'{"type":"Create"}'
NOW = datetime.now(UTC)


def lowered(headers: dict[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def verify(headers: dict[str, str], *, body: bytes = BODY, method: str = "POST",
           target: str = "/inbox", pem: str = KEY.public_pem,
           now: datetime = NOW) -> None:
    parsed = parse_signature(HttpRequest(method, target, lowered(headers), body), now=now)
    verify_signature(parsed, pem)


def mastodon_headers(order: str, *, body: bytes = BODY, date: datetime = NOW,
                     algorithm: str = "rsa-sha256") -> dict[str, str]:
    digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
    headers = {"Host": "k.example", "Date": format_datetime(date, usegmt=True),
               "Digest": digest, "Content-Type": "application/activity+json"}
    signer = httpsig.HeaderSigner(KEY_ID, KEY.private_pem, algorithm="rsa-sha256",
                                  headers=order.split())
    signed = signer.sign(headers, host="k.example", method="POST", path="/inbox")
    if algorithm != "rsa-sha256":
        signed["authorization"] = signed["authorization"].replace("rsa-sha256", algorithm)
    signed["Signature"] = signed.pop("authorization").removeprefix("Signature ")
    return signed


@pytest.mark.parametrize("order", [
    "host date digest content-type (request-target)",
    "host date content-type digest (request-target)",
    "(request-target) host date digest content-type",
])
def test_we_verify_what_httpsig_signs_in_every_mastodon_order(order: str) -> None:
    verify(mastodon_headers(order))


def test_hs2019_label_verifies_as_rsa_sha256() -> None:
    verify(mastodon_headers("(request-target) host date digest", algorithm="hs2019"))


def test_httpsig_verifies_what_we_sign() -> None:
    headers = sign_request(method="POST", url=URL, body=BODY, key_id=KEY_ID,
                           private_key_pem=KEY.private_pem)
    verifier = httpsig.HeaderVerifier(
        headers={name.lower(): value for name, value in headers.items()},
        secret=KEY.public_pem.encode(), method="POST", path="/inbox", host="k.example",
        sign_header="signature", required_headers=["(request-target)", "host", "digest"],
    )
    assert verifier.verify()
    verify(headers)


def test_signed_get_includes_the_query() -> None:
    headers = sign_request(method="GET", url="https://k.example/users/a?page=1", body=None,
                           key_id=KEY_ID, private_key_pem=KEY.private_pem,
                           accept="application/activity+json")
    verify(headers, body=b"", method="GET", target="/users/a?page=1")
    assert 'headers="(request-target) host date accept"' in headers["Signature"]


@pytest.mark.parametrize("offset_minutes", [-50, 50])
def test_date_within_an_hour_is_accepted(offset_minutes: int) -> None:
    verify(mastodon_headers("(request-target) host date digest",
                            date=NOW + timedelta(minutes=offset_minutes)))


@pytest.mark.parametrize("offset_hours", [-2, 2])
def test_stale_or_future_date_is_refused(offset_hours: int) -> None:
    headers = mastodon_headers("(request-target) host date digest",
                               date=NOW + timedelta(hours=offset_hours))
    with pytest.raises(SignatureError, match=r"expired|future"):
        verify(headers)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"body": b'{"type":"Delete"}'}, DigestError),
        ({"pem": OTHER.public_pem}, SignatureError),
    ],
)
def test_tampering_is_refused(change: dict[str, object], error: type[Exception]) -> None:
    headers = mastodon_headers("(request-target) host date digest")
    with pytest.raises(error):
        verify(headers, **change)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda h: h.update(Digest="SHA-512=abc"), "SHA-256"),
        (lambda h: h.update(Digest="SHA-256=!!!"), "base64"),
        (lambda h: h.update(Digest="SHA-256=" + base64.b64encode(b"short").decode()), "32"),
        (lambda h: h.pop("digest"), "Digest"),
        (lambda h: h.update(Signature=h["Signature"] + ',keyId="again"'), "repeats"),
        (lambda h: h.update(Signature=h["Signature"].replace("rsa-sha256", "ed448")),
         "algorithm"),
        (lambda h: h.update(Signature='keyId="x",headers="(created)",algorithm="rsa-sha256",'
                                      'signature="AA=="'), "hs2019"),
    ],
)
def test_malformed_signatures_are_refused(  # type: ignore[no-untyped-def]
    mutate, message: str
) -> None:
    headers = mastodon_headers("(request-target) host date digest")
    mutate(headers)
    with pytest.raises(SignatureError, match=message):
        verify(headers)


def test_get_must_sign_host_and_post_must_sign_digest() -> None:
    signer = httpsig.HeaderSigner(KEY_ID, KEY.private_pem, algorithm="rsa-sha256",
                                  headers=["(request-target)", "date"])
    headers = {"Date": format_datetime(NOW, usegmt=True), "Host": "k.example"}
    signed = signer.sign(dict(headers), host="k.example", method="GET", path="/users/a")
    signed["Signature"] = signed.pop("authorization").removeprefix("Signature ")
    with pytest.raises(SignatureError, match="host"):
        verify(signed, body=b"", method="GET", target="/users/a")
    with pytest.raises(SignatureError, match="digest"):
        verify(signed, method="POST")


def test_rfc9421_round_trip_and_tampering() -> None:
    headers = sign_request_rfc9421(method="POST", url=URL, body=BODY, key_id=KEY_ID,
                                   private_key_pem=KEY.private_pem)
    parsed = parse_signature(HttpRequest("POST", "/inbox", lowered(headers), BODY), now=NOW)
    assert parsed.scheme == "rfc9421"
    assert parsed.key_id == KEY_ID
    verify_signature(parsed, KEY.public_pem)
    with pytest.raises(DigestError):
        parse_signature(HttpRequest("POST", "/inbox", lowered(headers), b"{}"), now=NOW)
    with pytest.raises(SignatureError):
        verify_signature(parsed, OTHER.public_pem)


async def test_key_rotation_refetches_once() -> None:
    calls: list[bool] = []

    async def lookup(key_id: str, *, refresh: bool) -> ActorKey | None:
        calls.append(refresh)
        pem = KEY.public_pem if refresh else OTHER.public_pem
        return ActorKey(key_id, "https://m.example/ap/users/1", pem)

    headers = mastodon_headers("(request-target) host date digest")
    request = HttpRequest("POST", "/inbox", lowered(headers), BODY)
    key = await verify_request(request, lookup, now=NOW)
    assert key.public_key_pem == KEY.public_pem
    assert calls == [False, True]

    async def always_wrong(key_id: str, *, refresh: bool) -> ActorKey | None:
        return ActorKey(key_id, "https://m.example/ap/users/1", OTHER.public_pem)

    with pytest.raises(SignatureError):
        await verify_request(request, always_wrong, now=NOW)

    async def unknown(key_id: str, *, refresh: bool) -> ActorKey | None:
        return None

    with pytest.raises(SignatureError, match="unknown key"):
        await verify_request(request, unknown, now=NOW)
