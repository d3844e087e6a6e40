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
mutes or is blocked by its author, or when it contains one of the reader's muted words
or is matched by one of their hide filters in force for the place (`server.storage.filters`).
A limited author (the account, or the author's domain) is seen only by their accepted
followers, wherever the post would otherwise be shown.
"""

from __future__ import annotations

import enum
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from moderation.domains import LIMIT, SUSPEND, severity_for
from server.storage import filters as filter_store
from server.storage import policy as policy_store
from server.storage.database import Database
from server.storage.mutes import in_force as mute_in_force
from server.storage.sanctions import not_in_force


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
FILTER_CONTEXTS = {Place.HOME: "home", Place.COMMUNITY: "public", Place.FEDERATED: "public",
                   Place.TAG: "public", Place.PROFILE: "account", Place.THREAD: "thread"}
"""The context (in Mastodon's words) whose filters apply in each place."""


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
        not_in_force("a.suspended_until"),
        f"({not_in_force('a.limited_until')} OR p.actor_id = ? OR EXISTS (SELECT 1"
        " FROM follows f WHERE f.follower_id = ? AND f.followee_id = p.actor_id"
        " AND f.state = 'accepted'))",
    ]
    someone = reader.actor_id if reader.actor_id is not None else -1
    params: list[object] = [someone, someone, someone]
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
        " AND NOT EXISTS (SELECT 1 FROM mutes u WHERE u.actor_id = ?"
        f" AND u.target_id = {column} AND {mute_in_force('u')})"
    )


def relations_clause(reader: Reader, column: str) -> tuple[str, list[object]]:
    """For someone other than the author shown with a post (a booster): not blocked or
    muted, and not suspended (the alias `ba` for their actor)."""
    clause = f"ba.deleted_at IS NULL AND {not_in_force('ba.suspended_until')}"
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
        self.db = db

    async def domain_severities(self, domains: Sequence[str]) -> dict[str, str]:
        return await policy_store.domain_severities(self.db, domains)


@dataclass
class ReaderFilter:
    """The per-request half of the rules: suspended and limited domains, muted words and
    hide filters."""

    facts: _DomainFacts
    reader: Reader
    muted: re.Pattern[str] | None
    hidden: filter_store.HidingRules = filter_store.NO_HIDING
    _severities: dict[str, str | None] = field(default_factory=dict)
    _followed: frozenset[int] | None = None

    @classmethod
    async def load(cls, db: Database, reader: Reader, place: Place | None = None, *,
                   context: str | None = None) -> ReaderFilter:
        """The filter for `reader`; hide filters apply when the place of reading is named
        (`place`, or `context` in Mastodon's words, such as `notifications`)."""
        phrases: list[str] = []
        hidden = filter_store.NO_HIDING
        if reader.actor_id is not None:
            rows = await db.fetch_all(
                "SELECT phrase FROM muted_words WHERE account_id = ?", (reader.actor_id,)
            )
            phrases = [str(row[0]) for row in rows]
            context = context or (None if place is None else FILTER_CONTEXTS[place])
            if context is not None:
                hidden = await filter_store.hiding_rules(db, reader.actor_id, context)
        return cls(_DomainFacts(db), reader, muted_words_pattern(phrases), hidden)

    async def _severity(self, domain: str) -> str | None:
        if domain not in self._severities:
            self._severities[domain] = await severity_for(self.facts, domain)
        return self._severities[domain]

    async def domain_suspended(self, domain: str) -> bool:
        return await self._severity(domain) == SUSPEND

    async def _follows(self, actor_id: int) -> bool:
        """Read once per request, and only when a limited domain's post comes up."""
        if self.reader.actor_id is None:
            return False
        if self._followed is None:
            rows = await self.facts.db.fetch_all(
                "SELECT followee_id FROM follows WHERE follower_id = ? AND state = 'accepted'",
                (self.reader.actor_id,))
            self._followed = frozenset(int(row[0]) for row in rows)
        return actor_id in self._followed

    def mutes_text(self, summary: str, content_html: str, post_id: int | None = None) -> bool:
        """Whether the reader's muted words or hide filters leave this post out."""
        if self.muted is None and self.hidden is filter_store.NO_HIDING:
            return False
        text = plain_text(content_html)
        if self.muted is not None and (self.muted.search(summary) or self.muted.search(text)):
            return True
        return self.hidden.hides(post_id, f"{summary}\n\n{text}")

    async def keeps(
        self, *, author_id: int, author_domain: str, summary: str, content_html: str,
        also_from: Sequence[str] = (), post_id: int | None = None,
    ) -> bool:
        """Whether a post passes (`also_from`: the domains of others shown with it, such
        as a booster; `post_id`, for filters that name posts); a member's muted words and
        filters never hide their own posts."""
        for domain in (author_domain, *also_from):
            if await self.domain_suspended(domain):
                return False
        if author_id == self.reader.actor_id:
            return True
        if await self._severity(author_domain) == LIMIT and not await self._follows(author_id):
            return False
        return not self.mutes_text(summary, content_html, post_id)
