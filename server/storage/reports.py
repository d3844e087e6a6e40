"""Reports, from members or arriving as Flags, and the team's handling of them."""

from __future__ import annotations

import json
from dataclasses import dataclass

from server.clock import now_text
from server.storage import audit
from server.storage.database import Database, Row
from server.storage.paging import IdWindow, fetch_window

CATEGORIES = ("welfare", "harassment", "spam", "violation", "legal", "other")


@dataclass(frozen=True)
class Report:
    id: int
    uri: str | None
    reporter_actor_id: int | None
    target_actor_id: int | None
    comment: str
    object_uris: list[str]
    origin_domain: str | None
    state: str
    category: str
    created_at: str
    forwarded_at: str | None
    resolved_at: str | None
    resolution_action: str
    resolution_note: str
    resolved_by: int | None = None

    @property
    def welfare(self) -> bool:
        return self.category == "welfare"


_COLUMNS = (
    "id, uri, reporter_actor_id, target_actor_id, comment, object_uris, origin_domain, state,"
    " category, created_at, forwarded_at, resolved_at, resolution_action, resolution_note,"
    " resolved_by"
)


def _report(row: Row) -> Report:
    values = list(row)
    values[5] = json.loads(values[5])
    return Report(*values)


async def record_report(
    db: Database, *, uri: str, target_actor_id: int | None, comment: str,
    object_uris: list[str], origin_domain: str,
) -> None:
    """A report that arrived as a Flag from another server."""
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO reports (uri, target_actor_id, comment, object_uris, origin_domain,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (uri) DO NOTHING",
            (uri, target_actor_id, comment, json.dumps(object_uris), origin_domain, now_text()),
        )


async def file_report(
    db: Database, *, reporter_id: int, target_actor_id: int, category: str, comment: str,
    object_uris: list[str],
) -> int:
    """A member's report about a post or an account, here or elsewhere."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown report category {category!r}")
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO reports (reporter_actor_id, target_actor_id, comment, object_uris,"
            " category, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (reporter_id, target_actor_id, comment, json.dumps(object_uris), category,
             now_text()),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid


async def list_reports(db: Database) -> list[Report]:
    rows = await db.fetch_all(f"SELECT {_COLUMNS} FROM reports ORDER BY id")
    return [_report(row) for row in rows]


async def reports_about(db: Database, target_id: int, *, limit: int = 100) -> list[Report]:
    """The reports about one account, open or not, newest first (its moderation page)."""
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM reports WHERE target_actor_id = ? ORDER BY id DESC LIMIT ?",
        (target_id, limit))
    return [_report(row) for row in rows]


async def open_queue(db: Database, *, limit: int = 100) -> list[Report]:
    """Open reports, welfare concerns first, then the oldest first."""
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM reports WHERE state = 'open'"
        " ORDER BY category != 'welfare', id LIMIT ?",
        (limit,),
    )
    return [_report(row) for row in rows]


async def page_reports(db: Database, window: IdWindow, *, resolved: bool,
                       reporter_id: int | None = None, target_id: int | None = None
                       ) -> list[Report]:
    """Open (or resolved) reports newest first, as Mastodon's admin API lists them,
    optionally only those by one reporter or about one account."""
    where = ["state = ?"]
    parameters: list[object] = ["resolved" if resolved else "open"]
    for column, value in (("reporter_actor_id", reporter_id), ("target_actor_id", target_id)):
        if value is not None:
            where.append(f"{column} = ?")
            parameters.append(value)
    rows = await fetch_window(db, f"SELECT {_COLUMNS} FROM reports", key="id", window=window,
                              where=where, parameters=parameters)
    return [_report(row) for row in rows]


async def get_report(db: Database, report_id: int) -> Report | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM reports WHERE id = ?", (report_id,))
    return None if row is None else _report(row)


async def resolve(db: Database, report_id: int, *, by_id: int, by_name: str, action: str,
                  note: str) -> bool:
    """Close an open report with what was done and why; False if it was not open."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE reports SET state = 'resolved', resolved_at = ?, resolved_by = ?,"
            " resolution_action = ?, resolution_note = ? WHERE id = ? AND state = 'open'",
            (now_text(), by_id, action, note, report_id),
        )
        if cursor.rowcount != 1:
            return False
        await audit.append(tx, actor_id=by_id, actor_name=by_name, action="report.resolve",
                           target=f"report {report_id}: {action}", reason=note)
        return True


async def reopen(db: Database, report_id: int, *, by_id: int, by_name: str) -> bool:
    """Put a resolved report back in the queue, as if nobody had acted on it yet; the
    audit log keeps what the resolution was. False if it was not resolved."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE reports SET state = 'open', resolved_at = NULL, resolved_by = NULL,"
            " resolution_action = '', resolution_note = '' WHERE id = ? AND state = 'resolved'",
            (report_id,),
        )
        if cursor.rowcount != 1:
            return False
        await audit.append(tx, actor_id=by_id, actor_name=by_name, action="report.reopen",
                           target=f"report {report_id}")
        return True


async def mark_forwarded(db: Database, report_id: int, *, by_id: int, by_name: str,
                         domain: str) -> None:
    async with db.transaction() as tx:
        await tx.execute("UPDATE reports SET forwarded_at = ? WHERE id = ?",
                         (now_text(), report_id))
        await audit.append(tx, actor_id=by_id, actor_name=by_name, action="report.forward",
                           target=f"report {report_id}", reason=f"sent to {domain}")


async def open_report_counts(db: Database, post_uri: str) -> tuple[int, int]:
    """Open reports by members naming this post: (different members, reports in all)."""
    row = await db.fetch_one(
        "SELECT count(DISTINCT r.reporter_actor_id), count(*) FROM reports r"
        " WHERE r.state = 'open' AND r.reporter_actor_id IS NOT NULL"
        " AND EXISTS (SELECT 1 FROM json_each(r.object_uris) j WHERE j.value = ?)",
        (post_uri,),
    )
    assert row is not None
    return int(row[0]), int(row[1])
