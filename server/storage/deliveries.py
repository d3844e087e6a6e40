"""The durable delivery queue: one row per (activity, inbox), leased while being sent.

A lease that expires (the worker died mid-send) makes the job due again, so a crash
only delays a delivery; receivers de-duplicate by activity id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from server.clock import from_text, now, now_text, to_text
from server.storage.database import Database, Transaction


@dataclass(frozen=True)
class Delivery:
    """A job to create: `body` is the exact JSON text to sign and send."""

    activity_uri: str
    inbox_uri: str
    body: str
    signer_actor_id: int


@dataclass(frozen=True)
class Job:
    id: int
    activity_uri: str
    inbox_uri: str
    host: str
    signer_actor_id: int
    body: str
    attempts: int


async def insert_deliveries(tx: Transaction, deliveries: Iterable[Delivery]) -> None:
    stamp = now_text()
    await tx.executemany(
        "INSERT INTO delivery_jobs (activity_uri, inbox_uri, host, signer_actor_id, body,"
        " next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (activity_uri, inbox_uri) DO NOTHING",
        [
            (d.activity_uri, d.inbox_uri, urlsplit(d.inbox_uri).netloc.lower(),
             d.signer_actor_id, d.body, stamp, stamp)
            for d in deliveries
        ],
    )


async def enqueue(db: Database, deliveries: Iterable[Delivery]) -> None:
    async with db.transaction() as tx:
        await insert_deliveries(tx, deliveries)


async def lease_due(db: Database, *, limit: int, lease_seconds: float,
                    at: datetime | None = None) -> list[Job]:
    """Lease the jobs due at `at` (now by default; tests pass a later time to skip waits)."""
    moment = at or now()
    async with db.transaction() as tx:
        rows = await tx.execute_fetchall(
            "UPDATE delivery_jobs SET leased_until = ? WHERE id IN ("
            " SELECT id FROM delivery_jobs WHERE state = 'queued' AND next_attempt_at <= ?"
            " AND (leased_until IS NULL OR leased_until < ?)"
            " ORDER BY next_attempt_at LIMIT ?)"
            " RETURNING id, activity_uri, inbox_uri, host, signer_actor_id, body, attempts",
            (to_text(moment + timedelta(seconds=lease_seconds)), to_text(moment),
             to_text(moment), limit),
        )
    return [Job(*row) for row in rows]


async def next_due_in(db: Database) -> float | None:
    """Seconds until the earliest queued job is due (0 if overdue), None if the queue is empty."""
    value = await db.fetch_value(
        "SELECT min(max(next_attempt_at, coalesce(leased_until, ''))) FROM delivery_jobs"
        " WHERE state = 'queued'"
    )
    if value is None:
        return None
    return max(0.0, (from_text(str(value)) - now()).total_seconds())


async def finish(db: Database, job_id: int, *, state: str, status: int | None,
                 error: str | None) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE delivery_jobs SET state = ?, attempts = attempts + 1, last_status = ?,"
            " last_error = ?, leased_until = NULL, finished_at = ? WHERE id = ?",
            (state, status, error, now_text(), job_id),
        )


async def reschedule(db: Database, job_id: int, *, delay: float, status: int | None,
                     error: str | None, count_attempt: bool = True) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE delivery_jobs SET attempts = attempts + ?, last_status = ?, last_error = ?,"
            " leased_until = NULL, next_attempt_at = ? WHERE id = ?",
            (int(count_attempt), status, error, to_text(now() + timedelta(seconds=delay)),
             job_id),
        )




async def record_host_failure(db: Database, host: str, day: str) -> set[str]:
    """Note a failed delivery day for a host; return all its failure days so far."""
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO host_failures (host, day) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (host, day),
        )
        rows = await tx.execute_fetchall("SELECT day FROM host_failures WHERE host = ?", (host,))
    return {row[0] for row in rows}


async def clear_host_failures(db: Database, host: str) -> None:
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM host_failures WHERE host = ?", (host,))


async def failure_days_by_host(db: Database) -> dict[str, set[str]]:
    rows = await db.fetch_all("SELECT host, day FROM host_failures")
    days: dict[str, set[str]] = {}
    for host, day in rows:
        days.setdefault(host, set()).add(day)
    return days


async def drop_jobs_for_host(db: Database, host: str, reason: str) -> int:
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE delivery_jobs SET state = 'failed', last_error = ?, finished_at = ?,"
            " leased_until = NULL WHERE host = ? AND state = 'queued'",
            (reason, now_text(), host),
        )
    return cursor.rowcount


async def release_leases(db: Database) -> int:
    """Free every lease: called once at start, when no other process can hold one (one
    server process owns an SQLite database), so jobs a killed process held go out now."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE delivery_jobs SET leased_until = NULL"
            " WHERE state = 'queued' AND leased_until IS NOT NULL"
        )
    return cursor.rowcount


@dataclass(frozen=True)
class JobStatus:
    inbox_uri: str
    state: str
    attempts: int
    next_attempt_at: str
    last_status: int | None
    last_error: str | None


async def job_statuses(db: Database, activity_uri: str) -> list[JobStatus]:
    rows = await db.fetch_all(
        "SELECT inbox_uri, state, attempts, next_attempt_at, last_status, last_error"
        " FROM delivery_jobs WHERE activity_uri = ? ORDER BY id",
        (activity_uri,),
    )
    return [JobStatus(*row) for row in rows]
