"""The policy pipeline: an ordered list of policies, the first reject or hold wins.

Each policy is a small async function returning a verdict or None (no opinion). The
pipeline names the deciding policy so the audit trail can say who decided and why.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from moderation.candidate import Candidate


class Action(Enum):
    ACCEPT = "accept"
    REJECT = "reject"
    HOLD = "hold"
    REWRITE = "rewrite"


@dataclass(frozen=True)
class Verdict:
    action: Action
    reason: str = ""
    rewrites: tuple[str, ...] = ()
    """For REWRITE: what to change, e.g. "sensitive", "strip_media", "unlisted"."""


@dataclass(frozen=True)
class Decision:
    """The pipeline's outcome: the final action, its reason, and who decided it."""

    action: Action
    reason: str = ""
    policy: str = ""
    rewrites: tuple[str, ...] = field(default_factory=tuple)

    @property
    def allowed(self) -> bool:
        return self.action in (Action.ACCEPT, Action.REWRITE)


Policy = Callable[[Candidate], Awaitable[Verdict | None]]


@dataclass(frozen=True)
class NamedPolicy:
    name: str
    check: Policy


class Pipeline:
    def __init__(self, policies: Sequence[NamedPolicy]) -> None:
        self._policies = tuple(policies)

    async def decide(self, candidate: Candidate) -> Decision:
        rewrites: list[str] = []
        reasons: list[str] = []
        deciders: list[str] = []
        for policy in self._policies:
            verdict = await policy.check(candidate)
            if verdict is None or verdict.action is Action.ACCEPT:
                continue
            if verdict.action in (Action.REJECT, Action.HOLD):
                return Decision(verdict.action, verdict.reason, policy.name, tuple(rewrites))
            rewrites.extend(verdict.rewrites)
            reasons.append(verdict.reason)
            deciders.append(policy.name)
        if rewrites:
            return Decision(Action.REWRITE, "; ".join(reasons), ", ".join(deciders),
                            tuple(dict.fromkeys(rewrites)))
        return Decision(Action.ACCEPT)
