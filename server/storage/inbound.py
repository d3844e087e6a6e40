"""Inbound activities: recorded durably before the 202, processed by the worker after."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from server.clock import now_text
from server.storage.database import Database

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class InboundActivity:
    id: int
    activity_uri: str
    actor_uri: str
    body: dict[str, Any]
    attempts: int


async def pending(db: Database, *, limit: int) -> list[InboundActivity]:
    rows = await db.fetch_all(
        "SELECT id, activity_uri, actor_uri, body, attempts FROM inbound_activities"
        " WHERE state = 'new' ORDER BY id LIMIT ?",
        (limit,),
    )
    return [
        InboundActivity(row[0], row[1], row[2], json.loads(row[3]), row[4]) for row in rows
    ]


async def record_failure(db: Database, activity_id: int, error: str) -> None:
    """Count a failed attempt; after MAX_ATTEMPTS the activity is given up as failed."""
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE inbound_activities SET attempts = attempts + 1, error = ?,"
            " state = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE state END WHERE id = ?",
            (error, MAX_ATTEMPTS, activity_id),
        )


async def state_of(db: Database, activity_uri: str) -> tuple[str, str | None] | None:
    row = await db.fetch_one(
        "SELECT state, error FROM inbound_activities WHERE activity_uri = ?", (activity_uri,)
    )
    return None if row is None else (row[0], row[1])


async def record_many(db: Database, rows: list[tuple[str, str, str]]) -> list[bool]:
    """Record several (activity id, actor id, body) in one transaction: a group commit,
    so concurrent senders share the cost of a commit. True where the id is new.

    One statement does the dedup and the insert (`ON CONFLICT DO NOTHING RETURNING`) and
    commits on its own: one round trip to the database thread however many rows."""
    stamp = now_text()
    values = ", ".join("(?, ?, ?, ?)" for _ in rows)
    inserted = {
        found[0] for found in await db.write_statement(
            "INSERT INTO inbound_activities (activity_uri, actor_uri, body, received_at)"
            f" VALUES {values} ON CONFLICT (activity_uri) DO NOTHING RETURNING activity_uri",
            [value for row in rows for value in (*row, stamp)],
        )
    }
    fresh = []
    for activity_uri, _, _ in rows:
        fresh.append(activity_uri in inserted)
        inserted.discard(activity_uri)
    return fresh


async def finish_many(db: Database, outcomes: list[tuple[int, str, str | None]]) -> None:
    """Mark a batch processed: (row id, state, reason) each."""
    stamp = now_text()
    async with db.transaction() as tx:
        await tx.executemany(
            "UPDATE inbound_activities SET state = ?, error = ?, processed_at = ? WHERE id = ?",
            [(state, error, stamp, row_id) for row_id, state, error in outcomes],
        )


async def get_activity(db: Database, activity_id: int) -> InboundActivity | None:
    row = await db.fetch_one(
        "SELECT id, activity_uri, actor_uri, body, attempts FROM inbound_activities WHERE id = ?",
        (activity_id,),
    )
    return None if row is None else InboundActivity(
        row[0], row[1], row[2], json.loads(row[3]), row[4])
