"""Sends queued deliveries: lease, sign, POST, then done, retry later, or fail for good.

Per-host concurrency is capped and a per-host circuit breaker keeps one dead server
from delaying the others; hosts failing on many distinct days are marked unavailable
until a delivery to them succeeds again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from datetime import datetime

from federation.client import BlockedURL, Signer
from federation.retry import MAX_ATTEMPTS, CircuitBreaker, Outcome, classify, retry_delay
from server.activitypub.context import Federation
from server.clock import now
from server.storage import deliveries as delivery_store
from server.storage.actors import get_actor
from server.storage.deliveries import Job

logger = logging.getLogger(__name__)

BATCH = 200
LEASE_SECONDS = 120.0
PER_HOST = 4
CONCURRENCY = 64
OPEN_CIRCUIT_DELAY = 60.0


class DeliveryWorker:
    def __init__(self, federation: Federation) -> None:
        self.federation = federation
        self.breaker = CircuitBreaker()
        self._per_host: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(PER_HOST))
        self._overall = asyncio.Semaphore(CONCURRENCY)
        self._signers: dict[int, Signer] = {}

    async def _signer(self, actor_id: int) -> Signer | None:
        if actor_id not in self._signers:
            actor = await get_actor(self.federation.db, actor_id)
            if actor is None or actor.private_key_pem is None:
                return None
            self._signers[actor_id] = Signer(actor.public_key_id, actor.private_key_pem)
        return self._signers[actor_id]

    async def _deliver(self, job: Job, at: datetime) -> None:
        db = self.federation.db
        health = self.federation.health
        if health.unavailable(job.host):
            await delivery_store.finish(db, job.id, state="failed", status=None,
                                        error="the host is unavailable")
            return
        if await self.federation.is_suspended(job.host):
            await delivery_store.finish(db, job.id, state="failed", status=None,
                                        error="the domain is suspended")
            return
        if not self.breaker.allow(job.host):
            await delivery_store.reschedule(db, job.id, delay=OPEN_CIRCUIT_DELAY, status=None,
                                            error="circuit open", count_attempt=False)
            return
        signer = await self._signer(job.signer_actor_id)
        if signer is None:
            await delivery_store.finish(db, job.id, state="failed", status=None,
                                        error="the signing actor is gone")
            return
        async with self._overall, self._per_host[job.host]:
            try:
                result = await self.federation.client.post_activity(
                    job.inbox_uri, job.body.encode("utf-8"), signer=signer)
            except BlockedURL as error:
                await delivery_store.finish(db, job.id, state="failed", status=None,
                                            error=f"blocked: {error}")
                return
        outcome = classify(result.status)
        self.breaker.record(job.host, outcome is Outcome.DONE)
        if outcome is Outcome.DONE:
            await delivery_store.finish(db, job.id, state="done", status=result.status,
                                        error=None)
            await health.answered(job.host)
            return
        await health.failed(job.host, at.date())
        if health.unavailable(job.host):
            return
        attempts = job.attempts + 1
        if outcome is Outcome.FAIL or attempts >= MAX_ATTEMPTS:
            logger.info("giving up on %s to %s: %s %s", job.activity_uri, job.inbox_uri,
                        result.status, result.error)
            await delivery_store.finish(db, job.id, state="failed", status=result.status,
                                        error=result.error)
            return
        delay = retry_delay(attempts, retry_after=result.retry_after, now=at)
        await delivery_store.reschedule(db, job.id, delay=delay, status=result.status,
                                        error=result.error)

    async def run_once(self, *, at: datetime | None = None) -> int:
        """Send what is due; `at` stands in for the clock, so tests can skip a backoff."""
        moment = at or now()
        jobs = await delivery_store.lease_due(self.federation.db, limit=BATCH,
                                              lease_seconds=LEASE_SECONDS, at=moment)
        await asyncio.gather(*(self._deliver(job, moment) for job in jobs))
        return len(jobs)

    async def run(self) -> None:
        ready = self.federation.delivery_ready
        await self.federation.health.load()
        released = await delivery_store.release_leases(self.federation.db)
        if released:
            logger.info("resuming %s deliveries interrupted by the last stop", released)
        while True:
            ready.clear()
            try:
                if await self.run_once() == BATCH:
                    continue
            except Exception:  # the queue must outlive one bad batch; rows stay leased
                logger.exception("delivery batch failed")
            due = await delivery_store.next_due_in(self.federation.db)
            timeout = 60.0 if due is None else min(60.0, max(0.05, due))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ready.wait(), timeout=timeout)
