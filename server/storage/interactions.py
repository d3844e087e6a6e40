"""Likes, boosts and blocks: small facts keyed by the activity that made them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from server.clock import now_text
from server.storage.database import Database
from server.storage.paging import IdWindow, fetch_window

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


async def counts_for(db: Database, kind: str, post_ids: Sequence[int]) -> dict[int, int]:
    """How many likes (or boosts) each post has, for a page of posts in one query."""
    if not post_ids:
        return {}
    marks = ", ".join("?" for _ in post_ids)
    rows = await db.fetch_all(
        f"SELECT post_id, count(*) FROM {_TABLES[kind]} WHERE post_id IN ({marks})"
        " GROUP BY post_id", list(post_ids))
    return {int(row[0]): int(row[1]) for row in rows}


async def done_by(db: Database, kind: str, actor_id: int, post_ids: Sequence[int]) -> set[int]:
    """Which of these posts the actor has liked (or boosted)."""
    if not post_ids:
        return set()
    marks = ", ".join("?" for _ in post_ids)
    rows = await db.fetch_all(
        f"SELECT post_id FROM {_TABLES[kind]} WHERE actor_id = ? AND post_id IN ({marks})",
        [actor_id, *post_ids])
    return {int(row[0]) for row in rows}


@dataclass(frozen=True)
class Boost:
    id: int
    uri: str
    actor_id: int
    post_id: int
    created_at: str


async def get_boost(db: Database, boost_id: int) -> Boost | None:
    row = await db.fetch_one(
        "SELECT id, uri, actor_id, post_id, created_at FROM boosts WHERE id = ?", (boost_id,))
    return None if row is None else Boost(**dict(row))


async def boost_by(db: Database, actor_id: int, post_id: int) -> Boost | None:
    """The actor's boost of the post, if they boosted it."""
    row = await db.fetch_one(
        "SELECT id, uri, actor_id, post_id, created_at FROM boosts"
        " WHERE actor_id = ? AND post_id = ?", (actor_id, post_id))
    return None if row is None else Boost(**dict(row))


async def actors_page(db: Database, kind: str, post_id: int, window: IdWindow
                      ) -> list[tuple[int, int]]:
    """(like or boost id, actor id) of those who liked or boosted the post, newest
    first, in Mastodon's id window."""
    rows = await fetch_window(
        db, f"SELECT id, actor_id FROM {_TABLES[kind]}", key="id", window=window,
        where=["post_id = ?"], parameters=[post_id])
    return [(int(row[0]), int(row[1])) for row in rows]


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
