"""Who may see which post, where: the one place the rules live.

Every list and the thread page select posts through `visible_clause` (SQL over the
aliases `p` for the post, `a` for its author and `ac` for the author's account, if
local) and then `ReaderFilter.keeps`, which checks what SQL cannot do well: domain
suspensions (with their implicit subdomain wildcards) and muted words.

The rules, by visibility:
- `public`: everyone, everywhere.
- `unlisted`: everyone, but only on profiles, threads and the home timeline; never on the
  community, federated or tag timelines.
- `local` (members only): signed-in members of this instance, on the home, community,
  tag, profile and thread pages; never anonymous visitors, never the federated timeline.
- `followers`: the author, the author's accepted followers and the actors it mentions,
  on the home, profile and thread pages only.
- `direct`: the author and the actors it mentions, on the home and thread pages only.

Whatever the visibility, a post is never shown when it is deleted, its author is
deleted or suspended (the account, or the author's domain), when the reader blocks,
mutes or is blocked by its author, or when it contains one of the reader's muted words.
"""

from __future__ import annotations

import enum
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from moderation.domains import SUSPEND, severity_for
from server.storage import policy as policy_store
from server.storage.database import Database


class Place(enum.Enum):
    """Where a post is being shown; each place admits its own set of visibilities."""

    HOME = "home"
    COMMUNITY = "community"
    FEDERATED = "federated"
    TAG = "tag"
    PROFILE = "profile"
    THREAD = "thread"


_UNLISTED_PLACES = frozenset({Place.HOME, Place.PROFILE, Place.THREAD})
_LOCAL_PLACES = frozenset({Place.HOME, Place.COMMUNITY, Place.TAG, Place.PROFILE, Place.THREAD})
_FOLLOWERS_PLACES = frozenset({Place.HOME, Place.PROFILE, Place.THREAD})
_DIRECT_PLACES = frozenset({Place.HOME, Place.THREAD})


@dataclass(frozen=True)
class Reader:
    """Who is reading: a signed-in member (their actor id) or an anonymous visitor."""

    actor_id: int | None = None

    @property
    def member(self) -> bool:
        return self.actor_id is not None


ANONYMOUS = Reader()


def visible_clause(reader: Reader, place: Place) -> tuple[str, list[object]]:
    """A WHERE fragment (and its parameters) admitting exactly the posts `reader` may see
    in `place`, before the checks of `ReaderFilter`."""
    clauses = [
        "p.deleted_at IS NULL",
        # Held for a moderator: nobody but the author sees it until it is approved.
        "(p.held_at IS NULL OR p.actor_id = ?)",
        "a.deleted_at IS NULL",
        "(ac.actor_id IS NULL OR ac.suspended_at IS NULL)",
    ]
    params: list[object] = [reader.actor_id if reader.actor_id is not None else -1]
    if place is Place.COMMUNITY:
        clauses.append("p.local = 1")
    allowed = ["p.visibility = 'public'"]
    if place in _UNLISTED_PLACES:
        allowed.append("p.visibility = 'unlisted'")
    viewer = reader.actor_id
    if viewer is not None:
        if place in _LOCAL_PLACES:
            allowed.append("(p.visibility = 'local' AND p.local = 1)")
        private = []
        if place in _FOLLOWERS_PLACES:
            private.append("'followers'")
        if place in _DIRECT_PLACES:
            private.append("'direct'")
        if private:
            allowed.append(
                f"(p.visibility IN ({', '.join(private)}) AND (p.actor_id = ?"
                " OR EXISTS (SELECT 1 FROM mentions m WHERE m.post_id = p.id"
                " AND m.actor_id = ?)))"
            )
            params += [viewer, viewer]
        if place in _FOLLOWERS_PLACES:
            allowed.append(
                "(p.visibility = 'followers' AND EXISTS (SELECT 1 FROM follows f"
                " WHERE f.follower_id = ? AND f.followee_id = p.actor_id"
                " AND f.state = 'accepted'))"
            )
            params.append(viewer)
    clauses.append(f"({' OR '.join(allowed)})")
    if viewer is not None:
        clauses.append(_relations_clause("p.actor_id"))
        params += [viewer, viewer, viewer]
    return " AND ".join(clauses), params


def _relations_clause(column: str) -> str:
    """Neither blocked (either way) nor muted by the reader; three reader parameters."""
    return (
        f"NOT EXISTS (SELECT 1 FROM blocks b WHERE b.actor_id = ? AND b.target_id = {column})"
        f" AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.actor_id = {column}"
        " AND b.target_id = ?)"
        f" AND NOT EXISTS (SELECT 1 FROM mutes u WHERE u.actor_id = ? AND u.target_id = {column})"
    )


def relations_clause(reader: Reader, column: str) -> tuple[str, list[object]]:
    """For someone other than the author shown with a post (a booster): not blocked or
    muted, and not suspended (the aliases `ba` and `bac` for their actor and account)."""
    clause = "ba.deleted_at IS NULL AND (bac.actor_id IS NULL OR bac.suspended_at IS NULL)"
    if reader.actor_id is None:
        return clause, []
    return f"{clause} AND {_relations_clause(column)}", [reader.actor_id] * 3


_TAG = re.compile(r"<[^>]*>")


def plain_text(content_html: str) -> str:
    """What a person reads in a post's HTML: tags become spaces, entities characters."""
    return html.unescape(_TAG.sub(" ", content_html))


def muted_words_pattern(phrases: Sequence[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern matching any phrase as whole words."""
    if not phrases:
        return None
    alternatives = "|".join(
        r"\s+".join(re.escape(word) for word in phrase.split())
        for phrase in sorted(phrases, key=len, reverse=True)
    )
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


class _DomainFacts:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def domain_severities(self, domains: Sequence[str]) -> dict[str, str]:
        return await policy_store.domain_severities(self._db, domains)


@dataclass
class ReaderFilter:
    """The per-request half of the rules: suspended domains and muted words."""

    facts: _DomainFacts
    muted: re.Pattern[str] | None
    _suspended: dict[str, bool]

    @classmethod
    async def load(cls, db: Database, reader: Reader) -> ReaderFilter:
        phrases: list[str] = []
        if reader.actor_id is not None:
            rows = await db.fetch_all(
                "SELECT phrase FROM muted_words WHERE account_id = ?", (reader.actor_id,)
            )
            phrases = [str(row[0]) for row in rows]
        return cls(_DomainFacts(db), muted_words_pattern(phrases), {})

    async def domain_suspended(self, domain: str) -> bool:
        if domain not in self._suspended:
            self._suspended[domain] = await severity_for(self.facts, domain) == SUSPEND
        return self._suspended[domain]

    def mutes_text(self, summary: str, content_html: str) -> bool:
        if self.muted is None:
            return False
        return bool(self.muted.search(summary) or self.muted.search(plain_text(content_html)))

    async def keeps(
        self, *, domains: Sequence[str], summary: str, content_html: str, own: bool = False
    ) -> bool:
        """Whether a post passes; a member's muted words never hide their own posts."""
        for domain in domains:
            if await self.domain_suspended(domain):
                return False
        return own or not self.mutes_text(summary, content_html)
