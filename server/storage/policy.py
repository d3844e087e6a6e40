"""Domain policy rows and the record of the moderation pipeline's decisions."""

from __future__ import annotations

from server.clock import now_text
from server.storage.database import Database


async def domain_severity(db: Database, domain: str) -> str | None:
    value = await db.fetch_value(
        "SELECT severity FROM domain_blocks WHERE domain = ?", (domain.lower(),)
    )
    return None if value is None else str(value)


async def block_domain(db: Database, domain: str, *, severity: str, reason: str = "") -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO domain_blocks (domain, severity, reason, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (domain) DO UPDATE SET severity = excluded.severity,"
            " reason = excluded.reason",
            (domain.lower(), severity, reason, now_text()),
        )


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


async def decisions_for(db: Database, subject_uri: str) -> list[tuple[str, str, str]]:
    rows = await db.fetch_all(
        "SELECT action, policy, reason FROM moderation_decisions WHERE subject_uri = ?",
        (subject_uri,),
    )
    return [(row[0], row[1], row[2]) for row in rows]
