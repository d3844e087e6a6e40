"""What Mastodon checks when it resolves an account (MASTODON-INTEROP.md §1-2),
written as assertions so tests can hold our answers to them."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

USERNAME_ONLY_RE = re.compile(r"\A[a-z0-9_]+([.-]+[a-z0-9_]+)*\Z", re.IGNORECASE)
ACTOR_TYPES = {"Application", "Group", "Organization", "Person", "Service"}
SELF_TYPES = {
    "application/activity+json",
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
}
AS = "https://www.w3.org/ns/activitystreams"


def check_webfinger(response: httpx.Response, queried: str) -> str:
    """Return the self href, as Mastodon's Webfinger class would."""
    assert response.status_code == 200, response.text
    assert response.content, "Mastodon treats an empty 200 as an error"
    body = response.json()
    assert "subject" in body
    assert body["subject"].removeprefix("acct:").lower() == queried.lower()
    selfs = [
        link
        for link in body["links"]
        if link.get("rel") == "self" and link.get("type") in SELF_TYPES
    ]
    assert selfs, "Missing self link"
    return str(selfs[0]["href"])


def check_actor_response(response: httpx.Response, requested_uri: str) -> dict[str, Any]:
    assert response.status_code == 200, "Mastodon accepts exactly 200"
    media_type = response.headers["content-type"].split(";")[0].strip()
    if media_type == "application/ld+json":
        assert AS in response.headers["content-type"]
    else:
        assert media_type == "application/activity+json"
    assert len(response.content) <= 1024 * 1024
    document: dict[str, Any] = response.json()
    assert document["id"] == requested_uri, "served at its id without redirecting"
    return document


def check_actor_document(document: dict[str, Any], handle_host: str) -> None:
    context = document["@context"]
    assert AS in (context if isinstance(context, list) else [context])
    assert document["type"] in ACTOR_TYPES
    assert isinstance(document["inbox"], str) and document["inbox"].startswith("http")
    username = document["preferredUsername"]
    assert USERNAME_ONLY_RE.match(username)
    webfinger = document.get("webfinger") or f"{username}@{urlsplit(document['id']).hostname}"
    assert webfinger.split("@")[1] == handle_host
    key = document["publicKey"]
    assert key["owner"] == document["id"]
    assert key["id"].split("#")[0] == document["id"], "inline PEM trusted only on the actor"
    public_key = load_pem_public_key(key["publicKeyPem"].encode())
    assert isinstance(public_key, rsa.RSAPublicKey)
    assert public_key.key_size >= 2048
    for name in ("outbox", "followers", "following"):
        if name in document:
            assert document[name].startswith("http")
    shared = document.get("endpoints", {}).get("sharedInbox")
    assert shared is None or shared.startswith("http")
    assert len(document.get("name", "")) <= 2048
    assert len(document.get("summary", "")) <= 20 * 1024


async def resolve_like_mastodon(client: httpx.AsyncClient, handle: str) -> dict[str, Any]:
    """WebFinger, then fetch the actor and loop back to the handle."""
    username, host = handle.split("@")
    webfinger = await client.get(
        f"/.well-known/webfinger?resource=acct:{handle}",
        headers={"Accept": "application/jrd+json, application/json"},
    )
    href = check_webfinger(webfinger, handle)
    response = await client.get(
        href, headers={"Accept": "application/activity+json, application/ld+json"}
    )
    document = check_actor_response(response, href)
    check_actor_document(document, host)
    assert document["preferredUsername"].lower() == username.lower()
    return document
