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


async def record(db: Database, *, activity_uri: str, actor_uri: str, body: str) -> bool:
    """Store the activity unless its id was seen before; True if it is new."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO inbound_activities (activity_uri, actor_uri, body, received_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (activity_uri) DO NOTHING",
            (activity_uri, actor_uri, body, now_text()),
        )
    return cursor.rowcount == 1


async def pending(db: Database, *, limit: int) -> list[InboundActivity]:
    rows = await db.fetch_all(
        "SELECT id, activity_uri, actor_uri, body, attempts FROM inbound_activities"
        " WHERE state = 'new' ORDER BY id LIMIT ?",
        (limit,),
    )
    return [
        InboundActivity(row[0], row[1], row[2], json.loads(row[3]), row[4]) for row in rows
    ]


async def finish(db: Database, activity_id: int, *, state: str, error: str | None = None) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE inbound_activities SET state = ?, error = ?, processed_at = ? WHERE id = ?",
            (state, error, now_text(), activity_id),
        )


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
