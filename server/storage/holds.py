"""The hold queue and moderators' alerts: posts waiting for a decision, and published
posts a moderator should know about (risk terms)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from server.clock import now_text
from server.storage import audit
from server.storage.database import Database
from server.storage.notifications import notify_in
from server.storage.paging import IdWindow, fetch_window


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


async def page_holds(db: Database, window: IdWindow, *, waiting: bool) -> list[Hold]:
    """Holds newest first, the waiting ones or those decided, for the admin API."""
    rows = await fetch_window(
        db, f"SELECT {_HOLD} FROM holds", key="id", window=window,
        where=["decision IS NULL" if waiting else "decision IS NOT NULL"])
    return [Hold(*row) for row in rows]


async def get_hold(db: Database, hold_id: int) -> Hold | None:
    row = await db.fetch_one(f"SELECT {_HOLD} FROM holds WHERE id = ?", (hold_id,))
    return None if row is None else Hold(*row)


async def hold_of_post(db: Database, post_id: int) -> Hold | None:
    row = await db.fetch_one(
        f"SELECT {_HOLD} FROM holds WHERE post_id = ? ORDER BY id DESC LIMIT 1", (post_id,))
    return None if row is None else Hold(*row)


async def latest_holds(db: Database, post_ids: Sequence[int]) -> dict[int, Hold]:
    """The most recent hold of each of these posts that has one, by post id."""
    if not post_ids:
        return {}
    marks = ", ".join("?" for _ in post_ids)
    rows = await db.fetch_all(
        f"SELECT {_HOLD} FROM holds WHERE id IN (SELECT max(id) FROM holds"
        f" WHERE post_id IN ({marks}) GROUP BY post_id)", list(post_ids))
    return {hold.post_id: hold for hold in (Hold(*row) for row in rows)}


async def hide_post(db: Database, post_id: int, *, policy: str, reason: str,
                    by_name: str) -> bool:
    """Hide a published post until a moderator decides (audited, in one transaction);
    False when it is already hidden, gone, or was once hidden by this policy before."""
    stamp = now_text()
    async with db.transaction() as tx:
        hidden = list(await tx.execute_fetchall(
            "UPDATE posts SET held_at = ? WHERE id = ? AND held_at IS NULL"
            " AND deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM holds"
            " WHERE post_id = ? AND policy = ?) RETURNING id",
            (stamp, post_id, post_id, policy)))
        if not hidden:
            return False
        cursor = await tx.execute(
            "INSERT INTO holds (post_id, policy, reason, created_at) VALUES (?, ?, ?, ?)",
            (post_id, policy, reason, stamp))
        await audit.append(tx, actor_id=None, actor_name=by_name, action="hold.hide",
                           target=f"hold {cursor.lastrowid} (post {post_id})", reason=reason)
    return True


async def count_published_posts(db: Database, actor_id: int) -> int:
    """Posts of a member that are out (not held): the new-member rule counts these."""
    value = await db.fetch_value(
        "SELECT count(*) FROM posts WHERE actor_id = ? AND held_at IS NULL", (actor_id,))
    return int(value)


@dataclass(frozen=True)
class AuthorNotice:
    """The member told of a decision on their post, in their notifications; `post_id` is
    None when the post is about to be removed."""

    account_id: int
    post_id: int | None


async def decide(db: Database, hold_id: int, *, approve: bool, by_id: int | None,
                 by_name: str, note: str, notice: AuthorNotice | None = None) -> Hold | None:
    """Record a decision on a waiting hold (audited), and the `notice` to its author with
    the note, all committed together; None when it was not waiting."""
    stamp = now_text()
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE holds SET decision = ?, decided_by = ?, decided_at = ?, note = ?"
            " WHERE id = ? AND decision IS NULL",
            ("approved" if approve else "rejected", by_id, stamp, note, hold_id),
        )
        if cursor.rowcount != 1:
            return None
        await audit.append(tx, actor_id=by_id, actor_name=by_name,
                           action="hold.approve" if approve else "hold.reject",
                           target=f"hold {hold_id}", reason=note)
        if notice is not None:
            await notify_in(tx, account_id=notice.account_id, kind="moderation",
                            from_actor_id=None, post_id=notice.post_id,
                            source_uri=f"hold:{hold_id}", note=note)
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
    decision: str | None = None
    note: str = ""


_HELD = ("SELECT h.id, h.inbound_id, h.actor_uri, h.reason, h.created_at, i.body,"
         " h.decision, h.note FROM held_activities h"
         " JOIN inbound_activities i ON i.id = h.inbound_id")


async def hold_inbound(db: Database, *, inbound_id: int, actor_uri: str, reason: str) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO held_activities (inbound_id, actor_uri, reason, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (inbound_id) DO NOTHING",
            (inbound_id, actor_uri, reason, now_text()),
        )


async def waiting_inbound(db: Database, *, limit: int = 100) -> list[HeldActivity]:
    rows = await db.fetch_all(f"{_HELD} WHERE h.decision IS NULL ORDER BY h.id LIMIT ?",
                              (limit,))
    return [HeldActivity(*row) for row in rows]


async def page_held_activities(db: Database, window: IdWindow, *, waiting: bool
                               ) -> list[HeldActivity]:
    rows = await fetch_window(
        db, _HELD, key="h.id", window=window,
        where=["h.decision IS NULL" if waiting else "h.decision IS NOT NULL"])
    return [HeldActivity(*row) for row in rows]


async def get_held_activity(db: Database, held_id: int) -> HeldActivity | None:
    row = await db.fetch_one(f"{_HELD} WHERE h.id = ?", (held_id,))
    return None if row is None else HeldActivity(*row)


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
