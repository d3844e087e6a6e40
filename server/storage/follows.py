"""Who follows whom, in both directions across the border."""

from __future__ import annotations

from server.clock import now_text
from server.storage.database import Database


async def insert_follow(
    db: Database, *, uri: str, follower_id: int, followee_id: int, accepted: bool
) -> int:
    stamp = now_text()
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO follows (uri, follower_id, followee_id, state, created_at, accepted_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (uri, follower_id, followee_id, "accepted" if accepted else "pending", stamp,
             stamp if accepted else None),
        )
    assert cursor.lastrowid is not None
    return int(cursor.lastrowid)


async def count_followers(db: Database, actor_id: int) -> int:
    value = await db.fetch_value(
        "SELECT count(*) FROM follows WHERE followee_id = ? AND state = 'accepted'", (actor_id,)
    )
    return int(value)


async def count_following(db: Database, actor_id: int) -> int:
    value = await db.fetch_value(
        "SELECT count(*) FROM follows WHERE follower_id = ? AND state = 'accepted'", (actor_id,)
    )
    return int(value)


async def list_follower_uris(db: Database, actor_id: int, *, offset: int, limit: int) -> list[str]:
    """Accepted followers' actor ids, most recent first."""
    rows = await db.fetch_all(
        "SELECT a.uri FROM follows f JOIN actors a ON a.id = f.follower_id"
        " WHERE f.followee_id = ? AND f.state = 'accepted' ORDER BY f.id DESC LIMIT ? OFFSET ?",
        (actor_id, limit, offset),
    )
    return [row[0] for row in rows]


async def list_following_uris(
    db: Database, actor_id: int, *, offset: int, limit: int
) -> list[str]:
    rows = await db.fetch_all(
        "SELECT a.uri FROM follows f JOIN actors a ON a.id = f.followee_id"
        " WHERE f.follower_id = ? AND f.state = 'accepted' ORDER BY f.id DESC LIMIT ? OFFSET ?",
        (actor_id, limit, offset),
    )
    return [row[0] for row in rows]
