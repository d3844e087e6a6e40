"""Remote actors as this instance knows them: fetched through the guarded client,
checked, stored, and looked up by key id when their signatures arrive."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from urllib.parse import urldefrag

from federation.client import FetchError, GuardedClient, Signer
from federation.parse import MalformedActivity, RemoteActor, host_of, parse_actor
from federation.sanitize import sanitize_html
from federation.signatures import ActorKey
from server.clock import from_text, now
from server.storage import actors as actor_store
from server.storage.actors import Actor, NewActor
from server.storage.database import Database

logger = logging.getLogger(__name__)

KEY_REFRESH_COOLDOWN = timedelta(minutes=1)
"""A sender whose signatures fail makes us refetch its key at most this often."""


MAX_CACHED_KEYS = 50_000


class ActorUnavailable(Exception):
    """The actor could not be fetched or its document is not acceptable."""


def new_actor(remote: RemoteActor) -> NewActor:
    return NewActor(
        uri=remote.uri,
        local=False,
        actor_type=remote.actor_type,
        username=remote.username,
        domain=host_of(remote.uri),
        display_name=remote.display_name,
        summary_html=sanitize_html(remote.summary_html),
        url=remote.url,
        icon_url=remote.icon_url,
        icon_media_type=remote.icon_media_type,
        inbox_uri=remote.inbox,
        shared_inbox_uri=remote.shared_inbox,
        outbox_uri=remote.outbox,
        followers_uri=remote.followers,
        following_uri=remote.following,
        featured_uri=remote.featured,
        public_key_id=remote.key_id,
        public_key_pem=remote.public_key_pem,
        manually_approves_followers=remote.manually_approves_followers,
        discoverable=remote.discoverable,
    )


class RemoteActors:
    def __init__(self, db: Database, client: GuardedClient, signer: Signer,
                 local_domain: str, suspended: Callable[[str], Awaitable[bool]]) -> None:
        self._db = db
        self._suspended = suspended
        self._keys: dict[str, ActorKey] = {}
        """Verified-key cache by key id: the hot path of every signed request."""
        self._client = client
        self._signer = signer
        self._local_domain = local_domain.lower()

    async def _fetch(self, uri: str, *, key_id: str | None = None) -> Actor:
        if await self._suspended(host_of(uri)):
            raise ActorUnavailable(f"{host_of(uri)} is suspended")
        try:
            document = await self._client.fetch_activity(uri, signer=self._signer)
            if document.get("id") != uri and isinstance(document.get("id"), str):
                if host_of(document["id"]) != host_of(uri):
                    raise ActorUnavailable(f"{uri} claims the id {document['id']}")
                uri = document["id"]
                document = await self._client.fetch_activity(uri, signer=self._signer)
            if key_id is not None and "owner" in document and "publicKeyPem" in document:
                owner = document["owner"]
                if not isinstance(owner, str) or host_of(owner) != host_of(key_id):
                    raise ActorUnavailable(f"the key {key_id} names an owner elsewhere")
                document = await self._client.fetch_activity(owner, signer=self._signer)
                uri = owner
            remote = parse_actor(document, key_id=key_id)
        except (FetchError, MalformedActivity) as error:
            raise ActorUnavailable(f"{uri}: {error}") from error
        if remote.uri != uri:
            raise ActorUnavailable(f"{uri} serves an actor with the id {remote.uri}")
        if host_of(remote.uri) == self._local_domain:
            raise ActorUnavailable(f"{uri} claims to be one of ours")
        self.forget(remote.uri)
        return await actor_store.upsert_remote_actor(self._db, new_actor(remote))

    def forget(self, actor_uri: str) -> None:
        """Drop cached keys of an actor that changed or went away."""
        for key_id in [k for k, v in self._keys.items() if v.owner == actor_uri]:
            del self._keys[key_id]

    async def get(self, uri: str) -> Actor:
        """The actor with this id, from storage or fetched."""
        known = await actor_store.get_actor_by_uri(self._db, uri)
        if known is not None and known.deleted_at is None:
            return known
        if known is not None:
            raise ActorUnavailable(f"{uri} was deleted")
        return await self._fetch(uri)

    async def lookup_key(self, key_id: str, *, refresh: bool) -> ActorKey | None:
        """The KeyLookup the signature verifier calls: stored key first, then a fetch;
        `refresh` refetches (key rotation) at most once per cooldown per actor."""
        if host_of(key_id) == self._local_domain:
            return None
        if not refresh and key_id in self._keys:
            return self._keys[key_id]
        actor = await actor_store.get_actor_by_key_id(self._db, key_id)
        if actor is not None and actor.deleted_at is not None:
            return None
        if actor is not None and refresh:
            refreshed = await actor_store.key_refreshed_at(self._db, actor.id)
            if refreshed is not None and now() - from_text(refreshed) < KEY_REFRESH_COOLDOWN:
                return None
            await actor_store.mark_key_refresh(self._db, actor.id)
            actor = None
        if actor is None:
            try:
                actor = await self._fetch(urldefrag(key_id).url if "#" in key_id else key_id,
                                          key_id=key_id)
            except ActorUnavailable as error:
                logger.info("could not fetch key %s: %s", key_id, error)
                return None
        if actor.public_key_id != key_id:
            return None
        key = ActorKey(key_id=key_id, owner=actor.uri, public_key_pem=actor.public_key_pem)
        if len(self._keys) >= MAX_CACHED_KEYS:
            self._keys.clear()
        self._keys[key_id] = key
        return key
