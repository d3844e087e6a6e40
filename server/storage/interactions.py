"""Likes, boosts and blocks: small facts keyed by the activity that made them."""

from __future__ import annotations

from server.clock import now_text
from server.storage.database import Database

_TABLES = {"like": "likes", "boost": "boosts"}


async def record_interaction(
    db: Database, kind: str, *, uri: str, actor_id: int, post_id: int
) -> bool:
    """Store a like or boost once; True if it is new."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            f"INSERT INTO {_TABLES[kind]} (uri, actor_id, post_id, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (uri, actor_id, post_id, now_text()),
        )
    return cursor.rowcount == 1


async def remove_interaction(db: Database, kind: str, *, actor_id: int, uri: str) -> bool:
    async with db.transaction() as tx:
        cursor = await tx.execute(
            f"DELETE FROM {_TABLES[kind]} WHERE uri = ? AND actor_id = ?", (uri, actor_id)
        )
    return cursor.rowcount > 0


async def interaction_uri(db: Database, kind: str, *, actor_id: int, post_id: int) -> str | None:
    value = await db.fetch_value(
        f"SELECT uri FROM {_TABLES[kind]} WHERE actor_id = ? AND post_id = ?", (actor_id, post_id)
    )
    return None if value is None else str(value)


async def count_interactions(db: Database, kind: str, post_id: int) -> int:
    value = await db.fetch_value(
        f"SELECT count(*) FROM {_TABLES[kind]} WHERE post_id = ?", (post_id,)
    )
    return int(value)


async def record_block(db: Database, *, uri: str, actor_id: int, target_id: int) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO blocks (uri, actor_id, target_id, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (uri, actor_id, target_id, now_text()),
        )


async def remove_block(db: Database, *, actor_id: int, uri: str | None, target_id: int | None
                       ) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "DELETE FROM blocks WHERE actor_id = ? AND (uri = ? OR target_id = ?)",
            (actor_id, uri, target_id),
        )


async def is_blocked(db: Database, *, actor_id: int, target_id: int) -> bool:
    value = await db.fetch_value(
        "SELECT 1 FROM blocks WHERE actor_id = ? AND target_id = ?", (actor_id, target_id)
    )
    return value is not None
