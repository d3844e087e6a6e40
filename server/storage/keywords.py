"""Keyword rules, and the compiled matcher every post is checked against.

Compiling thousands of rules takes a while, so the matcher is kept per database and
rebuilt only when a rule changes here, or every few seconds when another process
(the command line) may have changed them."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from moderation.keywords import KeywordAction, KeywordMatcher, KeywordRule, MatchMode, RuleDirection
from server.clock import now_text
from server.storage import audit
from server.storage.database import Database

STALE_SECONDS = 2.0


GENERATION_SETTING = "keyword_rules_generation"


@dataclass
class _Compiled:
    matcher: KeywordMatcher
    checked_at: float
    version: int
    stored_generation: str | None
    """The database's change counter (bumped by triggers) when the rules were read."""


_compiled: WeakKeyDictionary[Database, _Compiled] = WeakKeyDictionary()
_versions: WeakKeyDictionary[Database, int] = WeakKeyDictionary()
_compiling: WeakKeyDictionary[Database, asyncio.Lock] = WeakKeyDictionary()


def _rule(row: tuple[object, ...]) -> KeywordRule:
    rule_id, text, mode, action, direction, note, warning = row
    return KeywordRule(id=int(str(rule_id)), text=str(text), mode=MatchMode(mode),
                       action=KeywordAction(action), direction=RuleDirection(direction),
                       note=str(note), warning=str(warning))


async def list_rules(db: Database) -> list[KeywordRule]:
    rows = await db.fetch_all(
        "SELECT id, text, mode, action, direction, note, warning FROM keyword_rules ORDER BY id")
    return [_rule(tuple(row)) for row in rows]


async def current_matcher(db: Database) -> KeywordMatcher:
    """The compiled rules; recompiled only when a rule changed, here or elsewhere (the
    change counter is checked every few seconds), by one task while the others wait."""
    compiled = _compiled.get(db)
    if (compiled is not None and compiled.version == _versions.get(db, 0)
            and time.monotonic() - compiled.checked_at <= STALE_SECONDS):
        return compiled.matcher
    async with _compiling.setdefault(db, asyncio.Lock()):
        version = _versions.get(db, 0)
        current = _compiled.get(db)
        if current is not compiled and current is not None and current.version == version:
            return current.matcher
        stored = await db.fetch_value("SELECT value FROM instance_settings WHERE key = ?",
                                      (GENERATION_SETTING,))
        stored = None if stored is None else str(stored)
        if (current is not None and current.version == version and stored is not None
                and stored == current.stored_generation):
            current.checked_at = time.monotonic()
            return current.matcher
        rules = await list_rules(db)
        matcher = await asyncio.to_thread(KeywordMatcher, rules)
        _compiled[db] = _Compiled(matcher, time.monotonic(), version, stored)
        return matcher


def _changed(db: Database) -> None:
    _versions[db] = _versions.get(db, 0) + 1


async def add_rule(db: Database, rule: KeywordRule, *, by_id: int, by_name: str) -> int:
    """Store a rule (check it first with `KeywordMatcher([rule])`), audited."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO keyword_rules (text, mode, action, direction, note, warning, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (rule.text, rule.mode.value, rule.action.value, rule.direction.value, rule.note,
             rule.warning, now_text()),
        )
        assert cursor.lastrowid is not None
        await audit.append(tx, actor_id=by_id, actor_name=by_name, action="keyword.add",
                           target=f"rule {cursor.lastrowid}: {rule.action.value}",
                           reason=rule.note)
    _changed(db)
    return cursor.lastrowid


async def remove_rule(db: Database, rule_id: int, *, by_id: int, by_name: str) -> bool:
    async with db.transaction() as tx:
        cursor = await tx.execute("DELETE FROM keyword_rules WHERE id = ?", (rule_id,))
        if cursor.rowcount != 1:
            return False
        await audit.append(tx, actor_id=by_id, actor_name=by_name, action="keyword.remove",
                           target=f"rule {rule_id}")
    _changed(db)
    return True
