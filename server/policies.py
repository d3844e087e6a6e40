"""Moderation policies whose facts live in storage, ready for the pipelines."""

from __future__ import annotations

from collections.abc import Sequence

from moderation.accounts import Standing, account_sanctions_policy
from moderation.candidate import Candidate
from moderation.keywords import KeywordMatcher, keyword_policy
from moderation.mention_spam import DEFAULT_THRESHOLD, mention_spam_policy
from moderation.pipeline import NamedPolicy, Verdict
from server.storage import acquaintance
from server.storage import keywords as keyword_store
from server.storage import sanctions as sanction_store
from server.storage.database import Database
from server.storage.generations import GenerationCache
from server.storage.settings import get_setting, set_setting


class _Fixed:
    def __init__(self, matcher: KeywordMatcher) -> None:
        self._matcher = matcher

    def keyword_matcher(self) -> KeywordMatcher:
        return self._matcher


def keyword_rules_policy(db: Database) -> NamedPolicy:
    """The moderators' keyword rules as they stand when each candidate is judged."""

    async def check(candidate: Candidate) -> Verdict | None:
        matcher = await keyword_store.current_matcher(db)
        if not matcher.rules:
            return None
        return await keyword_policy(_Fixed(matcher)).check(candidate)

    return NamedPolicy("keywords", check)


class _Standings:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def standing_of(self, actor_uri: str) -> Standing:
        return await sanction_store.standing_of(self._db, actor_uri)


def account_policy(db: Database) -> NamedPolicy:
    """Sanctions on the sending (or posting) account, as they stand at that moment."""
    return account_sanctions_policy(_Standings(db))


MENTION_THRESHOLD_SETTING = "mention_spam_threshold"


async def _read_threshold(db: Database) -> int:
    value = await get_setting(db, MENTION_THRESHOLD_SETTING)
    return int(value) if value is not None and value.isdigit() else DEFAULT_THRESHOLD


# Keyed on the setting itself: a new value is a new "generation".
_thresholds = GenerationCache(MENTION_THRESHOLD_SETTING, _read_threshold)


async def mention_threshold(db: Database) -> int:
    """The admins' choice, from memory: the inbound pipeline asks for every post."""
    return await _thresholds.get(db)


async def save_mention_threshold(db: Database, threshold: int) -> None:
    await set_setting(db, MENTION_THRESHOLD_SETTING, str(threshold))
    _thresholds.changed(db)


class _Acquaintance:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def mention_threshold(self) -> int:
        return await mention_threshold(self._db)

    async def members_among(self, uris: Sequence[str]) -> int:
        return await acquaintance.count_members(self._db, uris)

    async def known_here(self, actor: str) -> bool:
        return await acquaintance.known_to_members(self._db, actor)


def mention_spam_rules_policy(db: Database) -> NamedPolicy:
    """Strangers' posts mentioning many members, with the admins' threshold."""
    return mention_spam_policy(_Acquaintance(db))
