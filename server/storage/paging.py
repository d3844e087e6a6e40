"""Mastodon's paging by id, for every list the client API serves.

A page is newest first. `max_id` asks for what is older than an id, `since_id` for
what is newer (still the newest of it first), and `min_id` for what comes just after an
id: the oldest of the newer rows, read upwards and then turned round so the page is
newest first like the others. With `min_id`, `since_id` is ignored, as Mastodon does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from server.storage.database import Database, Row

LARGEST_ID = 2**63 - 1
"""SQLite's largest integer: ids past it cannot exist, and binding one would fail."""


@dataclass(frozen=True)
class IdWindow:
    limit: int
    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None


async def fetch_window(
    db: Database, select: str, *, key: str, window: IdWindow, where: Sequence[str] = (),
    parameters: Sequence[object] = (),
) -> list[Row]:
    """Rows of `select` (a SELECT ... FROM without WHERE) in the window, newest first.
    `key` is the id column and `where` the caller's own conditions; both are constant
    SQL from the storage modules, the values go in `parameters`."""
    conditions, values = list(where), list(parameters)
    if window.max_id is not None:
        conditions.append(f"{key} < ?")
        values.append(window.max_id)
    upward = window.min_id is not None
    lower = window.min_id if upward else window.since_id
    if lower is not None:
        conditions.append(f"{key} > ?")
        values.append(lower)
    clause = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    order = "ASC" if upward else "DESC"
    rows = await db.fetch_all(f"{select}{clause} ORDER BY {key} {order} LIMIT ?",
                              (*values, window.limit))
    return rows[::-1] if upward else rows
