"""Processes recorded inbound activities: moderation pipeline first, then the handler.

Rows stay `new` until processed, so activities accepted before a crash are handled
after the restart; handlers are idempotent, so a second pass changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from federation.parse import Envelope, MalformedActivity, host_of, parse_envelope
from moderation.candidate import Candidate, Direction
from moderation.pipeline import Action
from server.activitypub.context import Federation
from server.activitypub.handlers import HANDLERS, Dropped
from server.activitypub.incoming_notes import Arrival, NoteDropped, store_notes
from server.storage import actors as actor_store
from server.storage import holds as hold_store
from server.storage import inbound as inbound_store
from server.storage.actors import Actor
from server.storage.decisions import record_decision
from server.storage.inbound import InboundActivity

logger = logging.getLogger(__name__)

BATCH = 200
SETTLE = 0.02
"""While activities keep arriving, the worker waits this long for more before taking a
batch, so that a burst is processed in few large batches (few transactions, each
holding the write lock the inbox's group commit also needs) rather than many small."""
MAX_SETTLE = 0.25
"""The longest the worker lets a burst accumulate before it takes a batch anyway."""


def text_of(envelope_object: object) -> str:
    """What moderation reads of an object: its content warning and its content."""
    if isinstance(envelope_object, dict):
        content = envelope_object.get("content")
        summary = envelope_object.get("summary")
        return " ".join(part for part in (summary, content) if isinstance(part, str))
    return ""


def mentions_of(envelope_object: object) -> tuple[str, ...]:
    """The actors an embedded object's Mention tags name (their `href`), in order."""
    if not isinstance(envelope_object, dict):
        return ()
    tags = envelope_object.get("tag")
    if isinstance(tags, dict):
        tags = [tags]
    if not isinstance(tags, list):
        return ()
    return tuple(dict.fromkeys(
        tag["href"] for tag in tags
        if isinstance(tag, dict) and tag.get("type") == "Mention"
        and isinstance(tag.get("href"), str)))


HELD = "held"
Outcome = tuple[int, str, str | None]
"""(inbound row id, final state, reason)."""


class InboundWorker:
    def __init__(self, federation: Federation) -> None:
        self.federation = federation
        self._rewrites: dict[str, tuple[str, ...]] = {}
        """Rewrites decided for admitted activities of the batch in hand, by activity id."""

    async def _admit(self, envelope: Envelope, sender: Actor | None
                     ) -> tuple[str, str] | None:
        """Why the activity goes no further (state, reason), or None to apply it; the
        pipeline's rewrites for an admitted one are kept for storing it."""
        federation = self.federation
        if sender is None or sender.local:
            return "dropped", "unknown sender"
        if sender.deleted_at is not None and envelope.type != "Delete":
            return "dropped", "the sender was deleted"
        candidate = Candidate(
            Direction.INBOUND, envelope.type, sender.uri, host_of(sender.uri),
            text=text_of(envelope.object),
            mentions=mentions_of(envelope.object) if envelope.type == "Create" else (),
        )
        decision = await federation.pipeline.decide(candidate)
        if decision.action is Action.HOLD:
            return HELD, f"{decision.policy}: {decision.reason}"
        await record_decision(federation.db, decision, direction="inbound",
                              subject_uri=envelope.id, domain=candidate.domain)
        if not decision.allowed:
            return "dropped", f"{decision.policy}: {decision.reason}"
        if envelope.type not in HANDLERS:
            return "dropped", f"{envelope.type} is not handled"
        if decision.rewrites:
            self._rewrites[envelope.id] = decision.rewrites
        return None

    async def _apply(self, activity: InboundActivity, envelope: Envelope, sender: Actor,
                     outcomes: list[Outcome]) -> None:
        try:
            await HANDLERS[envelope.type](self.federation, envelope, sender)
        except Dropped as reason:
            outcomes.append((activity.id, "dropped", str(reason)))
        except Exception as error:  # a handler bug must not stop the queue
            logger.exception("processing %s failed", activity.activity_uri)
            await inbound_store.record_failure(self.federation.db, activity.id, repr(error))
        else:
            outcomes.append((activity.id, "done", None))

    async def _store_notes(self, group: list[tuple[InboundActivity, Envelope, Actor]],
                           outcomes: list[Outcome]) -> None:
        """Creates of embedded notes, the bulk of inbound traffic, stored as one batch."""
        try:
            arrivals = [Arrival(envelope.object, sender,
                                rewrites=self._rewrites.pop(envelope.id, ()))
                        for _, envelope, sender in group]
            results = await store_notes(self.federation, arrivals)
        except Exception as error:
            logger.exception("storing a batch of %s notes failed", len(group))
            for activity, _, _ in group:
                await inbound_store.record_failure(self.federation.db, activity.id, repr(error))
            return
        for (activity, _, _), result in zip(group, results, strict=True):
            if isinstance(result, NoteDropped):
                outcomes.append((activity.id, "dropped", str(result)))
            else:
                outcomes.append((activity.id, "done", None))

    async def run_once(self) -> int:
        """Process what is pending now, in arrival order; return how many were handled.
        Runs of Creates are stored together; anything else between them is applied
        alone, after the run before it, so the order of arrival holds."""
        db = self.federation.db
        batch = await inbound_store.pending(db, limit=BATCH)
        envelopes: dict[int, Envelope] = {}
        outcomes: list[Outcome] = []
        for activity in batch:
            try:
                envelopes[activity.id] = parse_envelope(activity.body)
            except MalformedActivity as error:
                outcomes.append((activity.id, "dropped", str(error)))
        senders = await actor_store.actors_by_uri(
            db, list({envelope.actor for envelope in envelopes.values()}))
        notes: list[tuple[InboundActivity, Envelope, Actor]] = []
        for activity in batch:
            envelope = envelopes.get(activity.id)
            if envelope is None:
                continue
            sender = senders.get(envelope.actor)
            refused = await self._admit(envelope, sender)
            if refused is not None and refused[0] == HELD:
                await hold_store.hold_inbound(db, inbound_id=activity.id,
                                              actor_uri=activity.actor_uri, reason=refused[1])
                outcomes.append((activity.id, "done", f"held for a moderator: {refused[1]}"))
                continue
            if refused is not None:
                outcomes.append((activity.id, *refused))
                continue
            assert sender is not None
            if envelope.type == "Create" and envelope.object is not None:
                notes.append((activity, envelope, sender))
                continue
            if notes:
                await self._store_notes(notes, outcomes)
                notes = []
            await self._apply(activity, envelope, sender, outcomes)
        if notes:
            await self._store_notes(notes, outcomes)
        for row_id, state, reason in outcomes:
            if reason:
                logger.info("%s activity %s: %s", state, row_id, reason)
        # Handlers are idempotent, so marking the batch done once at the end is safe: after
        # a crash, an activity already applied but not yet marked is applied again, to no effect.
        if outcomes:
            await inbound_store.finish_many(db, outcomes)
        return len(batch)

    async def apply_approved(self, activity: InboundActivity) -> str | None:
        """Apply an activity a moderator let through, past the pipeline that held it;
        returns why it could still not be applied, or None."""
        envelope = parse_envelope(activity.body)
        sender = await actor_store.get_actor_by_uri(self.federation.db, envelope.actor)
        if sender is None:
            return "the sender is no longer known"
        outcomes: list[Outcome] = []
        if envelope.type == "Create" and envelope.object is not None:
            await self._store_notes([(activity, envelope, sender)], outcomes)
        elif envelope.type in HANDLERS:
            await self._apply(activity, envelope, sender, outcomes)
        reasons = [reason for _, state, reason in outcomes if state != "done"]
        return reasons[0] if reasons else None

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
            await self._settle()

    async def _settle(self) -> None:
        """Wait while the inbox is still recording, up to a full batch or MAX_SETTLE."""
        recorder = self.federation.recorder
        start = recorder.recorded
        waited = 0.0
        while waited < MAX_SETTLE and recorder.recorded - start < BATCH:
            seen = recorder.recorded
            await asyncio.sleep(SETTLE)
            waited += SETTLE
            if recorder.recorded == seen:
                return
