"""Notifications for members; each is keyed by its source activity, so a replay adds none."""

from __future__ import annotations

from dataclasses import dataclass

from server.clock import now_text
from server.storage.database import Database


@dataclass(frozen=True)
class Notification:
    id: int
    kind: str
    from_actor_id: int | None
    post_id: int | None
    source_uri: str | None
    created_at: str


async def notify(
    db: Database, *, account_id: int, kind: str, from_actor_id: int | None,
    post_id: int | None, source_uri: str,
) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO notifications (account_id, kind, from_actor_id, post_id, source_uri,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (account_id, kind, from_actor_id, post_id, source_uri, now_text()),
        )


async def list_notifications(db: Database, account_id: int, *, limit: int = 40
                             ) -> list[Notification]:
    rows = await db.fetch_all(
        "SELECT id, kind, from_actor_id, post_id, source_uri, created_at FROM notifications"
        " WHERE account_id = ? ORDER BY id DESC LIMIT ?",
        (account_id, limit),
    )
    return [Notification(*row) for row in rows]
