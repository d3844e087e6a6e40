"""The SQLite connection, its transactions and the numbered migrations.

One writer connection serialised by a lock keeps SQLite's single-writer rule
explicit instead of surfacing as `database is locked` under load; WAL mode lets
readers on the same connection proceed without blocking on checkpoints.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

logger = logging.getLogger(__name__)

Row = sqlite3.Row
Transaction = aiosqlite.Connection
"""An open write transaction, as handed out by `Database.transaction`."""
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class Database:
    """A handle on the instance's database; create it with `Database.open`."""

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._connection = connection
        self._write_lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(cls, path: Path) -> Database:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(path, isolation_level=None)
        connection.row_factory = sqlite3.Row
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=5000",
        ):
            await connection.execute(pragma)
        return cls(connection, path)

    async def close(self) -> None:
        await self._connection.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run a group of writes atomically: all of them commit, or none do."""
        async with self._write_lock:
            await self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                await self._connection.execute("ROLLBACK")
                raise
            await self._connection.execute("COMMIT")

    async def write_statement(self, sql: str, parameters: Sequence[Any] = ()) -> list[Row]:
        """One write statement, atomic on its own (SQLite's implicit transaction), in a
        single hop to the database thread instead of BEGIN, statement and COMMIT. The
        write lock keeps it out of any transaction another task has open."""
        async with self._write_lock:
            return list(await self._connection.execute_fetchall(sql, parameters))

    async def fetch_one(self, sql: str, parameters: Sequence[Any] = ()) -> Row | None:
        rows = await self.fetch_all(sql, parameters)
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, parameters: Sequence[Any] = ()) -> list[Row]:
        # One hop to the database thread: execute and fetch together, then the cursor is gone.
        return list(await self._connection.execute_fetchall(sql, parameters))

    async def fetch_value(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        row = await self.fetch_one(sql, parameters)
        return None if row is None else row[0]


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("server.storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text("utf-8")))
    return sorted(found)


def _statements(script: str) -> Iterable[str]:
    """Split a migration into statements (comments are whole lines starting with `--`).
    SQLite itself says where a statement ends, so a trigger's BEGIN ... END block, with
    its own semicolons, stays whole."""
    pending = ""
    for line in script.splitlines():
        if line.strip().startswith("--"):
            continue
        pending += line + "\n"
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""
    if pending.strip():
        raise ValueError(f"a migration ends inside a statement: {pending.strip()[:80]!r}")


async def migrate(db: Database) -> list[str]:
    """Apply every migration not yet applied, each in its own transaction."""
    async with db.transaction() as tx:
        await tx.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
    applied = {row[0] for row in await db.fetch_all("SELECT version FROM schema_migrations")}
    done = []
    for version, name, script in _migrations():
        if version in applied:
            continue
        async with db.transaction() as tx:
            for statement in _statements(script):
                await tx.execute(statement)
            await tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at)"
                " VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                (version, name),
            )
        logger.info("applied migration %s", name)
        done.append(name)
    return done
