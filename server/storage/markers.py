"""Where a member stopped reading a timeline (Mastodon's markers), so each of their apps
opens at the same place. Only the member's own apps read or move them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from server.clock import now_text
from server.storage.database import Database

TIMELINES = ("home", "notifications")


@dataclass(frozen=True)
class Marker:
    timeline: str
    last_read_id: str
    version: int
    """How many times it has been moved: apps compare it to see whether it changed."""
    updated_at: str


async def get_markers(db: Database, account_id: int,
                      timelines: Sequence[str]) -> dict[str, Marker]:
    wanted = [name for name in dict.fromkeys(timelines) if name in TIMELINES]
    if not wanted:
        return {}
    marks = ", ".join("?" for _ in wanted)
    rows = await db.fetch_all(
        "SELECT timeline, last_read_id, version, updated_at FROM reading_markers"
        f" WHERE account_id = ? AND timeline IN ({marks})", [account_id, *wanted])
    found = {str(row[0]): Marker(str(row[0]), str(row[1]), int(row[2]), str(row[3]))
             for row in rows}
    return {name: found[name] for name in wanted if name in found}


async def set_markers(db: Database, account_id: int,
                      positions: Mapping[str, str]) -> dict[str, Marker]:
    """Move each named marker (all in one transaction), counting the move in its version."""
    stamp = now_text()
    async with db.transaction() as tx:
        for timeline, last_read_id in positions.items():
            await tx.execute(
                "INSERT INTO reading_markers (account_id, timeline, last_read_id, version,"
                " updated_at) VALUES (?, ?, ?, 1, ?) ON CONFLICT (account_id, timeline) DO UPDATE"
                " SET last_read_id = excluded.last_read_id, version = version + 1,"
                " updated_at = excluded.updated_at",
                (account_id, timeline, last_read_id, stamp))
    return await get_markers(db, account_id, list(positions))
