"""The audit log: every moderator and admin action, appended and never changed (the
table's triggers refuse updates and deletes, so not even a bug here can rewrite it)."""

from __future__ import annotations

from dataclasses import dataclass

from server.clock import now_text
from server.storage.database import Database, Transaction

PAGE = 50


@dataclass(frozen=True)
class AuditEntry:
    id: int
    actor_id: int | None
    actor_name: str
    action: str
    target: str
    reason: str
    created_at: str


async def append(tx: Transaction, *, actor_id: int | None, actor_name: str, action: str,
                 target: str = "", reason: str = "") -> None:
    """Record an action inside the transaction that carries it out, so the log and the
    change it describes are committed together or not at all."""
    await tx.execute(
        "INSERT INTO audit_log (actor_id, actor_name, action, target, reason, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (actor_id, actor_name, action, target, reason, now_text()),
    )


async def record(db: Database, *, actor_id: int | None, actor_name: str, action: str,
                 target: str = "", reason: str = "") -> None:
    async with db.transaction() as tx:
        await append(tx, actor_id=actor_id, actor_name=actor_name, action=action,
                     target=target, reason=reason)


async def recent(db: Database, *, before: int | None = None, limit: int = PAGE
                 ) -> list[AuditEntry]:
    rows = await db.fetch_all(
        "SELECT id, actor_id, actor_name, action, target, reason, created_at FROM audit_log"
        " WHERE (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?",
        (before, before, limit),
    )
    return [AuditEntry(*row) for row in rows]
