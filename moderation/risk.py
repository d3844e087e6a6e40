"""Risk terms: words of self-harm and suicide in a member's own post.

The point is care, not censorship. Before a post is sent, the web layer calls
`risk_matches` to decide whether to offer crisis resources first. Once the member
posts, `risk_policy` applies the admin's chosen response to outbound Create and
Update activities: publish as is, publish with a support note, or hold for a
moderator. Moderators are alerted in every case: the verdict carries "alert".
(A HOLD is itself an alert, since it lands in the moderators' queue.)

Terms are matched as whole words and phrases after `moderation.text.normalize`.
The default list keeps to phrases about oneself and avoids broad words ("die",
"cut", "kill") that would alert on ordinary posts.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Protocol

from moderation.candidate import Candidate, Direction
from moderation.phrases import PhraseSet
from moderation.pipeline import Action, NamedPolicy, Verdict
from moderation.text import normalize

DEFAULT_RISK_TERMS: tuple[str, ...] = (
    "kill myself", "killing myself", "end my life", "ending my life", "take my own life",
    "suicide", "suicidal", "self harm", "self-harm", "selfharm", "self harming",
    "self-harming", "want to die", "wanna die", "want to be dead", "better off dead",
    "overdose", "overdosing", "cutting myself", "cut myself", "hurt myself",
    "hurting myself", "no reason to live", "end it all",
)
"""A starting list admins are expected to edit."""

RISK_KINDS = frozenset({"Create", "Update"})


class RiskResponse(Enum):
    PUBLISH = "publish"
    PUBLISH_WITH_NOTE = "publish_with_note"
    HOLD = "hold"


class RiskMatcher:
    """Compiled risk terms; the admin's spelling of each term is what is reported."""

    def __init__(self, terms: Iterable[str] = DEFAULT_RISK_TERMS) -> None:
        self.terms = tuple(terms)
        self._phrases = PhraseSet((term, term) for term in self.terms)

    def matches(self, text: str) -> list[str]:
        found = self._phrases.find_all(normalize(text))
        return list(dict.fromkeys(term for _, term in found))


def risk_matches(text: str, matcher: RiskMatcher) -> list[str]:
    """The distinct risk terms in `text`, in order of appearance; empty when none."""
    return matcher.matches(text)


class RiskSource(Protocol):
    def risk_matcher(self) -> RiskMatcher:
        """The matcher built from the terms as they stand now."""

    def risk_response(self) -> RiskResponse:
        """What the admin chose to do with a member's post that matches."""


def risk_policy(source: RiskSource) -> NamedPolicy:
    async def check(candidate: Candidate) -> Verdict | None:
        if candidate.direction is not Direction.OUTBOUND or candidate.kind not in RISK_KINDS:
            return None
        terms = risk_matches(candidate.text, source.risk_matcher()) if candidate.text else []
        if not terms:
            return None
        reason = f"risk terms ({len(terms)}), first: {terms[0]!r}"
        response = source.risk_response()
        if response is RiskResponse.HOLD:
            return Verdict(Action.HOLD, reason, ("alert",))
        if response is RiskResponse.PUBLISH_WITH_NOTE:
            return Verdict(Action.REWRITE, reason, ("support_note", "alert"))
        return Verdict(Action.REWRITE, reason, ("alert",))

    return NamedPolicy("risk-terms", check)
