"""Property-based fuzzing of every route under `/api`: whatever a client sends (junk or
huge ids, wrong types, malformed or binary bodies, bad tokens), the answer is never a
500, and every refusal is Mastodon's `{"error": "..."}`.

The routes are read from the app's own list, so a new endpoint is fuzzed the day it is
added. Hypothesis runs derandomized (the same examples on every run, so CI cannot
flake) in a thread with a blocking client, while the server answers on the test's
event loop. Generated text holds no `@`, `:` or `/`, so nothing fuzzed can name another
server: no request leaves loopback.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import Route

from server.api import oauth_tokens
from server.api.endpoints import API_ROUTES
from server.api.rate_limits import ApiLimits, Limit
from server.services import posting
from tests.api import Team, make_team
from tests.instances import run_instance

EXAMPLES = 600
ROOMY = ApiLimits.all_at(Limit(10 * EXAMPLES, 5 * 60))
"""Rate limits far above what the fuzzer sends. Its requests come from one address and
three accounts, about 200 of them per address and per busiest account, under Mastodon's
300; but a 429 would pass for a good answer while hiding the endpoint from the fuzzer,
so more examples, more endpoints or the five sign-ups an address may make must not
quietly turn fuzzing into counting."""
PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")
KNOWN_NAMES = [
    "id", "ids", "id[]", "limit", "max_id", "since_id", "min_id", "offset", "q", "type",
    "types[]", "exclude_types[]", "resolve", "following", "account_id", "status",
    "spoiler_text", "sensitive", "visibility", "local_only", "in_reply_to_id", "media_ids",
    "media_ids[]", "language", "description", "focus", "display_name", "note", "locked",
    "discoverable", "source", "fields_attributes", "title", "context", "context[]",
    "filter_action", "expires_in", "keywords_attributes", "keyword", "whole_word",
    "timeline", "timeline[]", "home", "notifications", "last_read_id", "comment",
    "status_ids", "status_ids[]", "category", "forward", "rule_ids[]", "domain",
    "severity", "reject_media", "reject_reports", "private_comment", "public_comment",
    "obfuscate", "text", "warning_preset_id", "send_email_notification", "kinhaven_duration",
    "resolved", "decided", "local", "remote", "only_media", "exclude_replies", "pinned",
    "acct", "reblogs", "notify", "duration", "client_name", "redirect_uris", "scopes",
    "website", "grant_type", "code", "client_id", "client_secret", "redirect_uri",
]
SAFE_TEXT = st.text(alphabet=st.characters(blacklist_characters="@:/",
                                           blacklist_categories=("Cs",)), max_size=40)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), SAFE_TEXT,
    st.sampled_from(["1", "2", "3", "0", "-1", "true", "false", "public", "private",
                     "direct", "unlisted", "suspend", "silence", "home", "mention", "warn",
                     "hide", "spam", "x" * 6000]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(SAFE_TEXT, inner, max_size=3), max_leaves=6)
NAMES = st.sampled_from(KNOWN_NAMES) | SAFE_TEXT
IDS = st.one_of(st.sampled_from(["1", "2", "3", "4", "5"]), st.integers(-5, 2**70).map(str),
                SAFE_TEXT.filter(lambda text: text.strip() not in ("", ".", "..")))


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    names: tuple[str, ...]


def _endpoints(routes: Sequence[object], prefix: str = "/api") -> list[Endpoint]:
    found = []
    for route in routes:
        assert isinstance(route, Route)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            found.append(Endpoint(method, f"{prefix}{route.path}",
                                  tuple(PARAMETER.findall(route.path))))
    return found


def _as_query(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _request(data: st.DataObject, endpoint: Endpoint, tokens: list[str | None]
             ) -> dict[str, Any]:
    path = endpoint.path
    for _ in endpoint.names:
        path = PARAMETER.sub(lambda _: quote(data.draw(IDS), safe=""), path, count=1)
    token = data.draw(st.sampled_from(tokens))
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    fields = data.draw(st.dictionaries(NAMES, VALUES, max_size=5))
    shape = data.draw(st.sampled_from(["query", "json", "form", "raw"]))
    request: dict[str, Any] = {"method": endpoint.method, "url": path, "headers": headers}
    if shape == "query" or endpoint.method in ("GET", "DELETE"):
        request["params"] = [(name, _as_query(value)) for name, value in fields.items()]
    elif shape == "json":
        request["content"] = json.dumps(fields).encode()
        headers["Content-Type"] = "application/json"
    elif shape == "form":
        request["data"] = {name: _as_query(value) for name, value in fields.items()}
    else:
        request["content"] = data.draw(st.binary(max_size=300))
        headers["Content-Type"] = data.draw(st.sampled_from([
            "application/json", "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=xyz", "text/plain"]))
    return request


def _fuzz(base_url: str, endpoints: list[Endpoint], tokens: list[str | None],
          examples: int = EXAMPLES) -> int:
    answered = 0
    with httpx.Client(base_url=base_url, timeout=20) as client:

        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(data=st.data())
        def probe(data: st.DataObject) -> None:
            nonlocal answered
            endpoint = data.draw(st.sampled_from(endpoints))
            request = _request(data, endpoint, tokens)
            response = client.request(**request)
            answered += 1
            assert response.status_code < 500, (request, response.text[:300])
            if response.status_code >= 400:
                body = response.json()
                assert isinstance(body, dict) and isinstance(body.get("error"), str), (
                    request, response.text[:300])

        probe()
    return answered


@pytest.fixture
async def team(tmp_path: Path) -> AsyncIterator[Team]:
    async with run_instance(tmp_path, api_limits=ROOMY) as kinhaven:
        yield await make_team(kinhaven)


async def test_nothing_a_client_sends_makes_the_api_fail(team: Team) -> None:
    federation = team.kinhaven.app.state.federation
    for visibility in ("public", "followers", "direct", "local"):
        await posting.publish(federation, team.meg, f"A {visibility} post", visibility=visibility)
    endpoints = _endpoints(API_ROUTES)
    assert len(endpoints) >= 20
    tokens: list[str | None] = [team.admin_token, team.moderator_token, team.member_token,
                                team.read_only_token, None, "not-a-token"]
    answered = await asyncio.to_thread(_fuzz, team.kinhaven.base_url, endpoints, tokens)
    assert answered >= EXAMPLES


async def test_nothing_a_client_sends_makes_the_oauth_endpoints_fail(team: Team) -> None:
    """The token, revocation and metadata endpoints live outside `/api` but answer apps
    the same way: an `{"error": ...}` for anything wrong, never a 500."""
    endpoints = _endpoints(oauth_tokens.routes, prefix="")
    assert {endpoint.path for endpoint in endpoints} >= {"/oauth/token", "/oauth/revoke"}
    tokens: list[str | None] = [team.member_token, None, "not-a-token"]
    answered = await asyncio.to_thread(_fuzz, team.kinhaven.base_url, endpoints, tokens, 150)
    assert answered >= 150
