"""Keyword rules: words, phrases or patterns that reject, hold, warn about or flag a post.

A rule matches the normalized text (`moderation.text`). `word` rules match whole
words and phrases; `pattern` rules are regular expressions checked by
`moderation.patterns` and applied, case-insensitively, to the normalized text (so
write them without diacritics). The `KeywordMatcher` compiles every `word` rule of
one direction and action into one expression (`moderation.phrases`), so thousands of
rules cost a few searches per post; it is rebuilt whole when moderators edit rules.

When several rules match, the strongest action wins: reject > hold > warn > flag.
`warn` accepts with a forced content warning: REWRITE with "sensitive" and
"cw:<text>"; `flag` accepts and marks the post for review: REWRITE with "flag".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from moderation.candidate import Candidate, Direction
from moderation.patterns import UnsafePattern, check_pattern
from moderation.phrases import MAX_PHRASE_LENGTH, PhraseSet
from moderation.pipeline import Action, NamedPolicy, Verdict
from moderation.text import normalize

CW_PREFIX = "cw:"
DEFAULT_WARNING = "Sensitive content"
_SHOWN = 40  # characters of a rule's text a reason may quote


class MatchMode(Enum):
    WORD = "word"
    PATTERN = "pattern"


class KeywordAction(Enum):
    """Declared from strongest to weakest."""

    REJECT = "reject"
    HOLD = "hold"
    WARN = "warn"
    FLAG = "flag"


class RuleDirection(Enum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    BOTH = "both"

    def covers(self, direction: Direction) -> bool:
        return self is RuleDirection.BOTH or self.value == direction.value


class InvalidRule(ValueError):
    def __init__(self, rule_id: int | str, problem: str) -> None:
        super().__init__(f"keyword rule {rule_id}: {problem}")
        self.rule_id = rule_id
        self.problem = problem


@dataclass(frozen=True)
class KeywordRule:
    id: int | str
    text: str
    mode: MatchMode = MatchMode.WORD
    action: KeywordAction = KeywordAction.FLAG
    direction: RuleDirection = RuleDirection.BOTH
    note: str = ""
    warning: str = ""
    """For `warn`: the content warning to add; `DEFAULT_WARNING` when empty."""

    def describe(self) -> str:
        """The rule in a reason: its note, else a short quote of its text."""
        shown = self.note or self.text
        if len(shown) > _SHOWN:
            shown = shown[:_SHOWN - 1] + "…"
        return f"keyword rule {self.id}: {shown!r}"


@dataclass(frozen=True)
class KeywordMatch:
    rule: KeywordRule
    matched: str
    """The matched stretch of normalized text."""


def _compile_pattern(rule: KeywordRule) -> re.Pattern[str]:
    try:
        return check_pattern(rule.text)
    except UnsafePattern as error:
        raise InvalidRule(rule.id, f"pattern refused: {error}") from None


def _check_word(rule: KeywordRule) -> None:
    normalized = normalize(rule.text)
    if not normalized:
        raise InvalidRule(rule.id, "no words to match")
    if len(normalized) > MAX_PHRASE_LENGTH:
        raise InvalidRule(rule.id, f"longer than {MAX_PHRASE_LENGTH} characters")


_Key = tuple[Direction, KeywordAction]
_Patterns = list[tuple[re.Pattern[str], KeywordRule]]


class KeywordMatcher:
    """Every rule compiled, grouped by direction and action; raises `InvalidRule`."""

    def __init__(self, rules: Iterable[KeywordRule] = ()) -> None:
        self.rules = tuple(rules)
        self._buckets: dict[_Key, tuple[PhraseSet[KeywordRule], _Patterns]] = {}
        self._words: dict[Direction, PhraseSet[KeywordRule]] = {}
        words: dict[_Key, list[tuple[str, KeywordRule]]] = {}
        patterns: dict[_Key, _Patterns] = {}
        for rule in self.rules:
            compiled = None
            if rule.mode is MatchMode.PATTERN:
                compiled = _compile_pattern(rule)
            else:
                _check_word(rule)
            for direction in Direction:
                if rule.direction.covers(direction):
                    key = (direction, rule.action)
                    if compiled is None:
                        words.setdefault(key, []).append((rule.text, rule))
                    else:
                        patterns.setdefault(key, []).append((compiled, rule))
        for direction in Direction:
            mine = [key for key in words if key[0] is direction]
            every = [pair for key in mine for pair in words[key]]
            self._words[direction] = PhraseSet(every)
            for action in KeywordAction:
                key = (direction, action)
                if key in words or key in patterns:
                    phrases = (self._words[direction] if mine == [key]
                               else PhraseSet(words.get(key, [])))
                    self._buckets[key] = (phrases, patterns.get(key, []))

    def strongest(self, text: str, direction: Direction) -> KeywordMatch | None:
        """A match of the strongest action matching `text` (raw; normalized here).

        One search over every word rule of the direction comes first: most posts match
        none, and then only pattern rules remain. On a hit, only the buckets of
        stronger actions need searching."""
        normalized = normalize(text)
        best = None
        if (found := self._words[direction].search(normalized)) is not None:
            best = KeywordMatch(found[1], found[0])
        for action in KeywordAction:
            if best is not None and best.rule.action is action:
                return best
            bucket = self._buckets.get((direction, action))
            if bucket is None:
                continue
            phrases, patterns = bucket
            if best is not None and (found := phrases.search(normalized)) is not None:
                return KeywordMatch(found[1], found[0])
            for pattern, rule in patterns:
                if (hit := pattern.search(normalized)) is not None:
                    return KeywordMatch(rule, hit.group())
        return best


class MatcherSource(Protocol):
    def keyword_matcher(self) -> KeywordMatcher:
        """The matcher built from the rules as they stand now."""


def _verdict(match: KeywordMatch) -> Verdict:
    rule = match.rule
    reason = f"matched {rule.describe()}"
    if rule.action is KeywordAction.REJECT:
        return Verdict(Action.REJECT, reason)
    if rule.action is KeywordAction.HOLD:
        return Verdict(Action.HOLD, reason)
    if rule.action is KeywordAction.WARN:
        return Verdict(Action.REWRITE, reason,
                       ("sensitive", CW_PREFIX + (rule.warning or DEFAULT_WARNING)))
    return Verdict(Action.REWRITE, reason, ("flag",))


def keyword_policy(source: MatcherSource) -> NamedPolicy:
    async def check(candidate: Candidate) -> Verdict | None:
        if not candidate.text:
            return None
        match = source.keyword_matcher().strongest(candidate.text, candidate.direction)
        return _verdict(match) if match else None

    return NamedPolicy("keywords", check)
