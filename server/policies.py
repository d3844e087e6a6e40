"""Moderation policies whose facts live in storage, ready for the pipelines."""

from __future__ import annotations

from moderation.accounts import Standing, account_sanctions_policy
from moderation.candidate import Candidate
from moderation.keywords import KeywordMatcher, keyword_policy
from moderation.pipeline import NamedPolicy, Verdict
from server.storage import keywords as keyword_store
from server.storage import sanctions as sanction_store
from server.storage.database import Database


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
