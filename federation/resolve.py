"""Resolve `@name@host` to an actor, the way Mastodon's ResolveAccountService does.

WebFinger gives the actor's URL; the actor document is then fetched and checked, so a handle
never resolves to something Mastodon itself would refuse to federate with.
"""

from __future__ import annotations

from typing import Any

from federation.activitystreams import ACTIVITY_JSON, LD_JSON_PROFILE
from federation.client import BlockedURL, FetchError, GuardedClient, Signer

ACTOR_TYPES = frozenset({"Application", "Group", "Organization", "Person", "Service"})
SELF_LINK_TYPES = frozenset({ACTIVITY_JSON, LD_JSON_PROFILE})
# Characters that would change the meaning of the unencoded WebFinger query or URL.
_FORBIDDEN = frozenset("/?#&=%\\ \t\r\n@")


class ResolveError(Exception):
    """The handle does not resolve to a usable actor.

    A transport failure (FetchError, ObjectGone, BlockedURL) is chained as `__cause__`.
    """


def split_handle(handle: str) -> tuple[str, str]:
    """`name@host` or `@name@host` (host may carry a port) → (name, host)."""
    text = handle.strip()
    if text.lower().startswith("acct:"):
        text = text[5:]
    text = text.removeprefix("@")
    name, at, host = text.partition("@")
    if not at or not name or not host or any(c in _FORBIDDEN for c in name + host):
        raise ResolveError(f"{handle!r} is not a name@host handle")
    return name, host


async def resolve_handle(
    client: GuardedClient, handle: str, *, scheme: str = "https", signer: Signer
) -> tuple[str, dict[str, Any]]:
    """Return (actor id, actor document) for `handle`.

    A subject other than the one asked for is a redirect: it is looked up once more and must
    confirm itself there, as in Mastodon ("Too many webfinger redirects" otherwise).
    """
    name, host = split_handle(handle)
    subject, href = await _webfinger(client, scheme, name, host)
    if subject.lower() != f"{name}@{host}".lower():
        name, host = split_handle(subject)
        subject, href = await _webfinger(client, scheme, name, host)
        if subject.lower() != f"{name}@{host}".lower():
            raise ResolveError(f"{handle}: Too many webfinger redirects")
    try:
        actor = await client.fetch_activity(href, signer=signer)
    except (FetchError, BlockedURL) as exc:
        raise ResolveError(f"{handle}: fetching the actor failed: {exc}") from exc
    check_actor(actor, href)
    return href, actor


async def _webfinger(client: GuardedClient, scheme: str, name: str, host: str) -> tuple[str, str]:
    """One lookup: (subject without `acct:`, the self link's href)."""
    # Not percent-encoded: Mastodon sends `acct:user@host` as is, and some servers need it.
    url = f"{scheme}://{host}/.well-known/webfinger?resource=acct:{name}@{host}"
    try:
        jrd = await client.fetch_jrd(url)
    except (FetchError, BlockedURL) as exc:
        raise ResolveError(f"{name}@{host}: WebFinger failed: {exc}") from exc
    subject = jrd.get("subject")
    if not isinstance(subject, str) or not subject:
        raise ResolveError(f"{name}@{host}: Missing subject")
    if subject.lower().startswith("acct:"):
        subject = subject[5:]
    links = jrd.get("links")
    for link in links if isinstance(links, list) else []:
        if (
            isinstance(link, dict)
            and link.get("rel") == "self"
            and link.get("type") in SELF_LINK_TYPES
            and isinstance(link.get("href"), str)
        ):
            return subject, link["href"]
    raise ResolveError(f"{name}@{host}: Missing self link")


def check_actor(actor: dict[str, Any], href: str) -> None:
    """Mastodon's minimum for an actor: id at its own URL, a known type, inbox, name, key."""
    actor_id = actor.get("id")
    if actor_id != href:
        raise ResolveError(f"actor id {actor_id!r} is not the WebFinger href {href!r}")
    kind = actor.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if not any(isinstance(k, str) and k in ACTOR_TYPES for k in kinds):
        raise ResolveError(f"{href}: type {kind!r} is not an actor type")
    if not isinstance(actor.get("inbox"), str) or not actor["inbox"]:
        raise ResolveError(f"{href}: no inbox")
    if not isinstance(actor.get("preferredUsername"), str) or not actor["preferredUsername"]:
        raise ResolveError(f"{href}: no preferredUsername")
    keys = actor.get("publicKey")
    entries = keys if isinstance(keys, list) else [keys]
    if not any(isinstance(key, dict) and key.get("owner") == actor_id for key in entries):
        raise ResolveError(f"{href}: no publicKey owned by the actor")
