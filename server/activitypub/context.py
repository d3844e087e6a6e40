"""Everything federation needs at run time, built once by the app's lifespan."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from starlette.requests import Request

from federation.client import GuardedClient, Signer
from moderation.domains import RecordedPolicy, domain_policies, federates_with
from moderation.pipeline import Pipeline
from server.activitypub.health import HostHealth
from server.activitypub.recorder import InboxRecorder
from server.activitypub.remote import RemoteActors
from server.instance import Instance
from server.policies import account_policy, keyword_rules_policy, mention_spam_rules_policy
from server.storage import policy as policy_store
from server.storage.database import Database


class DomainFacts:
    """moderation/'s narrow view of domain policy, answered from storage."""

    def __init__(self, db: Database, default_mode: str) -> None:
        self._db = db
        self._default_mode = default_mode

    async def domain_severities(self, domains: Sequence[str]) -> dict[str, str]:
        return await policy_store.domain_severities(self._db, domains)

    async def domain_policies(self, domains: Sequence[str]) -> Mapping[str, RecordedPolicy]:
        return await policy_store.domain_policies(self._db, domains)

    async def allowed_domains(self, domains: Sequence[str]) -> set[str]:
        return await policy_store.allowed_domains(self._db, domains)

    async def federation_mode(self) -> str:
        return await policy_store.federation_mode(self._db, self._default_mode)


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
        """Refused outright: suspended, or not allowed while in allowlist mode."""
        return not await federates_with(self.domains, domain,
                                        own_domain=self.instance.settings.domain)


def build_federation(db: Database, instance: Instance, client: GuardedClient) -> Federation:
    actor = instance.actor
    assert actor.private_key_pem is not None
    signer = Signer(key_id=actor.public_key_id, private_key_pem=actor.private_key_pem)
    own_domain = instance.settings.domain
    domains = DomainFacts(db, instance.settings.federation_mode)

    async def suspended(domain: str) -> bool:
        return not await federates_with(domains, domain, own_domain=own_domain)

    return Federation(
        db=db,
        instance=instance,
        client=client,
        remote=RemoteActors(db, client, signer, instance.settings.domain, suspended),
        pipeline=Pipeline([*domain_policies(domains, own_domain=own_domain),
                           account_policy(db), keyword_rules_policy(db),
                           mention_spam_rules_policy(db)]),
        domains=domains,
        recorder=InboxRecorder(db),
        health=HostHealth(db),
    )


def federation_of(request: Request) -> Federation:
    federation: Federation = request.app.state.federation
    return federation
