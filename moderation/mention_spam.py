"""Mention spam: posts from accounts nobody here knows that mention many members.

A stranger mentioning one member is a conversation; a stranger mentioning several at
once is how spam and pile-ons reach people's notifications. Such a post is held for a
moderator when it arrives (a Create from elsewhere) naming at least `threshold` members
here (admins choose; 0 turns this off) and its sender is unknown: no member follows
them, they follow no member (accepted follows only), and no member has mentioned them
or replied to them.

Counting the candidate's distinct mentions costs nothing, so the facts (which are
queries) are asked only when there are enough mentions to reach the threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from moderation.candidate import Candidate, Direction
from moderation.pipeline import Action, NamedPolicy, Verdict

DEFAULT_THRESHOLD = 3
MAX_THRESHOLD = 100


class MentionFacts(Protocol):
    async def mention_threshold(self) -> int:
        """How many members a stranger's post may mention before it is held (0: off)."""

    async def members_among(self, uris: Sequence[str]) -> int:
        """How many of these actor URIs are members here."""

    async def known_here(self, actor: str) -> bool:
        """Whether a member follows this actor, it follows a member, or a member has
        mentioned it or replied to it."""


def mention_spam_policy(facts: MentionFacts) -> NamedPolicy:
    async def check(candidate: Candidate) -> Verdict | None:
        if candidate.direction is not Direction.INBOUND or candidate.kind != "Create":
            return None
        mentioned = tuple(dict.fromkeys(candidate.mentions))
        if not mentioned:
            return None
        threshold = await facts.mention_threshold()
        if threshold <= 0 or len(mentioned) < threshold:
            return None
        members = await facts.members_among(mentioned)
        if members < threshold or await facts.known_here(candidate.actor):
            return None
        return Verdict(Action.HOLD,
                       f"mentions {members} members from an account nobody here knows")

    return NamedPolicy("mention-spam", check)
