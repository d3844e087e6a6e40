"""What a member takes with them: the people they follow, block and mute, who follows
them, and all their posts (every visibility: it is their own data)."""

from __future__ import annotations

from server.storage.database import Database, Row
from server.storage.mutes import in_force as mute_in_force
from server.storage.posts import Post, get_post


def _handles(rows: list[Row]) -> list[str]:
    return [f"{row[0]}@{row[1]}" for row in rows]


async def _follows(db: Database, actor_id: int, *, followers: bool) -> list[str]:
    mine, theirs = ("followee_id", "follower_id") if followers else ("follower_id", "followee_id")
    rows = await db.fetch_all(
        f"SELECT a.username, a.domain FROM follows f JOIN actors a ON a.id = f.{theirs}"
        f" WHERE f.{mine} = ? AND f.state = 'accepted' AND a.deleted_at IS NULL ORDER BY f.id",
        (actor_id,),
    )
    return _handles(rows)


async def following(db: Database, actor_id: int) -> list[str]:
    """`name@domain` of everyone the member follows (accepted follows), oldest first."""
    return await _follows(db, actor_id, followers=False)


async def followers(db: Database, actor_id: int) -> list[str]:
    return await _follows(db, actor_id, followers=True)


async def blocked(db: Database, actor_id: int) -> list[str]:
    rows = await db.fetch_all(
        "SELECT a.username, a.domain FROM blocks b JOIN actors a ON a.id = b.target_id"
        " WHERE b.actor_id = ? ORDER BY b.created_at",
        (actor_id,),
    )
    return _handles(rows)


async def muted(db: Database, actor_id: int) -> list[str] | None:
    """The people the member muted, or None on a database without mutes."""
    table = await db.fetch_value(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'mutes'"
    )
    if table is None:
        return None
    rows = await db.fetch_all(
        "SELECT a.username, a.domain FROM mutes m JOIN actors a ON a.id = m.target_id"
        f" WHERE m.actor_id = ? AND {mute_in_force('m')} ORDER BY m.created_at",
        (actor_id,),
    )
    return _handles(rows)


async def all_posts(db: Database, actor_id: int) -> list[Post]:
    """Every post the member has not deleted, oldest first."""
    rows = await db.fetch_all(
        "SELECT id FROM posts WHERE actor_id = ? AND deleted_at IS NULL ORDER BY id",
        (actor_id,),
    )
    posts = [await get_post(db, int(row[0])) for row in rows]
    return [post for post in posts if post is not None]
