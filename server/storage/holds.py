"""The hold queue and moderators' alerts: posts waiting for a decision, and published
posts a moderator should know about (risk terms)."""

from __future__ import annotations

from dataclasses import dataclass

from server.clock import now_text
from server.storage import audit
from server.storage.database import Database


@dataclass(frozen=True)
class Hold:
    id: int
    post_id: int
    policy: str
    reason: str
    created_at: str
    decision: str | None
    note: str


@dataclass(frozen=True)
class Alert:
    id: int
    post_id: int
    policy: str
    reason: str
    created_at: str


_HOLD = "id, post_id, policy, reason, created_at, decision, note"


async def waiting(db: Database, *, limit: int = 100) -> list[Hold]:
    rows = await db.fetch_all(
        f"SELECT {_HOLD} FROM holds WHERE decision IS NULL ORDER BY id LIMIT ?", (limit,))
    return [Hold(*row) for row in rows]


async def get_hold(db: Database, hold_id: int) -> Hold | None:
    row = await db.fetch_one(f"SELECT {_HOLD} FROM holds WHERE id = ?", (hold_id,))
    return None if row is None else Hold(*row)


async def hold_of_post(db: Database, post_id: int) -> Hold | None:
    row = await db.fetch_one(
        f"SELECT {_HOLD} FROM holds WHERE post_id = ? ORDER BY id DESC LIMIT 1", (post_id,))
    return None if row is None else Hold(*row)


async def count_published_posts(db: Database, actor_id: int) -> int:
    """Posts of a member that are out (not held): the new-member rule counts these."""
    value = await db.fetch_value(
        "SELECT count(*) FROM posts WHERE actor_id = ? AND held_at IS NULL", (actor_id,))
    return int(value)


async def decide(db: Database, hold_id: int, *, approve: bool, by_id: int | None,
                 by_name: str, note: str) -> Hold | None:
    """Record a decision on a waiting hold (audited); None when it was not waiting."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE holds SET decision = ?, decided_by = ?, decided_at = ?, note = ?"
            " WHERE id = ? AND decision IS NULL",
            ("approved" if approve else "rejected", by_id, now_text(), note, hold_id),
        )
        if cursor.rowcount != 1:
            return None
        await audit.append(tx, actor_id=by_id, actor_name=by_name,
                           action="hold.approve" if approve else "hold.reject",
                           target=f"hold {hold_id}", reason=note)
    return await get_hold(db, hold_id)


async def unseen_alerts(db: Database, *, limit: int = 100) -> list[Alert]:
    rows = await db.fetch_all(
        "SELECT id, post_id, policy, reason, created_at FROM moderation_alerts"
        " WHERE seen_at IS NULL ORDER BY id LIMIT ?", (limit,))
    return [Alert(*row) for row in rows]


async def mark_alert_seen(db: Database, alert_id: int, *, by_id: int, by_name: str) -> bool:
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE moderation_alerts SET seen_at = ?, seen_by = ? WHERE id = ?"
            " AND seen_at IS NULL",
            (now_text(), by_id, alert_id))
        if cursor.rowcount != 1:
            return False
        await audit.append(tx, actor_id=by_id, actor_name=by_name, action="alert.seen",
                           target=f"alert {alert_id}")
        return True
