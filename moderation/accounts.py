"""Sanctions on single accounts, here or elsewhere, as a community applies them.

The kinds, mildest first:
- `warning`: a recorded message to the person; nothing else changes;
- `sensitive`: their posts carry a content warning and sensitive media;
- `limit`: their posts reach only their followers (never public timelines, never
  people who do not follow them) and new follows need their target's approval;
- `suspend`: nothing of theirs comes in or is shown, and (here) they cannot sign in.

Sanctions other than warnings run until a moderator lifts them or until their end, when
they are over by themselves: a temporary suspension needs nobody to remember it.

As a pipeline policy, over remote senders and members posting alike: a suspended
account is rejected, a sensitive one's posts are rewritten with a warning. Limiting
needs no rewrite: it is applied where posts are read, against the author's standing at
that moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from moderation.candidate import Candidate
from moderation.keywords import CW_PREFIX
from moderation.pipeline import Action, NamedPolicy, Verdict

WARNING = "warning"
SENSITIVE = "sensitive"
LIMIT = "limit"
SUSPEND = "suspend"
KINDS = (WARNING, SENSITIVE, LIMIT, SUSPEND)
LASTING_KINDS = (SENSITIVE, LIMIT, SUSPEND)
"""The kinds that stand until lifted or ended (a warning is only a record)."""

DURATIONS: dict[str, timedelta | None] = {
    "1d": timedelta(days=1),
    "3d": timedelta(days=3),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
    "lifted": None,
}
"""The lengths a moderator chooses from; `lifted` runs until someone lifts it."""

SENSITIVE_WARNING = "Marked sensitive by the moderators"
MAX_REASON = 2000


class SanctionInvalid(ValueError):
    """A sanction a moderator asked for that cannot be applied: why, and which part of
    the request (`kind`, `duration`, `reason`, `note`) is at fault."""

    def __init__(self, message: str, field: str = "kind") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Standing:
    """An account's sanctions in force right now."""

    suspended: bool = False
    limited: bool = False
    sensitive: bool = False


GOOD_STANDING = Standing()


def check_request(kind: str, duration: str, reason: str, note: str) -> timedelta | None:
    """The sanction's length, after checking what the moderator asked for."""
    if kind not in KINDS:
        raise SanctionInvalid(f"unknown sanction {kind!r}")
    if duration not in DURATIONS:
        raise SanctionInvalid(f"unknown duration {duration!r}", "duration")
    for field, text in (("reason", reason), ("note", note)):
        if len(text) > MAX_REASON:
            raise SanctionInvalid(f"this is limited to {MAX_REASON} characters", field)
    if kind == WARNING and not reason.strip():
        raise SanctionInvalid("a warning needs a message to the person", "reason")
    return None if kind == WARNING else DURATIONS[duration]


class StandingFacts(Protocol):
    async def standing_of(self, actor_uri: str) -> Standing:
        """The sanctions in force on this account now."""


def account_sanctions_policy(facts: StandingFacts) -> NamedPolicy:
    async def check(candidate: Candidate) -> Verdict | None:
        standing = await facts.standing_of(candidate.actor)
        if standing.suspended:
            return Verdict(Action.REJECT, f"the account {candidate.actor} is suspended")
        if standing.sensitive and candidate.kind in ("Create", "Update"):
            return Verdict(Action.REWRITE, f"the account {candidate.actor} is marked sensitive",
                           ("sensitive", CW_PREFIX + SENSITIVE_WARNING))
        return None

    return NamedPolicy("account-sanctions", check)
