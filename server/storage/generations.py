"""Values built from policy tables and kept in memory, rebuilt only when the tables change.

Policies are read on every inbound activity, so they are answered from memory. Triggers
bump a counter in `instance_settings` on every change, whoever makes it (this server,
the command line in another process); a cached value is checked against that counter
every few seconds, and at once after a change made through this process.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from weakref import WeakKeyDictionary

from server.storage.database import Database

STALE_SECONDS = 2.0

T = TypeVar("T")


@dataclass
class _Kept(Generic[T]):
    value: T
    checked_at: float
    version: int
    stored: tuple[str | None, ...]


@dataclass
class _PerDatabase(Generic[T]):
    kept: _Kept[T] | None = None
    version: int = 0
    """Bumped by `changed`: a change made here is seen at once, not after the stale time."""
    building: asyncio.Lock = field(default_factory=asyncio.Lock)


class GenerationCache(Generic[T]):
    """`setting` is the trigger-kept counter; `also_watch` names further settings the
    value is built from (the federation mode, say), so a change to one of them made by
    another process is seen as soon as the counter's would be."""

    def __init__(self, setting: str, build: Callable[[Database], Awaitable[T]], *,
                 also_watch: tuple[str, ...] = ()) -> None:
        self._settings = (setting, *also_watch)
        self._build = build
        self._states: WeakKeyDictionary[Database, _PerDatabase[T]] = WeakKeyDictionary()

    def _state(self, db: Database) -> _PerDatabase[T]:
        return self._states.setdefault(db, _PerDatabase())

    async def get(self, db: Database) -> T:
        """The current value; when it must be rebuilt, one task builds while others wait."""
        state = self._state(db)
        kept = state.kept
        if (kept is not None and kept.version == state.version
                and time.monotonic() - kept.checked_at <= STALE_SECONDS):
            return kept.value
        async with state.building:
            version = state.version
            current = state.kept
            if current is not kept and current is not None and current.version == version:
                return current.value  # another task rebuilt it while this one waited
            marks = ", ".join("?" for _ in self._settings)
            values = {str(row[0]): str(row[1]) for row in await db.fetch_all(
                f"SELECT key, value FROM instance_settings WHERE key IN ({marks})",
                self._settings)}
            stored = tuple(values.get(key) for key in self._settings)
            if (current is not None and current.version == version and stored[0] is not None
                    and stored == current.stored):
                current.checked_at = time.monotonic()
                return current.value
            value = await self._build(db)
            state.kept = _Kept(value, time.monotonic(), version, stored)
            return value

    def changed(self, db: Database) -> None:
        """This process changed the tables: the next `get` rebuilds."""
        self._state(db).version += 1
