"""Sanctions on accounts: the strike history, and the standing kept on each actor.

A sanction row records what was decided; the actor's `*_until` columns hold what is in
force, so the visibility rules read it in SQL and a sanction past its end is over by
itself. The inbound pipeline asks for the standing of every sender, so sanctioned
actors are also kept in memory (there are few), refreshed when a sanction changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from moderation.accounts import GOOD_STANDING, LASTING_KINDS, SUSPEND, WARNING, Standing
from server.clock import now_text
from server.storage import audit
from server.storage.actors import Actor, get_actor
from server.storage.database import Database, Transaction
from server.storage.generations import GenerationCache

UNTIL_LIFTED = "9999-12-31T23:59:59.999Z"
GENERATION_SETTING = "sanctions_generation"
COLUMNS = {"sensitive": "sensitive_until", "limit": "limited_until", "suspend": "suspended_until"}


@dataclass(frozen=True)
class Sanction:
    id: int
    actor_id: int
    kind: str
    reason: str
    note: str
    report_id: int | None
    created_by_name: str
    created_at: str
    ends_at: str | None
    lifted_at: str | None
    lifted_by_name: str | None

    def in_force(self, now: str) -> bool:
        return (self.kind != WARNING and self.lifted_at is None
                and (self.ends_at is None or self.ends_at > now))


@dataclass(frozen=True)
class Until:
    """When each standing sanction of one actor ends (None: not sanctioned that way)."""

    suspended: str | None = None
    limited: str | None = None
    sensitive: str | None = None

    def standing(self, now: str) -> Standing:
        return Standing(
            suspended=self.suspended is not None and self.suspended > now,
            limited=self.limited is not None and self.limited > now,
            sensitive=self.sensitive is not None and self.sensitive > now,
        )


NOW_SQL = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
"""SQLite's clock in `server.clock`'s format, so SQL compares it with stored times."""


def not_in_force(column: str) -> str:
    """SQL: the sanction whose end `column` holds is not in force (none, or ended)."""
    return f"({column} IS NULL OR {column} <= {NOW_SQL})"


_UNTIL = "suspended_until, limited_until, sensitive_until"
_SANCTIONED = ("suspended_until IS NOT NULL OR limited_until IS NOT NULL"
               " OR sensitive_until IS NOT NULL")


async def _sanctioned(db: Database) -> dict[str, Until]:
    rows = await db.fetch_all(f"SELECT uri, {_UNTIL} FROM actors WHERE {_SANCTIONED}")
    return {str(row[0]): Until(row[1], row[2], row[3]) for row in rows}


_standings = GenerationCache(GENERATION_SETTING, _sanctioned)


async def standing_of(db: Database, actor_uri: str) -> Standing:
    """From memory: fast enough to ask for every inbound activity."""
    until = (await _standings.get(db)).get(actor_uri)
    return GOOD_STANDING if until is None else until.standing(now_text())


async def until_of(db: Database, actor_id: int) -> Until:
    row = await db.fetch_one(f"SELECT {_UNTIL} FROM actors WHERE id = ?", (actor_id,))
    return Until() if row is None else Until(row[0], row[1], row[2])


async def standing_by_id(db: Database, actor_id: int) -> Standing:
    return (await until_of(db, actor_id)).standing(now_text())


_SANCTION = ("id, actor_id, kind, reason, note, report_id, created_by_name, created_at,"
             " ends_at, lifted_at, lifted_by_name")


async def history(db: Database, actor_id: int) -> list[Sanction]:
    """Every sanction this account has had, newest first."""
    rows = await db.fetch_all(
        f"SELECT {_SANCTION} FROM sanctions WHERE actor_id = ? ORDER BY id DESC", (actor_id,))
    return [Sanction(*row) for row in rows]


async def _sever_follows(tx: Transaction, actor_id: int) -> int:
    cursor = await tx.execute(
        "DELETE FROM follows WHERE follower_id = ? OR followee_id = ?", (actor_id, actor_id))
    return cursor.rowcount


async def apply(db: Database, *, actor_id: int, handle: str, local: bool, kind: str,
                ends_at: str | None, reason: str, note: str, report_id: int | None,
                by_id: int | None, by_name: str) -> Sanction:
    """Record a sanction and put it in force, audited, in one transaction. A new one of a
    kind already in force replaces it. Suspending someone elsewhere severs their follows
    both ways; suspending a member signs them out everywhere."""
    now = now_text()
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO sanctions (actor_id, kind, reason, note, report_id, created_by,"
            " created_by_name, created_at, ends_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (actor_id, kind, reason, note, report_id, by_id, by_name, now,
             None if kind == WARNING else ends_at),
        )
        sanction_id = cursor.lastrowid
        assert sanction_id is not None
        if kind in LASTING_KINDS:
            await tx.execute(
                "UPDATE sanctions SET lifted_at = ?, lifted_by_name = ? WHERE actor_id = ?"
                " AND kind = ? AND id != ? AND lifted_at IS NULL"
                " AND (ends_at IS NULL OR ends_at > ?)",
                (now, f"replaced by sanction {sanction_id}", actor_id, kind, sanction_id, now))
            await tx.execute(f"UPDATE actors SET {COLUMNS[kind]} = ? WHERE id = ?",
                             (ends_at or UNTIL_LIFTED, actor_id))
        if kind == SUSPEND:
            if local:
                await tx.execute("DELETE FROM sessions WHERE account_id = ?", (actor_id,))
            else:
                await _sever_follows(tx, actor_id)
        ending = "" if kind == WARNING else f" until {ends_at or 'lifted'}"
        await audit.append(tx, actor_id=by_id, actor_name=by_name, action=f"account.{kind}",
                           target=f"@{handle}{ending}",
                           reason="; ".join(part for part in (reason, note) if part))
    _standings.changed(db)
    row = await db.fetch_one(f"SELECT {_SANCTION} FROM sanctions WHERE id = ?", (sanction_id,))
    assert row is not None
    return Sanction(*row)


async def lift(db: Database, *, actor_id: int, handle: str, kind: str, note: str,
               by_id: int | None, by_name: str) -> bool:
    """End a standing sanction now, audited; False when none of that kind was in force."""
    now = now_text()
    async with db.transaction() as tx:
        cursor = await tx.execute(
            f"UPDATE actors SET {COLUMNS[kind]} = NULL WHERE id = ? AND {COLUMNS[kind]} > ?",
            (actor_id, now))
        if cursor.rowcount != 1:
            return False
        await tx.execute(
            "UPDATE sanctions SET lifted_at = ?, lifted_by_name = ? WHERE actor_id = ?"
            " AND kind = ? AND lifted_at IS NULL AND (ends_at IS NULL OR ends_at > ?)",
            (now, by_name, actor_id, kind, now))
        await audit.append(tx, actor_id=by_id, actor_name=by_name, action=f"account.un{kind}",
                           target=f"@{handle}", reason=note)
    _standings.changed(db)
    return True


async def sanctioned_now(db: Database, *, limit: int = 200) -> list[tuple[Actor, Until]]:
    """Accounts with a sanction in force, most recently sanctioned first."""
    rows = await db.fetch_all(
        f"SELECT a.id, {_UNTIL} FROM actors a"
        f" WHERE NOT ({not_in_force('a.suspended_until')} AND {not_in_force('a.limited_until')}"
        f" AND {not_in_force('a.sensitive_until')})"
        " ORDER BY (SELECT max(s.id) FROM sanctions s WHERE s.actor_id = a.id) DESC LIMIT ?",
        (limit,))
    found = []
    for row in rows:
        actor = await get_actor(db, int(row[0]))
        if actor is not None:
            found.append((actor, Until(row[1], row[2], row[3])))
    return found
