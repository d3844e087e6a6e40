"""Who follows whom, in both directions across the border."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Follow:
    id: int
    uri: str
    follower_id: int
    followee_id: int
    state: str


_FOLLOW = "SELECT id, uri, follower_id, followee_id, state FROM follows"


async def get_follow(db: Database, follower_id: int, followee_id: int) -> Follow | None:
    row = await db.fetch_one(
        f"{_FOLLOW} WHERE follower_id = ? AND followee_id = ?", (follower_id, followee_id)
    )
    return None if row is None else Follow(*row)


@dataclass(frozen=True)
class FollowOptions:
    """What the follower chose: the followee's boosts in their home timeline, and to be
    told of each new post."""

    show_reblogs: bool = True
    notify: bool = False


async def follow_options(db: Database, follower_id: int, followee_id: int
                         ) -> FollowOptions | None:
    """The options of a follow or follow request, or None when there is neither."""
    row = await db.fetch_one(
        "SELECT show_reblogs, notify FROM follows WHERE follower_id = ? AND followee_id = ?",
        (follower_id, followee_id),
    )
    return None if row is None else FollowOptions(bool(row[0]), bool(row[1]))


async def set_follow_options(db: Database, follower_id: int, followee_id: int, *,
                             show_reblogs: bool | None = None, notify: bool | None = None
                             ) -> None:
    """Change the options of an existing follow or request; None leaves one as it is."""
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE follows SET show_reblogs = coalesce(?, show_reblogs),"
            " notify = coalesce(?, notify) WHERE follower_id = ? AND followee_id = ?",
            (None if show_reblogs is None else int(show_reblogs),
             None if notify is None else int(notify), follower_id, followee_id),
        )


async def get_follow_by_uri(db: Database, uri: str) -> Follow | None:
    row = await db.fetch_one(f"{_FOLLOW} WHERE uri = ?", (uri,))
    return None if row is None else Follow(*row)


async def record_follow(
    db: Database, *, uri: str, follower_id: int, followee_id: int, accepted: bool
) -> tuple[Follow, bool]:
    """Insert a follow unless the pair exists; (the stored follow, whether it is new)."""
    existing = await get_follow(db, follower_id, followee_id)
    if existing is not None:
        return existing, False
    await insert_follow(
        db, uri=uri, follower_id=follower_id, followee_id=followee_id, accepted=accepted
    )
    stored = await get_follow(db, follower_id, followee_id)
    assert stored is not None
    return stored, True


async def accept_follow(db: Database, follow_id: int) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE follows SET state = 'accepted', accepted_at = ? WHERE id = ?",
            (now_text(), follow_id),
        )


async def delete_follow(db: Database, follow_id: int) -> None:
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM follows WHERE id = ?", (follow_id,))


async def sever(db: Database, actor_a: int, actor_b: int) -> None:
    """Remove follows both ways between two actors (a block, a suspension)."""
    async with db.transaction() as tx:
        await tx.execute(
            "DELETE FROM follows WHERE (follower_id = ? AND followee_id = ?)"
            " OR (follower_id = ? AND followee_id = ?)",
            (actor_a, actor_b, actor_b, actor_a),
        )


async def pending_requests(db: Database, followee_id: int) -> list[Follow]:
    rows = await db.fetch_all(
        f"{_FOLLOW} WHERE followee_id = ? AND state = 'pending' ORDER BY id", (followee_id,)
    )
    return [Follow(*row) for row in rows]


async def follower_inboxes(db: Database, actor_id: int) -> list[str]:
    """Where to deliver to reach an actor's remote followers: shared inboxes, once each."""
    rows = await db.fetch_all(
        "SELECT DISTINCT coalesce(a.shared_inbox_uri, a.inbox_uri) FROM follows f"
        " JOIN actors a ON a.id = f.follower_id"
        " WHERE f.followee_id = ? AND f.state = 'accepted' AND a.local = 0",
        (actor_id,),
    )
    return [row[0] for row in rows]


async def is_following(db: Database, follower_id: int, followee_id: int) -> bool:
    value = await db.fetch_value(
        "SELECT 1 FROM follows WHERE follower_id = ? AND followee_id = ? AND state = 'accepted'",
        (follower_id, followee_id),
    )
    return value is not None


async def any_local_follower(db: Database, actor_id: int) -> bool:
    value = await db.fetch_value(
        "SELECT 1 FROM follows f JOIN actors a ON a.id = f.follower_id"
        " WHERE f.followee_id = ? AND f.state = 'accepted' AND a.local = 1 LIMIT 1",
        (actor_id,),
    )
    return value is not None


async def connected_inboxes(db: Database, actor_id: int) -> list[str]:
    """Every remote inbox that knows this actor, through a follow either way."""
    rows = await db.fetch_all(
        "SELECT DISTINCT coalesce(a.shared_inbox_uri, a.inbox_uri) FROM follows f"
        " JOIN actors a ON a.id = CASE WHEN f.follower_id = ? THEN f.followee_id"
        " ELSE f.follower_id END"
        " WHERE (f.follower_id = ? OR f.followee_id = ?) AND a.local = 0",
        (actor_id, actor_id, actor_id),
    )
    return [row[0] for row in rows]


async def with_local_followers(db: Database, actor_ids: Sequence[int]) -> set[int]:
    """Which of these actors at least one member follows, in one query."""
    if not actor_ids:
        return set()
    marks = ", ".join("?" for _ in actor_ids)
    rows = await db.fetch_all(
        "SELECT DISTINCT f.followee_id FROM follows f JOIN actors a ON a.id = f.follower_id"
        f" WHERE f.state = 'accepted' AND a.local = 1 AND f.followee_id IN ({marks})",
        list(actor_ids),
    )
    return {row[0] for row in rows}
