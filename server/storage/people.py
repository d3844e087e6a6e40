"""People as a reader meets them on profiles: finding them by handle, and how the
reader stands with them (following, muted, blocked either way)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from server.storage.actors import Actor, actor_from_row
from server.storage.database import Database
from server.storage.mutes import in_force as mute_in_force

_COLUMNS = ", ".join(column.name for column in fields(Actor))


async def remote_actor_by_handle(db: Database, username: str, domain: str) -> Actor | None:
    """A remote actor we already know of, by `name@domain` ignoring case; never fetched."""
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM actors WHERE local = 0 AND lower(username) = lower(?)"
        " AND lower(domain) = lower(?)",
        (username, domain),
    )
    return None if row is None else actor_from_row(row)


@dataclass(frozen=True)
class Standing:
    """How the reader stands with someone."""

    following: bool = False
    muted: bool = False
    blocking: bool = False
    blocked_by: bool = False


async def standing(db: Database, reader_id: int, target_id: int) -> Standing:
    row = await db.fetch_one(
        "SELECT"
        " EXISTS (SELECT 1 FROM follows WHERE follower_id = ? AND followee_id = ?"
        "  AND state = 'accepted'),"
        " EXISTS (SELECT 1 FROM mutes u WHERE u.actor_id = ? AND u.target_id = ?"
        f"  AND {mute_in_force('u')}),"
        " EXISTS (SELECT 1 FROM blocks WHERE actor_id = ? AND target_id = ?),"
        " EXISTS (SELECT 1 FROM blocks WHERE actor_id = ? AND target_id = ?)",
        (reader_id, target_id, reader_id, target_id, reader_id, target_id, target_id,
         reader_id),
    )
    assert row is not None
    return Standing(*(bool(value) for value in row))
