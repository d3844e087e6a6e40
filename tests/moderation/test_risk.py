from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from moderation.candidate import Candidate, Direction
from moderation.pipeline import Action, Pipeline
from moderation.risk import (
    DEFAULT_RISK_TERMS,
    RiskMatcher,
    RiskResponse,
    risk_matches,
    risk_policy,
)


@dataclass
class Source:
    response: RiskResponse
    matcher: RiskMatcher = field(default_factory=RiskMatcher)

    def risk_matcher(self) -> RiskMatcher:
        return self.matcher

    def risk_response(self) -> RiskResponse:
        return self.response


def own_post(text: str, kind: str = "Create",
             direction: Direction = Direction.OUTBOUND) -> Candidate:
    return Candidate(direction, kind, "https://k.example/users/ann", "k.example", text=text)


@pytest.mark.parametrize(("text", "terms"), [
    ("I want to kill myself", ["kill myself"]),
    ("I just want to END\nMY LIFE", ["end my life"]),
    ("Thinking about self-harm again, and self harm", ["self-harm", "self harm"]),
    ("su\u200bicidal thoughts, suicidal", ["suicidal"]),
    ("I took an overdose", ["overdose"]),
])
def test_default_terms_are_found(text: str, terms: list[str]) -> None:
    assert risk_matches(text, RiskMatcher()) == terms


@pytest.mark.parametrize("text", [
    "This game is to die for",
    "I cut my hair today",
    "Kill the lights, please",
    "The battery died",
])
def test_everyday_words_are_not_risk_terms(text: str) -> None:
    assert risk_matches(text, RiskMatcher()) == []


def test_admins_edit_the_terms() -> None:
    matcher = RiskMatcher(["Hopeless", "can't go on"])
    assert risk_matches("I feel HOPELESS and can\u2019t go on", matcher) == [
        "Hopeless", "can't go on"]
    assert "kill myself" in DEFAULT_RISK_TERMS
    assert risk_matches("kill myself", matcher) == []


@pytest.mark.parametrize(("response", "action", "rewrites"), [
    (RiskResponse.PUBLISH, Action.REWRITE, ("alert",)),
    (RiskResponse.PUBLISH_WITH_NOTE, Action.REWRITE, ("support_note", "alert")),
    (RiskResponse.HOLD, Action.HOLD, ("alert",)),
])
async def test_the_admins_response_applies_and_moderators_are_alerted(
    response: RiskResponse, action: Action, rewrites: tuple[str, ...],
) -> None:
    verdict = await risk_policy(Source(response)).check(own_post("I want to die"))
    assert verdict is not None
    assert (verdict.action, verdict.rewrites) == (action, rewrites)
    assert "want to die" in verdict.reason


async def test_publish_goes_through_the_pipeline_with_an_alert() -> None:
    pipeline = Pipeline([risk_policy(Source(RiskResponse.PUBLISH_WITH_NOTE))])
    decision = await pipeline.decide(own_post("some days I want to die"))
    assert decision.allowed
    assert decision.policy == "risk-terms"
    assert decision.rewrites == ("support_note", "alert")


async def test_only_members_own_posts_are_judged() -> None:
    policy = risk_policy(Source(RiskResponse.HOLD))
    assert await policy.check(own_post("suicide", direction=Direction.INBOUND)) is None
    assert await policy.check(own_post("suicide", kind="Like")) is None
    assert await policy.check(own_post("a quiet day")) is None
    edited = await policy.check(own_post("suicide", kind="Update"))
    assert edited is not None and edited.action is Action.HOLD
