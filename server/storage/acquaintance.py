"""Whether an account elsewhere is known to the members here, for the mention spam
policy. Every lookup is answered from an index (actors by URI, follows by either end,
mentions by actor, replies by parent), since it may run for an inbound post."""

from __future__ import annotations

from collections.abc import Sequence

from server.storage.database import Database

_CHUNK = 500
"""URIs per query, well inside SQLite's limit on parameters."""


async def count_members(db: Database, uris: Sequence[str]) -> int:
    """How many of these actor URIs are (undeleted) members' accounts here."""
    unique = list(dict.fromkeys(uris))
    total = 0
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start:start + _CHUNK]
        marks = ", ".join("?" for _ in chunk)
        total += int(await db.fetch_value(
            "SELECT count(*) FROM actors a JOIN accounts c ON c.actor_id = a.id"
            f" WHERE a.uri IN ({marks}) AND a.local = 1 AND a.deleted_at IS NULL", chunk))
    return total


async def known_to_members(db: Database, actor_uri: str) -> bool:
    """A member follows the actor or the actor follows a member (accepted either way),
    or a member's post mentions it or replies to one of its posts."""
    value = await db.fetch_value(
        "SELECT EXISTS (SELECT 1 FROM follows f JOIN accounts c ON c.actor_id = f.follower_id"
        "  WHERE f.followee_id = s.id AND f.state = 'accepted')"
        " OR EXISTS (SELECT 1 FROM follows f JOIN accounts c ON c.actor_id = f.followee_id"
        "  WHERE f.follower_id = s.id AND f.state = 'accepted')"
        " OR EXISTS (SELECT 1 FROM mentions m JOIN posts p ON p.id = m.post_id"
        "  WHERE m.actor_id = s.id AND p.local = 1 AND p.deleted_at IS NULL)"
        " OR EXISTS (SELECT 1 FROM posts q JOIN posts r ON r.in_reply_to_id = q.id"
        "  WHERE q.actor_id = s.id AND r.local = 1 AND r.deleted_at IS NULL)"
        " FROM actors s WHERE s.uri = ?",
        (actor_uri,),
    )
    return bool(value)
