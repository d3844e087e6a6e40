"""Mastodon's Relationship entity: how the caller and another account stand, read from
the same follow and block records the profile pages use."""

from __future__ import annotations

from typing import Any

from server.storage import follows as follow_store
from server.storage import interactions, network
from server.storage.actors import Actor
from server.storage.database import Database


async def relationship_json(db: Database, viewer: Actor, other: Actor) -> dict[str, Any]:
    """Kinhaven has no mutes kept apart from blocks yet, nor endorsements or notes."""
    mine = await follow_store.get_follow(db, viewer.id, other.id)
    theirs = await follow_store.get_follow(db, other.id, viewer.id)
    following = mine is not None and mine.state == "accepted"
    return {
        "id": str(other.id),
        "following": following,
        "showing_reblogs": following,
        "notifying": False,
        "languages": None,
        "followed_by": theirs is not None and theirs.state == "accepted",
        "blocking": await interactions.is_blocked(db, actor_id=viewer.id, target_id=other.id),
        "blocked_by": await network.blocks_viewer(db, other.id, viewer.id),
        "muting": False,
        "muting_notifications": False,
        "requested": mine is not None and mine.state == "pending",
        "requested_by": theirs is not None and theirs.state == "pending",
        "domain_blocking": False,
        "endorsed": False,
        "note": "",
    }
