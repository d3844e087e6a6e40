"""Signature verifications per second: our `cryptography` path against httpsig's.

Both verify the same Mastodon 4.7-shaped POST. Ours parses, checks the window and the
digest, and verifies with a cached public key (as the inbox does); httpsig loads the PEM
and verifies with pycryptodome on every call, and checks neither window nor digest.
Each figure is the median of 5 timed runs.

    python -m bench.bench_signatures
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpsig

from federation import signatures
from federation.keys import generate_key_pair
from federation.signatures import HttpRequest, parse_signature, sign_request, verify_signature

RUNS = 5
RUN_SECONDS = 0.5
URL = "https://k.example/users/bob/inbox"
BODY = b'{"@context":"https://www.w3.org/ns/activitystreams","type":"Create"}' * 10


def _rate(work: Callable[[], None]) -> float:
    """Calls per second over one run of about RUN_SECONDS."""
    calls = 0
    started = time.perf_counter()
    deadline = started + RUN_SECONDS
    while (now := time.perf_counter()) < deadline:
        for _ in range(20):
            work()
        calls += 20
    return calls / (now - started)


def _median_rate(work: Callable[[], None]) -> float:
    work()  # warm caches the way a running server has them
    return statistics.median(_rate(work) for _ in range(RUNS))


def main() -> None:
    key = generate_key_pair()
    headers = sign_request(
        method="POST",
        url=URL,
        body=BODY,
        key_id="https://m.example/users/alice#main-key",
        private_key_pem=key.private_pem,
    )
    lowered = {name.lower(): value for name, value in headers.items()}
    request = HttpRequest("POST", "/users/bob/inbox", lowered, BODY)

    def ours() -> None:
        verify_signature(parse_signature(request, now=datetime.now(UTC)), key.public_pem)

    def ours_cold() -> None:
        signatures._public_key.cache_clear()
        ours()

    def theirs() -> None:
        verifier = httpsig.HeaderVerifier(
            headers=lowered,
            secret=key.public_pem.encode(),
            method="POST",
            path="/users/bob/inbox",
            sign_header="signature",
        )
        if not verifier.verify():
            raise AssertionError("httpsig refused a good signature")

    figures = {"kinhaven (cryptography, cached key)": _median_rate(ours)}
    figures["kinhaven, key reloaded every call"] = _median_rate(ours_cold)
    figures["httpsig (pycryptodome)"] = _median_rate(theirs)
    print(f"signature verification, RSA-2048, median of {RUNS} runs of {RUN_SECONDS} s")
    for name, rate in figures.items():
        print(f"  {name:<38} {rate:>9,.0f} verifications/s")
    ratio = figures["kinhaven (cryptography, cached key)"] / figures["httpsig (pycryptodome)"]
    print(f"  ratio {ratio:.1f}x")


if __name__ == "__main__":
    main()
