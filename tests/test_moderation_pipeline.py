from __future__ import annotations

from collections.abc import Sequence

from moderation.candidate import Candidate, Direction
from moderation.domains import candidate_names, suspended_domains_policy
from moderation.pipeline import Action, NamedPolicy, Pipeline, Verdict


class Facts:
    def __init__(self, blocks: dict[str, str]) -> None:
        self.blocks = blocks

    async def domain_severities(self, domains: Sequence[str]) -> dict[str, str]:
        return {d: self.blocks[d] for d in domains if d in self.blocks}


def candidate(domain: str) -> Candidate:
    return Candidate(Direction.INBOUND, "Create", f"https://{domain}/u/a", domain, text="hi")


def test_subdomains_are_covered() -> None:
    assert candidate_names("a.B.example:8443") == [
        "a.b.example:8443", "a.b.example", "b.example", "example",
    ]


async def test_suspended_domain_and_its_subdomains_are_rejected() -> None:
    pipeline = Pipeline([suspended_domains_policy(Facts({"bad.example": "suspend",
                                                         "meh.example": "limit"}))])
    rejected = await pipeline.decide(candidate("social.bad.example"))
    assert rejected.action is Action.REJECT
    assert rejected.policy == "domain-suspend"
    assert "social.bad.example" in rejected.reason
    assert (await pipeline.decide(candidate("meh.example"))).action is Action.ACCEPT
    assert (await pipeline.decide(candidate("notbad.example"))).action is Action.ACCEPT


async def test_first_reject_or_hold_wins_and_rewrites_accumulate() -> None:
    calls: list[str] = []

    def policy(name: str, verdict: Verdict | None) -> NamedPolicy:
        async def check(_: Candidate) -> Verdict | None:
            calls.append(name)
            return verdict

        return NamedPolicy(name, check)

    pipeline = Pipeline([
        policy("cw", Verdict(Action.REWRITE, "force cw", ("sensitive",))),
        policy("quiet", None),
        policy("hold", Verdict(Action.HOLD, "new member")),
        policy("never", Verdict(Action.REJECT, "unreached")),
    ])
    decision = await pipeline.decide(candidate("ok.example"))
    assert decision.action is Action.HOLD
    assert decision.policy == "hold"
    assert calls == ["cw", "quiet", "hold"]
    rewrite_only = Pipeline([policy("a", Verdict(Action.REWRITE, "x", ("sensitive",))),
                             policy("b", Verdict(Action.REWRITE, "y", ("sensitive", "unlisted")))])
    decision = await rewrite_only.decide(candidate("ok.example"))
    assert decision.action is Action.REWRITE
    assert decision.rewrites == ("sensitive", "unlisted")
    assert decision.allowed
