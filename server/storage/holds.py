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


@dataclass(frozen=True)
class HeldActivity:
    id: int
    inbound_id: int
    actor_uri: str
    reason: str
    created_at: str
    body: str


async def hold_inbound(db: Database, *, inbound_id: int, actor_uri: str, reason: str) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO held_activities (inbound_id, actor_uri, reason, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (inbound_id) DO NOTHING",
            (inbound_id, actor_uri, reason, now_text()),
        )


async def waiting_inbound(db: Database, *, limit: int = 100) -> list[HeldActivity]:
    rows = await db.fetch_all(
        "SELECT h.id, h.inbound_id, h.actor_uri, h.reason, h.created_at, i.body"
        " FROM held_activities h JOIN inbound_activities i ON i.id = h.inbound_id"
        " WHERE h.decision IS NULL ORDER BY h.id LIMIT ?", (limit,))
    return [HeldActivity(*row) for row in rows]


async def decide_inbound(db: Database, held_id: int, *, approve: bool, by_id: int | None,
                         by_name: str, note: str) -> int | None:
    """Record a decision (audited); the inbound row id to apply, or None if not waiting."""
    async with db.transaction() as tx:
        rows = list(await tx.execute_fetchall(
            "UPDATE held_activities SET decision = ?, decided_by = ?, decided_at = ?, note = ?"
            " WHERE id = ? AND decision IS NULL RETURNING inbound_id",
            ("approved" if approve else "rejected", by_id, now_text(), note, held_id)))
        if not rows:
            return None
        await audit.append(tx, actor_id=by_id, actor_name=by_name,
                           action="remote-hold.approve" if approve else "remote-hold.reject",
                           target=f"remote hold {held_id}", reason=note)
        return int(rows[0][0])
