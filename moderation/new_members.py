"""New members: their first posts wait for a moderator, so a community sees a person's
first words only after someone has looked (admins choose how many; 0 turns it off)."""

from __future__ import annotations

from typing import Protocol

from moderation.candidate import Candidate, Direction
from moderation.pipeline import Action, NamedPolicy, Verdict


class NewMemberFacts(Protocol):
    def posts_to_review(self) -> int:
        """How many first posts of each member are held (0: none)."""

    async def published_posts(self, actor: str) -> int:
        """How many posts of this member are already out."""


def new_member_policy(facts: NewMemberFacts) -> NamedPolicy:
    async def check(candidate: Candidate) -> Verdict | None:
        first = facts.posts_to_review()
        if first <= 0 or candidate.direction is not Direction.OUTBOUND:
            return None
        if candidate.kind != "Create":
            return None
        if await facts.published_posts(candidate.actor) >= first:
            return None
        return Verdict(Action.HOLD, f"a new member's first {first} posts are reviewed")

    return NamedPolicy("new-members", check)
