"""A member's network as the people pages show it: finding members by name, the
follow requests waiting for them, their followers and following a page at a time,
and how the viewer stands with many people at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

from server.clock import now_text
from server.storage.actors import Actor, actor_from_row
from server.storage.database import Database, Row
from server.storage.follows import Follow
from server.storage.paging import IdWindow, fetch_window
from server.storage.sanctions import not_in_force

_ACTOR = ", ".join(f"a.{column.name}" for column in fields(Actor))
_LISTED_MEMBER = (
    "a.local = 1 AND a.actor_type = 'Person' AND a.deleted_at IS NULL"
    f" AND m.approved = 1 AND {not_in_force('a.suspended_until')}"
    " AND (m.break_until IS NULL OR m.break_until <= ? OR a.id = ?)"
    " AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.actor_id = a.id AND b.target_id = ?)"
)


def _like_prefix(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


async def find_members(db: Database, viewer_id: int, name: str, *, limit: int = 20
                       ) -> list[Actor]:
    """Members whose username starts with `name`: the exact name always, others only
    when they chose to be discoverable. Closed, suspended and on-a-break members are
    left out, and so is anyone who blocks the viewer."""
    rows = await db.fetch_all(
        f"SELECT {_ACTOR} FROM actors a JOIN accounts m ON m.actor_id = a.id"
        f" WHERE {_LISTED_MEMBER}"
        " AND (lower(a.username) = lower(?)"
        "  OR (a.discoverable = 1 AND lower(a.username) LIKE ? ESCAPE '\\'))"
        " ORDER BY lower(a.username) = lower(?) DESC, lower(a.username) LIMIT ?",
        (now_text(), viewer_id, viewer_id, name, _like_prefix(name), name, limit),
    )
    return [actor_from_row(row) for row in rows]


async def blocks_viewer(db: Database, actor_id: int, viewer_id: int) -> bool:
    value = await db.fetch_value(
        "SELECT 1 FROM blocks WHERE actor_id = ? AND target_id = ?", (actor_id, viewer_id)
    )
    return value is not None


@dataclass(frozen=True)
class Relation:
    """How the viewer stands with one person, for the button next to their name."""

    follow_state: str | None = None  # 'pending', 'accepted' or None
    blocking: bool = False


async def relations_with(db: Database, viewer_id: int, actor_ids: Sequence[int]
                         ) -> dict[int, Relation]:
    """The viewer's follow state and blocks for each of these people, in one query."""
    if not actor_ids:
        return {}
    marks = ", ".join("?" for _ in actor_ids)
    rows = await db.fetch_all(
        "SELECT a.id,"
        " (SELECT state FROM follows f WHERE f.follower_id = ? AND f.followee_id = a.id),"
        " EXISTS (SELECT 1 FROM blocks b WHERE b.actor_id = ? AND b.target_id = a.id)"
        f" FROM actors a WHERE a.id IN ({marks})",
        (viewer_id, viewer_id, *actor_ids),
    )
    return {int(row[0]): Relation(row[1], bool(row[2])) for row in rows}


async def block_uri(db: Database, actor_id: int, target_id: int) -> str | None:
    value = await db.fetch_value(
        "SELECT uri FROM blocks WHERE actor_id = ? AND target_id = ?", (actor_id, target_id)
    )
    return None if value is None else str(value)


async def follow_by_id(db: Database, follow_id: int) -> Follow | None:
    row = await db.fetch_one(
        "SELECT id, uri, follower_id, followee_id, state FROM follows WHERE id = ?",
        (follow_id,),
    )
    return None if row is None else Follow(*row)


async def count_requests(db: Database, followee_id: int) -> int:
    value = await db.fetch_value(
        "SELECT count(*) FROM follows WHERE followee_id = ? AND state = 'pending'",
        (followee_id,),
    )
    return int(value)


@dataclass(frozen=True)
class Connection:
    """One row of a followers, following or requests list: the follow and the person."""

    follow_id: int
    actor: Actor


def _connection(row: Row) -> Connection:
    values = dict(row)
    follow_id = int(values.pop("follow_id"))
    return Connection(follow_id, actor_from_row(values))  # type: ignore[arg-type]


_SIDES = {
    # list name: (the member's column, the other person's column, the state listed)
    "followers": ("followee_id", "follower_id", "accepted"),
    "following": ("follower_id", "followee_id", "accepted"),
    "requests": ("followee_id", "follower_id", "pending"),
}


async def connections(db: Database, member_id: int, which: str, *, before: int | None,
                      limit: int) -> list[Connection]:
    """Followers, following or pending requests, newest follow first, `limit` at a time
    from below the follow id `before` (keyset pagination: stable while people come and
    go)."""
    mine, theirs, state = _SIDES[which]
    rows = await db.fetch_all(
        f"SELECT f.id AS follow_id, {_ACTOR} FROM follows f JOIN actors a ON a.id = f.{theirs}"
        f" WHERE f.{mine} = ? AND f.state = ? AND a.deleted_at IS NULL AND f.id < ?"
        " ORDER BY f.id DESC LIMIT ?",
        (member_id, state, before if before is not None else 2**62, limit),
    )
    return [_connection(row) for row in rows]


@dataclass(frozen=True)
class Blocked:
    """A row of the member's blocks list: the block's id (for paging) and the person."""

    id: int
    actor: Actor


async def blocked_page(db: Database, member_id: int, window: IdWindow) -> list[Blocked]:
    """The people the member blocks (accounts not deleted), newest block first."""
    rows = await fetch_window(
        db, f"SELECT b.id AS block_id, {_ACTOR} FROM blocks b JOIN actors a"
        " ON a.id = b.target_id", key="b.id", window=window,
        where=["b.actor_id = ?", "a.deleted_at IS NULL"], parameters=[member_id],
    )
    found = []
    for row in rows:
        values = dict(row)
        block_id = int(values.pop("block_id"))
        found.append(Blocked(block_id, actor_from_row(values)))  # type: ignore[arg-type]
    return found
