"""Everything federation needs at run time, built once by the app's lifespan."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from starlette.requests import Request

from federation.client import GuardedClient, Signer
from moderation.domains import severity_for, suspended_domains_policy
from moderation.pipeline import Pipeline
from server.activitypub.health import HostHealth
from server.activitypub.recorder import InboxRecorder
from server.activitypub.remote import RemoteActors
from server.instance import Instance
from server.storage import policy as policy_store
from server.storage.database import Database


class DomainFacts:
    """moderation/'s narrow view of domain policy, answered from storage."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def domain_severities(self, domains: Sequence[str]) -> dict[str, str]:
        return await policy_store.domain_severities(self._db, domains)


@dataclass
class Federation:
    db: Database
    instance: Instance
    client: GuardedClient
    remote: RemoteActors
    pipeline: Pipeline
    domains: DomainFacts
    recorder: InboxRecorder
    health: HostHealth
    inbound_ready: asyncio.Event = field(default_factory=asyncio.Event)
    delivery_ready: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def signer(self) -> Signer:
        """The instance actor signs fetches, as Mastodon's secure mode requires."""
        actor = self.instance.actor
        assert actor.private_key_pem is not None
        return Signer(key_id=actor.public_key_id, private_key_pem=actor.private_key_pem)

    async def is_suspended(self, domain: str) -> bool:
        return await severity_for(self.domains, domain) == "suspend"


def build_federation(db: Database, instance: Instance, client: GuardedClient) -> Federation:
    actor = instance.actor
    assert actor.private_key_pem is not None
    signer = Signer(key_id=actor.public_key_id, private_key_pem=actor.private_key_pem)
    domains = DomainFacts(db)

    async def suspended(domain: str) -> bool:
        return await severity_for(domains, domain) == "suspend"

    return Federation(
        db=db,
        instance=instance,
        client=client,
        remote=RemoteActors(db, client, signer, instance.settings.domain, suspended),
        pipeline=Pipeline([suspended_domains_policy(domains)]),
        domains=domains,
        recorder=InboxRecorder(db),
        health=HostHealth(db),
    )


def federation_of(request: Request) -> Federation:
    federation: Federation = request.app.state.federation
    return federation
