"""Resolving `@name@host` against a real WebFinger and actor server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from federation.activitystreams import LD_JSON_PROFILE
from federation.client import FetchError, GuardedClient
from federation.resolve import ResolveError, check_actor, resolve_handle, split_handle
from tests.federation.test_client import LoopbackServer, activity, serve, signer, verify_cavage

AP = "application/activity+json"


def actor_document(actor_id: str, **changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": actor_id,
        "type": "Person",
        "preferredUsername": "alice",
        "inbox": f"{actor_id}/inbox",
        "publicKey": {"id": f"{actor_id}#main-key", "owner": actor_id, "publicKeyPem": "PEM"},
    }
    document.update(changes)
    return {key: value for key, value in document.items() if value is not None}


class Remote:
    """A remote server whose WebFinger answers are set per account by each test."""

    def __init__(self) -> None:
        self.server: LoopbackServer | None = None
        self.subjects: dict[str, str] = {}  # queried acct → subject answered
        self.self_type = AP
        self.actor_changes: dict[str, Any] = {}

    @property
    def base(self) -> str:
        assert self.server is not None
        return self.server.base

    @property
    def host(self) -> str:
        assert self.server is not None
        return self.server.host

    def actor_url(self, name: str) -> str:
        return f"{self.base}/users/{name}"

    async def handle(self, request: Request) -> Response:
        if request.url.path == "/.well-known/webfinger":
            resource = request.url.query.removeprefix("resource=")
            account = resource.removeprefix("acct:")
            if account not in self.subjects:
                return Response(status_code=404)
            subject = self.subjects[account]
            name = subject.partition("@")[0]
            return JSONResponse(
                {
                    "subject": f"acct:{subject}",
                    "links": [
                        {
                            "rel": "http://webfinger.net/rel/profile-page",
                            "type": "text/html",
                            "href": f"{self.base}/@{name}",
                        },
                        {"rel": "self", "type": self.self_type, "href": self.actor_url(name)},
                    ],
                },
                media_type="application/jrd+json",
            )
        if request.url.path.startswith("/users/"):
            actor_id = f"{self.base}{request.url.path}"
            return activity(actor_document(actor_id, **self.actor_changes))
        return Response(status_code=404)


@asynccontextmanager
async def remote() -> AsyncIterator[tuple[Remote, GuardedClient]]:
    state = Remote()
    client = GuardedClient(allow_private=True, user_agent="kinhaven-test/1")
    try:
        async with serve(state.handle) as server:
            state.server = server
            yield state, client
    finally:
        await client.aclose()


async def test_resolves_a_handle_to_its_actor() -> None:
    async with remote() as (state, client):
        state.subjects[f"alice@{state.host}"] = f"alice@{state.host}"
        actor_id, document = await resolve_handle(
            client, f"@alice@{state.host}", scheme="http", signer=signer()
        )
        assert actor_id == f"{state.base}/users/alice"
        assert document["preferredUsername"] == "alice"
        assert state.server is not None
        webfinger, fetch = state.server.seen
        # The acct: value is sent as is, not percent-encoded.
        assert webfinger.target == f"/.well-known/webfinger?resource=acct:alice@{state.host}"
        assert "signature" not in webfinger.headers
        assert verify_cavage(fetch, ["(request-target)", "host", "date"])


async def test_subject_compares_case_insensitively_and_ld_json_self_link() -> None:
    async with remote() as (state, client):
        state.subjects[f"Alice@{state.host}"] = f"alice@{state.host.upper()}"
        state.self_type = LD_JSON_PROFILE
        actor_id, _ = await resolve_handle(
            client, f"Alice@{state.host}", scheme="http", signer=signer()
        )
        assert actor_id == f"{state.base}/users/alice"


@pytest.mark.parametrize("self_type", ["application/json", "application/ld+json", "text/html"])
async def test_self_link_type_must_be_exact(self_type: str) -> None:
    async with remote() as (state, client):
        state.subjects[f"alice@{state.host}"] = f"alice@{state.host}"
        state.self_type = self_type
        with pytest.raises(ResolveError, match="Missing self link"):
            await resolve_handle(client, f"alice@{state.host}", scheme="http", signer=signer())


async def test_subject_redirect_confirmed_by_the_second_lookup() -> None:
    async with remote() as (state, client):
        state.subjects[f"old@{state.host}"] = f"alice@{state.host}"
        state.subjects[f"alice@{state.host}"] = f"alice@{state.host}"
        actor_id, _ = await resolve_handle(
            client, f"old@{state.host}", scheme="http", signer=signer()
        )
        assert actor_id == f"{state.base}/users/alice"
        assert state.server is not None
        assert [seen.target for seen in state.server.seen[:2]] == [
            f"/.well-known/webfinger?resource=acct:old@{state.host}",
            f"/.well-known/webfinger?resource=acct:alice@{state.host}",
        ]


async def test_subject_redirect_not_confirmed() -> None:
    async with remote() as (state, client):
        state.subjects[f"old@{state.host}"] = f"alice@{state.host}"
        state.subjects[f"alice@{state.host}"] = f"bob@{state.host}"
        with pytest.raises(ResolveError, match="Too many webfinger redirects"):
            await resolve_handle(client, f"old@{state.host}", scheme="http", signer=signer())


async def test_actor_id_must_be_the_self_href() -> None:
    async with remote() as (state, client):
        state.subjects[f"alice@{state.host}"] = f"alice@{state.host}"
        state.actor_changes = {"id": "https://elsewhere.example/users/alice"}
        with pytest.raises(ResolveError, match="is not the WebFinger href"):
            await resolve_handle(client, f"alice@{state.host}", scheme="http", signer=signer())


async def test_unknown_account_is_a_resolve_error_with_the_cause() -> None:
    async with remote() as (state, client):
        with pytest.raises(ResolveError) as caught:
            await resolve_handle(client, f"nobody@{state.host}", scheme="http", signer=signer())
        assert isinstance(caught.value.__cause__, FetchError)
        assert caught.value.__cause__.status == 404


@pytest.mark.parametrize(
    "changes",
    [
        {"type": "Note"},
        {"type": None},
        {"inbox": None},
        {"preferredUsername": None},
        {"publicKey": None},
        {"publicKey": {"id": "https://x.example/k", "owner": "https://x.example/other"}},
        {"publicKey": [{"owner": "https://x.example/other"}]},
    ],
)
def test_actor_requirements(changes: dict[str, Any]) -> None:
    href = "https://r.example/users/alice"
    with pytest.raises(ResolveError):
        check_actor(actor_document(href, **changes), href)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"type": "Service"},
        {"type": ["Group", "Other"]},
        {
            "publicKey": [
                {"owner": "https://x.example/o"},
                {"owner": "https://r.example/users/alice"},
            ]
        },
    ],
)
def test_actor_variants_accepted(changes: dict[str, Any]) -> None:
    href = "https://r.example/users/alice"
    check_actor(actor_document(href, **changes), href)


@pytest.mark.parametrize(
    ("handle", "expected"),
    [
        ("alice@r.example", ("alice", "r.example")),
        ("@alice@r.example:8443", ("alice", "r.example:8443")),
        ("acct:alice@r.example", ("alice", "r.example")),
    ],
)
def test_split_handle(handle: str, expected: tuple[str, str]) -> None:
    assert split_handle(handle) == expected


@pytest.mark.parametrize(
    "handle",
    ["alice", "@alice", "alice@", "@r.example", "a@b@c", "a@b/c", "a&x=1@b", "a@b?x", "a b@c"],
)
def test_bad_handles(handle: str) -> None:
    with pytest.raises(ResolveError):
        split_handle(handle)
