"""Reports, from members or arriving as Flags; the moderation issue builds the queue on them."""

from __future__ import annotations

import json
from dataclasses import dataclass

from server.clock import now_text
from server.storage.database import Database


@dataclass(frozen=True)
class Report:
    id: int
    uri: str | None
    target_actor_id: int | None
    comment: str
    object_uris: list[str]
    origin_domain: str | None
    state: str


async def record_report(
    db: Database, *, uri: str, target_actor_id: int | None, comment: str,
    object_uris: list[str], origin_domain: str,
) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO reports (uri, target_actor_id, comment, object_uris, origin_domain,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (uri) DO NOTHING",
            (uri, target_actor_id, comment, json.dumps(object_uris), origin_domain, now_text()),
        )


async def list_reports(db: Database) -> list[Report]:
    rows = await db.fetch_all(
        "SELECT id, uri, target_actor_id, comment, object_uris, origin_domain, state"
        " FROM reports ORDER BY id"
    )
    return [
        Report(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6]) for r in rows
    ]
