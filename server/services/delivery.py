"""Turning an outbound activity into durable delivery jobs, past outbound moderation."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from federation.parse import host_of
from moderation.candidate import Candidate, Direction
from server.activitypub.context import Federation
from server.storage import deliveries as delivery_store
from server.storage.actors import Actor
from server.storage.decisions import record_decision
from server.storage.deliveries import Delivery

logger = logging.getLogger(__name__)

SHARED_INBOX_TYPES = frozenset({"Create", "Update", "Delete", "Announce"})
"""As Mastodon: these go once per host to the shared inbox; the rest to personal inboxes."""


def inbox_for(actor: Actor, activity_type: str) -> str:
    if activity_type in SHARED_INBOX_TYPES and actor.shared_inbox_uri:
        return actor.shared_inbox_uri
    return actor.inbox_uri


async def permitted_inboxes(
    federation: Federation, kind: str, sender: Actor, inboxes: Iterable[str], *, subject: str
) -> list[str]:
    """The inboxes the outbound pipeline lets this activity reach, decided once per host."""
    local = federation.instance.settings.domain.lower()
    verdicts: dict[str, bool] = {}
    allowed = []
    for inbox in dict.fromkeys(inboxes):
        host = host_of(inbox)
        if host == local:
            continue
        if host not in verdicts:
            decision = await federation.pipeline.decide(
                Candidate(Direction.OUTBOUND, kind, sender.uri, host)
            )
            verdicts[host] = decision.allowed
            if not decision.allowed:
                await record_decision(federation.db, decision, direction="outbound",
                                      subject_uri=subject, domain=host)
        if verdicts[host]:
            allowed.append(inbox)
    return allowed


def deliveries(activity: dict[str, Any], sender: Actor, inboxes: Iterable[str]) -> list[Delivery]:
    body = json.dumps(activity, ensure_ascii=False, separators=(",", ":"))
    return [
        Delivery(activity_uri=str(activity["id"]), inbox_uri=inbox, body=body,
                 signer_actor_id=sender.id)
        for inbox in inboxes
    ]


async def send(
    federation: Federation, activity: dict[str, Any], sender: Actor, inboxes: Iterable[str]
) -> None:
    """Queue `activity` for every permitted inbox and wake the delivery worker."""
    targets = await permitted_inboxes(
        federation, str(activity["type"]), sender, inboxes, subject=str(activity["id"])
    )
    if not targets:
        return
    await delivery_store.enqueue(federation.db, deliveries(activity, sender, targets))
    federation.delivery_ready.set()


async def send_to(
    federation: Federation, activity: dict[str, Any], sender: Actor, recipients: Iterable[Actor]
) -> None:
    kind = str(activity["type"])
    await send(federation, activity, sender,
               [inbox_for(actor, kind) for actor in recipients if not actor.local])
