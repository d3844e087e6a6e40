"""What the client API's search looks up without going out: accounts from other servers
already known here, posts by their address, and hashtags by name."""

from __future__ import annotations

from dataclasses import fields

from server.storage.actors import Actor, actor_from_row
from server.storage.database import Database
from server.storage.sanctions import not_in_force

_ACTOR = ", ".join(f"a.{column.name}" for column in fields(Actor))


def _prefix(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


async def known_remote_accounts(db: Database, viewer_id: int, name: str, domain: str | None,
                                *, limit: int, offset: int) -> list[Actor]:
    """Accounts elsewhere whose name starts with `name` (and whose server's, `domain`),
    exact names first; the deleted, the suspended and those who block the viewer are
    left out."""
    conditions = ["a.local = 0", "a.deleted_at IS NULL", not_in_force("a.suspended_until"),
                  "a.actor_type IN ('Person', 'Service', 'Application', 'Group')",
                  "lower(a.username) LIKE ? ESCAPE '\\'",
                  "NOT EXISTS (SELECT 1 FROM blocks b WHERE b.actor_id = a.id"
                  " AND b.target_id = ?)"]
    parameters: list[object] = [_prefix(name), viewer_id]
    if domain:
        conditions.append("lower(a.domain) LIKE ? ESCAPE '\\'")
        parameters.append(_prefix(domain))
    rows = await db.fetch_all(
        f"SELECT {_ACTOR} FROM actors a WHERE {' AND '.join(conditions)}"
        " ORDER BY lower(a.username) = lower(?) DESC, lower(a.username), a.id LIMIT ? OFFSET ?",
        [*parameters, name, limit, offset],
    )
    return [actor_from_row(row) for row in rows]


async def post_id_by_address(db: Database, address: str) -> int | None:
    """The post whose ActivityPub id or web address is `address`, if we have it."""
    value = await db.fetch_value(
        "SELECT id FROM posts WHERE uri = ? UNION ALL SELECT id FROM posts WHERE url = ?"
        " LIMIT 1", (address, address))
    return None if value is None else int(value)


async def actor_by_address(db: Database, address: str) -> Actor | None:
    """The account whose ActivityPub id or profile address is `address`, if known."""
    row = await db.fetch_one(
        f"SELECT {_ACTOR} FROM actors a WHERE a.uri = ? AND a.deleted_at IS NULL"
        f" UNION ALL SELECT {_ACTOR} FROM actors a WHERE a.url = ? AND a.deleted_at IS NULL"
        " LIMIT 1", (address, address))
    return None if row is None else actor_from_row(row)


async def tags_like(db: Database, prefix: str, *, limit: int, offset: int) -> list[str]:
    """Hashtags in use that start with `prefix`, the exact one first."""
    rows = await db.fetch_all(
        "SELECT tag FROM post_tags WHERE tag LIKE ? ESCAPE '\\' GROUP BY tag"
        " ORDER BY tag = ? DESC, count(*) DESC, tag LIMIT ? OFFSET ?",
        (_prefix(prefix), prefix.lower(), limit, offset))
    return [str(row[0]) for row in rows]
