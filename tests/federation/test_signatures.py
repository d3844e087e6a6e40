"""HTTP Signatures: Mastodon's rules, cross-checked with the independent httpsig package."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpsig
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from federation.keys import generate_key_pair
from federation.signatures import (
    ActorKey,
    DigestError,
    HttpRequest,
    KeyLookup,
    ParsedSignature,
    SignatureError,
    parse_signature,
    sign_request,
    sign_request_rfc9421,
    verify_request,
    verify_signature,
)

KEY = generate_key_pair()
OTHER = generate_key_pair()
ACTOR = "https://m.example/users/alice"
KEY_ID = f"{ACTOR}#main-key"
URL = "https://k.example/users/bob/inbox"
PATH = "/users/bob/inbox"
BODY = b'{"type":"Create","id":"https://m.example/1"}'
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)

MASTODON_45_POST = "host date digest content-type (request-target)"
MASTODON_47_POST = "host date content-type digest (request-target)"


def lowered(headers: dict[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def parse(
    headers: dict[str, str],
    *,
    method: str = "POST",
    target: str = PATH,
    body: bytes = BODY,
    now: datetime = NOW,
) -> ParsedSignature:
    return parse_signature(HttpRequest(method, target, lowered(headers), body), now=now)


def verify(headers: dict[str, str], *, pem: str = KEY.public_pem, **request: Any) -> None:
    verify_signature(parse(headers, **request), pem)


def sha256_digest(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def httpsig_signed(
    order: str,
    *,
    method: str = "POST",
    path: str = PATH,
    body: bytes = BODY,
    date: datetime = NOW,
    key_id: str = KEY_ID,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """Headers as a Mastodon-like sender makes them, signed by httpsig, not by us."""
    headers = {"Host": "k.example", "Date": format_datetime(date, usegmt=True)}
    if method == "POST":
        headers |= {"Digest": sha256_digest(body), "Content-Type": "application/activity+json"}
    else:
        headers["Accept"] = "application/activity+json"
    headers |= extra or {}
    signer = httpsig.HeaderSigner(
        key_id,
        KEY.private_pem,
        algorithm="rsa-sha256",
        headers=order.split(),
        sign_header="signature",
    )
    return dict(signer.sign(headers, host="k.example", method=method, path=path))


def rsa_sign(text: str) -> str:
    """Sign with `cryptography` directly, not through the module under test."""
    key = serialization.load_pem_private_key(KEY.private_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    signature = key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def hand_signed(params: dict[str, str], lines: list[str]) -> str:
    """A Cavage Signature value built by hand (httpsig knows no hs2019 or (created))."""
    params = params | {"signature": rsa_sign("\n".join(lines))}
    return ",".join(f'{name}="{value}"' for name, value in params.items())


# draft-cavage: what others sign, we verify


@pytest.mark.parametrize(
    "order", [MASTODON_45_POST, MASTODON_47_POST, "(request-target) host date digest"]
)
def test_we_verify_httpsig_posts_in_every_mastodon_order(order: str) -> None:
    parsed = parse(httpsig_signed(order))
    assert parsed.scheme == "cavage"
    assert parsed.covered == tuple(order.split())
    verify_signature(parsed, KEY.public_pem)


@pytest.mark.parametrize(
    "order", ["host date (request-target)", "host date accept (request-target)"]
)
def test_we_verify_httpsig_gets_with_their_query(order: str) -> None:
    target = "/users/alice/outbox?page=true&min_id=3"
    headers = httpsig_signed(order, method="GET", path=target, body=b"")
    verify(headers, method="GET", target=target, body=b"")


def test_request_target_signed_without_the_query_is_accepted() -> None:
    headers = httpsig_signed("host date (request-target)", method="GET", path="/users/a")
    verify(headers, method="GET", target="/users/a?page=1", body=b"")


@pytest.mark.parametrize(
    "key_id", [f"{ACTOR}#main-key", f"{ACTOR}/main-key", f"{ACTOR}#other", "acct:alice@m.example"]
)
def test_any_key_id_form_is_passed_through(key_id: str) -> None:
    parsed = parse(httpsig_signed(MASTODON_47_POST, key_id=key_id))
    assert parsed.key_id == key_id
    verify_signature(parsed, KEY.public_pem)


def test_collection_synchronization_is_verified_when_signed() -> None:
    sync = 'collectionId="https://m.example/users/alice/followers", digest="ab"'
    order = "host date digest content-type collection-synchronization (request-target)"
    verify(httpsig_signed(order, extra={"Collection-Synchronization": sync}))


def test_signature_prefix_and_tokens_are_tolerated() -> None:
    headers = httpsig_signed(MASTODON_47_POST)
    headers["signature"] = "Signature " + headers["signature"].replace(
        'algorithm="rsa-sha256"', "algorithm = rsa-sha256"
    )
    verify(headers)


def hs2019_headers(created: int, expires: int | None, *, algorithm: bool = True) -> dict[str, str]:
    names = ["(request-target)", "host", "(created)", "digest"]
    lines = ["(request-target): post " + PATH, "host: k.example", f"(created): {created}"]
    lines.append("digest: " + sha256_digest(BODY))
    params = {"keyId": f"{ACTOR}/main-key"}
    if algorithm:
        params["algorithm"] = "hs2019"
    params |= {"created": str(created), "headers": ""}
    if expires is not None:
        names.append("(expires)")
        lines.append(f"(expires): {expires}")
        params["expires"] = str(expires)
    params["headers"] = " ".join(names)
    return {
        "Host": "k.example",
        "Digest": sha256_digest(BODY),
        "Signature": hand_signed(params, lines),
    }


@pytest.mark.parametrize("algorithm", [True, False], ids=["hs2019", "absent-means-hs2019"])
def test_hs2019_with_created_and_expires_verifies_without_a_date(algorithm: bool) -> None:
    created = int(NOW.timestamp())
    parsed = parse(hs2019_headers(created, created + 300, algorithm=algorithm))
    assert parsed.created == NOW
    assert parsed.expires == NOW + timedelta(minutes=5)
    verify_signature(parsed, KEY.public_pem)


def test_hs2019_window_uses_created_and_expires() -> None:
    created = int((NOW - timedelta(hours=3)).timestamp())
    with pytest.raises(SignatureError, match="expired"):
        parse(hs2019_headers(created, created + 600))
    verify(hs2019_headers(created, created + 3 * 3600))


def test_hs2019_expires_is_capped_at_twelve_hours() -> None:
    created = int((NOW - timedelta(hours=14)).timestamp())
    with pytest.raises(SignatureError, match="expired"):
        parse(hs2019_headers(created, created + 48 * 3600))


def test_absent_headers_default_to_date_for_rsa_sha256() -> None:
    headers = {"Date": format_datetime(NOW, usegmt=True)}
    headers["Signature"] = hand_signed(
        {"keyId": KEY_ID, "algorithm": "rsa-sha256"}, [f"date: {headers['Date']}"]
    )
    with pytest.raises(SignatureError, match=r"\(request-target\) or digest"):
        parse(headers, method="GET", body=b"")


# draft-cavage: what we sign, httpsig and we verify


def test_httpsig_verifies_our_post() -> None:
    headers = sign_request(
        method="POST", url=URL, body=BODY, key_id=KEY_ID, private_key_pem=KEY.private_pem, now=NOW
    )
    assert set(headers) == {"Host", "Date", "Digest", "Content-Type", "Signature"}
    assert headers["Host"] == "k.example"
    assert headers["Date"] == "Wed, 02 Dec 2026 12:00:00 GMT"
    assert headers["Digest"] == sha256_digest(BODY)
    assert 'headers="(request-target) host date digest content-type"' in headers["Signature"]
    verifier = httpsig.HeaderVerifier(
        headers=lowered(headers),
        secret=KEY.public_pem.encode(),
        method="POST",
        path=PATH,
        sign_header="signature",
        required_headers=["(request-target)", "host", "digest"],
    )
    assert verifier.verify()
    verify(headers)


def test_httpsig_verifies_our_get_with_query_and_accept() -> None:
    url = "https://k.example/users/bob/outbox?page=true"
    headers = sign_request(
        method="GET",
        url=url,
        body=None,
        key_id=KEY_ID,
        private_key_pem=KEY.private_pem,
        accept="application/activity+json",
    )
    assert "Digest" not in headers
    assert 'headers="(request-target) host date accept"' in headers["Signature"]
    verifier = httpsig.HeaderVerifier(
        headers=lowered(headers),
        secret=KEY.public_pem.encode(),
        method="GET",
        path="/users/bob/outbox?page=true",
        sign_header="signature",
        required_headers=["(request-target)", "host", "date"],
    )
    assert verifier.verify()
    verify(
        headers, method="GET", target="/users/bob/outbox?page=true", body=b"", now=datetime.now(UTC)
    )


def test_plain_get_signs_request_target_host_date() -> None:
    headers = sign_request(
        method="GET",
        url="https://k.example/users/bob",
        body=None,
        key_id=KEY_ID,
        private_key_pem=KEY.private_pem,
        now=NOW,
    )
    assert 'headers="(request-target) host date"' in headers["Signature"]
    verify(headers, method="GET", target="/users/bob", body=b"")


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://K.example:443/inbox", "k.example"),
        ("http://k.example:80/inbox", "k.example"),
        ("http://127.0.0.1:8123/inbox", "127.0.0.1:8123"),
        ("https://k.example:8443/inbox", "k.example:8443"),
        ("http://[::1]:8123/inbox", "[::1]:8123"),
    ],
)
def test_host_carries_only_a_non_default_port(url: str, host: str) -> None:
    headers = sign_request(
        method="POST", url=url, body=BODY, key_id=KEY_ID, private_key_pem=KEY.private_pem, now=NOW
    )
    assert headers["Host"] == host
    verify(headers, target="/inbox")


# draft-cavage: the time window


@pytest.mark.parametrize("minutes", [-50, 0, 50])
def test_date_within_the_window_is_accepted(minutes: int) -> None:
    verify(httpsig_signed(MASTODON_47_POST, date=NOW + timedelta(minutes=minutes)))


@pytest.mark.parametrize(("hours", "reason"), [(-2, "expired"), (2, "future")])
def test_stale_or_future_date_is_refused(hours: int, reason: str) -> None:
    headers = httpsig_signed(MASTODON_47_POST, date=NOW + timedelta(hours=hours))
    with pytest.raises(SignatureError, match=reason):
        parse(headers)


# draft-cavage: refusals


def replace(old: str, new: str) -> Callable[[dict[str, str]], None]:
    def mutate(headers: dict[str, str]) -> None:
        headers["signature"] = headers["signature"].replace(old, new)

    return mutate


def set_header(name: str, value: str) -> Callable[[dict[str, str]], None]:
    return lambda headers: headers.update({name: value})


REFUSALS: list[tuple[str, Callable[[dict[str, str]], None], str]] = [
    ("digest mismatch", set_header("digest", sha256_digest(b"{}")), "does not match"),
    ("bad base64 digest", set_header("digest", "SHA-256=%%%not-base64"), "not base64"),
    ("short digest", set_header("digest", "SHA-256=" + base64.b64encode(b"x").decode()), "32"),
    ("sha-512 only", set_header("digest", "SHA-512=" + "A" * 88), "only SHA-256"),
    ("digest header gone", lambda h: h.pop("digest"), "no Digest"),
    ("duplicate key", lambda h: h.update(signature=h["signature"] + ',keyId="x"'), "repeats"),
    ("unknown algorithm", replace("rsa-sha256", "ed25519"), "algorithm"),
    ("created with rsa-sha256", replace('headers="', 'headers="(created) '), "hs2019"),
    ("no keyId", replace("keyId=", "keyid="), "keyId"),
    ("no signature value", replace("signature=", "sig="), "signature"),
    ("garbage", set_header("signature", "keyId"), "value"),
    ("trailing comma", lambda h: h.update(signature=h["signature"] + ","), "malformed"),
    ("unsigned", lambda h: h.pop("signature"), "not signed"),
    ("bad signature base64", replace('signature="', 'signature="%'), "not base64"),
    ("no digest covered", replace(" digest", ""), "digest"),
    ("no date", replace("host date", "host"), r"date or \(created\)"),
]


@pytest.mark.parametrize(
    ("mutate", "reason"), [case[1:] for case in REFUSALS], ids=[case[0] for case in REFUSALS]
)
def test_malformed_or_weak_signatures_are_refused(
    mutate: Callable[[dict[str, str]], None], reason: str
) -> None:
    headers = httpsig_signed(MASTODON_47_POST)
    mutate(headers)
    with pytest.raises(SignatureError, match=reason):
        parse(headers)


def test_tampered_body_is_a_digest_error() -> None:
    with pytest.raises(DigestError, match="does not match"):
        parse(httpsig_signed(MASTODON_47_POST), body=b'{"type":"Delete"}')


def test_digest_list_and_case_are_accepted() -> None:
    value = sha256_digest(BODY)
    order = "(request-target) host date digest"
    signed = httpsig_signed(order, extra={"Digest": f"SHA-512=abc, sha-256={value[8:]}"})
    verify(signed)


def test_a_get_must_sign_host() -> None:
    headers = httpsig_signed("date (request-target)", method="GET", body=b"")
    with pytest.raises(SignatureError, match="must cover host"):
        parse(headers, method="GET", body=b"")


def test_a_post_must_sign_digest() -> None:
    headers = httpsig_signed("host date (request-target)", body=BODY)
    with pytest.raises(SignatureError, match="must cover digest"):
        parse(headers)


def test_a_signed_header_missing_from_the_request_is_refused() -> None:
    order = "host date digest x-extra (request-target)"
    headers = httpsig_signed(order, extra={"X-Extra": "1"})
    verify(headers)
    del headers["x-extra"]
    with pytest.raises(SignatureError, match="x-extra is missing"):
        parse(headers)


def test_wrong_key_or_changed_header_does_not_verify() -> None:
    headers = httpsig_signed(MASTODON_47_POST)
    with pytest.raises(SignatureError, match="does not verify"):
        verify(headers, pem=OTHER.public_pem)
    headers["content-type"] = "text/plain"
    with pytest.raises(SignatureError, match="does not verify"):
        verify(headers)
    with pytest.raises(SignatureError, match="does not verify"):
        verify(httpsig_signed(MASTODON_47_POST), target="/users/carol/inbox")


def test_an_unreadable_public_key_is_a_signature_error() -> None:
    with pytest.raises(SignatureError, match="PEM"):
        verify(httpsig_signed(MASTODON_47_POST), pem="not a key")


# RFC 9421


def test_rfc9421_round_trip() -> None:
    headers = sign_request_rfc9421(
        method="POST", url=URL, body=BODY, key_id=KEY_ID, private_key_pem=KEY.private_pem, now=NOW
    )
    created = int(NOW.timestamp())
    assert headers["Signature-Input"] == (
        f'sig1=("@method" "@target-uri" "content-digest");created={created};'
        f'keyid="{KEY_ID}";alg="rsa-v1_5-sha256"'
    )
    digest = base64.b64encode(hashlib.sha256(BODY).digest()).decode()
    assert headers["Content-Digest"] == f"sha-256=:{digest}:"
    parsed = parse(headers)
    assert (parsed.scheme, parsed.key_id, parsed.created) == ("rfc9421", KEY_ID, NOW)
    verify_signature(parsed, KEY.public_pem)


def test_rfc9421_signature_base_follows_section_2_5() -> None:
    """A base written out by hand and signed by hand: the parser must rebuild it exactly."""
    created = int(NOW.timestamp())
    date = format_datetime(NOW, usegmt=True)
    params = (
        '("@method" "@target-uri" "@authority" "@path" "@query" "date")'
        f';created={created};keyid="https://m.example/k";nonce="n\\"1"'
    )
    base = "\n".join(
        [
            '"@method": GET',
            '"@target-uri": https://K.example/users/a?x=1',
            '"@authority": k.example',
            '"@path": /users/a',
            '"@query": ?x=1',
            f'"date": {date}',
            f'"@signature-params": {params}',
        ]
    )
    headers = {
        "Host": "K.example",
        "Date": date,
        "Signature-Input": f"sig1={params}",
        "Signature": f"sig1=:{rsa_sign(base)}:",
    }
    parsed = parse(headers, method="GET", target="/users/a?x=1", body=b"")
    assert parsed.key_id == "https://m.example/k"
    assert parsed.signed_strings[0] == base.encode()
    verify_signature(parsed, KEY.public_pem)


def test_rfc9421_get_and_http_scheme() -> None:
    headers = sign_request_rfc9421(
        method="GET",
        url="http://127.0.0.1:8123/users/a?page=1",
        body=None,
        key_id=KEY_ID,
        private_key_pem=KEY.private_pem,
        now=NOW,
    )
    assert '"content-digest"' not in headers["Signature-Input"]
    assert headers["Host"] == "127.0.0.1:8123"
    verify(headers, method="GET", target="/users/a?page=1", body=b"")


def rfc9421_post() -> dict[str, str]:
    return sign_request_rfc9421(
        method="POST", url=URL, body=BODY, key_id=KEY_ID, private_key_pem=KEY.private_pem, now=NOW
    )


def input_replace(old: str, new: str) -> Callable[[dict[str, str]], None]:
    def mutate(headers: dict[str, str]) -> None:
        headers["Signature-Input"] = headers["Signature-Input"].replace(old, new)

    return mutate


RFC9421_REFUSALS: list[tuple[str, Callable[[dict[str, str]], None], str]] = [
    ("two signatures", input_replace("sig1=", 'sig0=("@method");created=1, sig1='), "exactly one"),
    ("no keyid", input_replace(";keyid=", ";kid="), "keyid and created"),
    ("no created", input_replace(";created=", ";made="), "keyid and created"),
    ("other alg", input_replace("rsa-v1_5-sha256", "ed25519"), "alg"),
    ("no target-uri", input_replace('"@target-uri" ', ""), "@target-uri"),
    ("no content-digest", input_replace(' "content-digest"', ""), "content-digest"),
    ("malformed input", input_replace("sig1=(", "sig1=(("), "malformed"),
    ("wrong label", lambda h: h.update(Signature=h["Signature"].replace("sig1", "sig2")), "sig1"),
    ("content-digest bad base64", set_header("Content-Digest", "sha-256=:%%:"), "malformed|base64"),
    ("content-digest short", set_header("Content-Digest", "sha-256=:AAAA:"), "not 32"),
    ("content-digest sha-512 only", set_header("Content-Digest", "sha-512=:AAAA:"), "only sha-256"),
    ("content-digest gone", lambda h: h.pop("Content-Digest"), "no Content-Digest"),
]


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [case[1:] for case in RFC9421_REFUSALS],
    ids=[case[0] for case in RFC9421_REFUSALS],
)
def test_rfc9421_refusals(mutate: Callable[[dict[str, str]], None], reason: str) -> None:
    headers = rfc9421_post()
    mutate(headers)
    with pytest.raises(SignatureError, match=reason):
        parse(headers)


def test_rfc9421_tampering_window_and_wrong_key() -> None:
    with pytest.raises(DigestError, match="does not match"):
        parse(rfc9421_post(), body=b"{}")
    with pytest.raises(SignatureError, match="expired"):
        parse(rfc9421_post(), now=NOW + timedelta(hours=2))
    with pytest.raises(SignatureError, match="future"):
        parse(rfc9421_post(), now=NOW - timedelta(hours=2))
    with pytest.raises(SignatureError, match="does not verify"):
        verify(rfc9421_post(), pem=OTHER.public_pem)
    with pytest.raises(SignatureError, match="does not verify"):
        verify(rfc9421_post(), target="/users/carol/inbox")


# verify_request and key rotation


def key_lookup(first: str | None, refreshed: str | None, calls: list[bool]) -> KeyLookup:
    async def lookup(key_id: str, *, refresh: bool) -> ActorKey | None:
        calls.append(refresh)
        pem = refreshed if refresh else first
        return None if pem is None else ActorKey(key_id, ACTOR, pem)

    return lookup


async def test_known_key_verifies_without_refresh() -> None:
    calls: list[bool] = []
    request = HttpRequest("POST", PATH, lowered(httpsig_signed(MASTODON_47_POST)), BODY)
    key = await verify_request(request, key_lookup(KEY.public_pem, None, calls), now=NOW)
    assert (key.owner, calls) == (ACTOR, [False])


@pytest.mark.parametrize("sign", ["cavage", "rfc9421"])
async def test_rotated_key_is_refetched_once(sign: str) -> None:
    headers = rfc9421_post() if sign == "rfc9421" else httpsig_signed(MASTODON_47_POST)
    request = HttpRequest("POST", PATH, lowered(headers), BODY)
    calls: list[bool] = []
    lookup = key_lookup(OTHER.public_pem, KEY.public_pem, calls)
    key = await verify_request(request, lookup, now=NOW)
    assert key.public_key_pem == KEY.public_pem
    assert calls == [False, True]


@pytest.mark.parametrize(
    ("refreshed", "reason"),
    [(OTHER.public_pem, "does not verify"), (None, "refetched")],
    ids=["still-wrong", "gone"],
)
async def test_a_key_still_wrong_after_refresh_is_refused(
    refreshed: str | None, reason: str
) -> None:
    request = HttpRequest("POST", PATH, lowered(httpsig_signed(MASTODON_47_POST)), BODY)
    calls: list[bool] = []
    lookup = key_lookup(OTHER.public_pem, refreshed, calls)
    with pytest.raises(SignatureError, match=reason):
        await verify_request(request, lookup, now=NOW)
    assert calls == [False, True]


async def test_unknown_key_is_refused_without_refresh() -> None:
    request = HttpRequest("POST", PATH, lowered(httpsig_signed(MASTODON_47_POST)), BODY)
    calls: list[bool] = []
    with pytest.raises(SignatureError, match="unknown key"):
        await verify_request(request, key_lookup(None, None, calls), now=NOW)
    assert calls == [False]


async def test_a_malformed_request_never_reaches_the_lookup() -> None:
    headers = httpsig_signed(MASTODON_47_POST, date=NOW - timedelta(hours=3))
    calls: list[bool] = []
    with pytest.raises(SignatureError, match="expired"):
        await verify_request(
            HttpRequest("POST", PATH, lowered(headers), BODY),
            key_lookup(KEY.public_pem, None, calls),
            now=NOW,
        )
    assert calls == []
