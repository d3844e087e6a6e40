from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from moderation.candidate import Candidate, Direction
from moderation.mention_spam import mention_spam_policy
from moderation.pipeline import Action

HERE = "https://k.example/users/"
STRANGER = "https://far.example/users/spam"


@dataclass
class Facts:
    threshold: int = 3
    members: frozenset[str] = frozenset(f"{HERE}{n}" for n in ("ann", "bo", "cy", "di"))
    known: frozenset[str] = frozenset()
    asked: list[str] = field(default_factory=list)

    async def mention_threshold(self) -> int:
        self.asked.append("threshold")
        return self.threshold

    async def members_among(self, uris: Sequence[str]) -> int:
        self.asked.append("members")
        return sum(1 for uri in uris if uri in self.members)

    async def known_here(self, actor: str) -> bool:
        self.asked.append("known")
        return actor in self.known


def arriving(*names: str, kind: str = "Create", actor: str = STRANGER,
             direction: Direction = Direction.INBOUND) -> Candidate:
    mentions = tuple(name if "://" in name else f"{HERE}{name}" for name in names)
    return Candidate(direction, kind, actor, "far.example", text="hi", mentions=mentions)


async def test_a_stranger_mentioning_three_members_is_held() -> None:
    verdict = await mention_spam_policy(Facts()).check(arriving("ann", "bo", "cy"))
    assert verdict is not None and verdict.action is Action.HOLD
    assert verdict.reason == "mentions 3 members from an account nobody here knows"


async def test_someone_known_here_is_let_through() -> None:
    facts = Facts(known=frozenset({STRANGER}))
    assert await mention_spam_policy(facts).check(arriving("ann", "bo", "cy", "di")) is None
    assert facts.asked == ["threshold", "members", "known"]


@pytest.mark.parametrize("names", [
    ("ann", "bo"),
    ("ann", "ann", "bo", "bo"),
    ("ann", "bo", "https://else.example/users/x", "https://else.example/users/y"),
])
async def test_fewer_members_than_the_threshold_are_let_through(names: tuple[str, ...]) -> None:
    assert await mention_spam_policy(Facts()).check(arriving(*names)) is None


async def test_nothing_is_asked_when_there_are_too_few_mentions_to_matter() -> None:
    facts = Facts()
    policy = mention_spam_policy(facts)
    assert await policy.check(arriving()) is None
    assert facts.asked == []
    assert await policy.check(arriving("ann", "bo")) is None
    assert facts.asked == ["threshold"], "only the threshold, kept in memory, for two"


async def test_the_admins_threshold_applies_and_zero_turns_it_off() -> None:
    two = mention_spam_policy(Facts(threshold=2))
    verdict = await two.check(arriving("ann", "bo"))
    assert verdict is not None and verdict.action is Action.HOLD and "2 members" in verdict.reason
    off = Facts(threshold=0)
    assert await mention_spam_policy(off).check(arriving("ann", "bo", "cy", "di")) is None
    assert off.asked == ["threshold"]


@pytest.mark.parametrize(("kind", "direction"), [
    ("Update", Direction.INBOUND),
    ("Announce", Direction.INBOUND),
    ("Create", Direction.OUTBOUND),
])
async def test_only_posts_arriving_from_elsewhere_are_judged(kind: str,
                                                             direction: Direction) -> None:
    facts = Facts()
    candidate = arriving("ann", "bo", "cy", kind=kind, direction=direction)
    assert await mention_spam_policy(facts).check(candidate) is None
    assert facts.asked == []
