"""The team's directory of accounts, here and elsewhere, filtered as Mastodon's admin
account list is: by origin, standing, role and name."""

from __future__ import annotations

from dataclasses import dataclass

from server.storage.database import Database
from server.storage.paging import IdWindow, fetch_window
from server.storage.sanctions import NOW_SQL

STATUSES = ("active", "pending", "disabled", "silenced", "suspended")
ORIGINS = ("local", "remote")

_PERSON_HERE = "a.local = 1 AND a.actor_type = 'Person'"
_STATUS = {
    "active": f"(a.suspended_until IS NULL OR a.suspended_until <= {NOW_SQL})"
              " AND a.deleted_at IS NULL AND (a.local = 0 OR m.approved = 1)",
    "pending": "m.approved = 0 AND m.rejected_at IS NULL AND m.password_hash != ''",
    "disabled": "(a.deleted_at IS NOT NULL OR m.password_hash = '')",
    "silenced": f"a.limited_until > {NOW_SQL}",
    "suspended": f"a.suspended_until > {NOW_SQL}",
}


@dataclass(frozen=True)
class DirectoryFilter:
    origin: str | None = None
    status: str | None = None
    staff: bool = False
    username: str = ""
    display_name: str = ""
    domain: str = ""
    email: str = ""


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def account_ids(db: Database, window: IdWindow, chosen: DirectoryFilter) -> list[int]:
    """Actor ids, newest first, of members (never the instance actor) and of accounts
    elsewhere that are known here."""
    where = [f"(a.local = 0 OR ({_PERSON_HERE} AND m.actor_id IS NOT NULL))"]
    values: list[object] = []
    if chosen.origin == "local":
        where.append("a.local = 1")
    elif chosen.origin == "remote":
        where.append("a.local = 0")
    if chosen.status is not None:
        where.append(_STATUS[chosen.status])
    if chosen.staff:
        where.append("m.role IN ('moderator', 'admin')")
    for column, text in (("a.username", chosen.username), ("a.display_name", chosen.display_name),
                         ("m.email", chosen.email)):
        if text:
            where.append(f"lower({column}) LIKE ? ESCAPE '\\'")
            values.append(_like(text))
    if chosen.domain:
        where.append("lower(a.domain) = lower(?)")
        values.append(chosen.domain)
    rows = await fetch_window(
        db, "SELECT a.id FROM actors a LEFT JOIN accounts m ON m.actor_id = a.id",
        key="a.id", window=window, where=where, parameters=values)
    return [int(row[0]) for row in rows]
