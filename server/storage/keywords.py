"""Keyword rules, and the compiled matcher every post is checked against.

Compiling thousands of rules takes a while, so the matcher is kept per database and
rebuilt only when a rule changes here, or every few seconds when another process
(the command line) may have changed them."""

from __future__ import annotations

import asyncio

from moderation.keywords import KeywordAction, KeywordMatcher, KeywordRule, MatchMode, RuleDirection
from server.clock import now_text
from server.storage import audit
from server.storage.database import Database
from server.storage.generations import GenerationCache

GENERATION_SETTING = "keyword_rules_generation"


def _rule(row: tuple[object, ...]) -> KeywordRule:
    rule_id, text, mode, action, direction, note, warning = row
    return KeywordRule(id=int(str(rule_id)), text=str(text), mode=MatchMode(mode),
                       action=KeywordAction(action), direction=RuleDirection(direction),
                       note=str(note), warning=str(warning))


async def list_rules(db: Database) -> list[KeywordRule]:
    rows = await db.fetch_all(
        "SELECT id, text, mode, action, direction, note, warning FROM keyword_rules ORDER BY id")
    return [_rule(tuple(row)) for row in rows]


async def _compile(db: Database) -> KeywordMatcher:
    return await asyncio.to_thread(KeywordMatcher, await list_rules(db))


_matchers = GenerationCache(GENERATION_SETTING, _compile)


async def current_matcher(db: Database) -> KeywordMatcher:
    """The compiled rules; recompiled only when a rule changed, here or elsewhere."""
    return await _matchers.get(db)


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
    _matchers.changed(db)
    return cursor.lastrowid


async def remove_rule(db: Database, rule_id: int, *, by_id: int, by_name: str) -> bool:
    async with db.transaction() as tx:
        cursor = await tx.execute("DELETE FROM keyword_rules WHERE id = ?", (rule_id,))
        if cursor.rowcount != 1:
            return False
        await audit.append(tx, actor_id=by_id, actor_name=by_name, action="keyword.remove",
                           target=f"rule {rule_id}")
    _matchers.changed(db)
    return True
