"""Domain policy rows and the record of the moderation pipeline's decisions."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from server.clock import now_text
from server.storage.database import Database

SNAPSHOT_SECONDS = 2.0
"""How stale the in-memory copy of domain policy may get when another process (the
`kinhaven domain` command) changes it; changes made in this process apply at once."""


@dataclass
class _Snapshot:
    severities: dict[str, str]
    taken_at: float


_snapshots: WeakKeyDictionary[Database, _Snapshot] = WeakKeyDictionary()


async def domain_severities(db: Database, domains: Sequence[str]) -> dict[str, str]:
    """Checked on every inbound request and delivery, so it answers from a snapshot of
    the whole table (thousands of rows are a few hundred kilobytes) rather than a query."""
    snapshot = _snapshots.get(db)
    if snapshot is None or time.monotonic() - snapshot.taken_at > SNAPSHOT_SECONDS:
        rows = await db.fetch_all("SELECT domain, severity FROM domain_blocks")
        snapshot = _Snapshot({row[0]: row[1] for row in rows}, time.monotonic())
        _snapshots[db] = snapshot
    return {d: snapshot.severities[d] for d in (x.lower() for x in domains)
            if d in snapshot.severities}


async def block_domain(db: Database, domain: str, *, severity: str, reason: str = "") -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO domain_blocks (domain, severity, reason, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (domain) DO UPDATE SET severity = excluded.severity,"
            " reason = excluded.reason",
            (domain.lower(), severity, reason, now_text()),
        )
    _snapshots.pop(db, None)


async def record_decision(
    db: Database, *, direction: str, subject_uri: str, domain: str, action: str, policy: str,
    reason: str,
) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO moderation_decisions (direction, subject_uri, domain, action, policy,"
            " reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (direction, subject_uri, domain, action, policy, reason, now_text()),
        )
