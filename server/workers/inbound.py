"""Processes recorded inbound activities: moderation pipeline first, then the handler.

Rows stay `new` until processed, so activities accepted before a crash are handled
after the restart; handlers are idempotent, so a second pass changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from federation.parse import MalformedActivity, host_of, parse_envelope
from moderation.candidate import Candidate, Direction
from server.activitypub.context import Federation
from server.activitypub.handlers import HANDLERS, Dropped
from server.storage import inbound as inbound_store
from server.storage import policy as policy_store
from server.storage.actors import get_actor_by_uri
from server.storage.inbound import InboundActivity

logger = logging.getLogger(__name__)

BATCH = 50


def _text_of(envelope_object: object) -> str:
    if isinstance(envelope_object, dict):
        content = envelope_object.get("content")
        summary = envelope_object.get("summary")
        return " ".join(part for part in (summary, content) if isinstance(part, str))
    return ""


class InboundWorker:
    def __init__(self, federation: Federation) -> None:
        self.federation = federation

    async def _process(self, activity: InboundActivity) -> tuple[str, str | None]:
        federation = self.federation
        try:
            envelope = parse_envelope(activity.body)
        except MalformedActivity as error:
            return "dropped", str(error)
        sender = await get_actor_by_uri(federation.db, envelope.actor)
        if sender is None or sender.local:
            return "dropped", "unknown sender"
        if sender.deleted_at is not None and envelope.type != "Delete":
            return "dropped", "the sender was deleted"
        candidate = Candidate(
            Direction.INBOUND, envelope.type, sender.uri, host_of(sender.uri),
            text=_text_of(envelope.object),
        )
        decision = await federation.pipeline.decide(candidate)
        if not decision.allowed:
            await policy_store.record_decision(
                federation.db, direction="inbound", subject_uri=envelope.id,
                domain=candidate.domain, action=decision.action.value, policy=decision.policy,
                reason=decision.reason,
            )
            return "dropped", f"{decision.policy}: {decision.reason}"
        handler = HANDLERS.get(envelope.type)
        if handler is None:
            return "dropped", f"{envelope.type} is not handled"
        try:
            await handler(federation, envelope, sender)
        except Dropped as reason:
            return "dropped", str(reason)
        return "done", None

    async def run_once(self) -> int:
        """Process what is pending now, in arrival order; return how many were handled."""
        batch = await inbound_store.pending(self.federation.db, limit=BATCH)
        outcomes: list[tuple[int, str, str | None]] = []
        for activity in batch:
            try:
                state, reason = await self._process(activity)
            except Exception as error:  # a handler bug must not stop the queue
                logger.exception("processing %s failed", activity.activity_uri)
                await inbound_store.record_failure(self.federation.db, activity.id, repr(error))
                continue
            if reason:
                logger.info("%s %s: %s", state, activity.activity_uri, reason)
            outcomes.append((activity.id, state, reason))
        # Handlers are idempotent, so marking the batch done once at the end is safe: after
        # a crash, an activity already applied but not yet marked is applied again, to no effect.
        if outcomes:
            await inbound_store.finish_many(self.federation.db, outcomes)
        return len(batch)

    async def run(self) -> None:
        ready = self.federation.inbound_ready
        while True:
            ready.clear()
            try:
                if await self.run_once() == BATCH:
                    continue
            except Exception:  # storage trouble: log, wait, try again
                logger.exception("inbound batch failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ready.wait(), timeout=30)
