"""Mastodon's CredentialAccount (the member's own account with its `source`) and
Relationship (how the caller and another account stand, read from the same follow and
block records the profile pages use)."""

from __future__ import annotations

from typing import Any

from server.api.entities import account_json
from server.instance import Instance
from server.storage import accounts as account_store
from server.storage import follows as follow_store
from server.storage import interactions, network
from server.storage import mutes as mute_store
from server.storage import profiles as profile_store
from server.storage.actors import Actor
from server.storage.database import Database

PRIVACY = {"public": "public", "unlisted": "unlisted", "followers": "private",
           "direct": "direct", "local": "private"}
"""Kinhaven's visibilities by Mastodon's names; members-only (`local`) has none, so it
reads as `private` with `kinhaven_privacy` saying which it really is."""


async def credential_account_json(db: Database, instance: Instance, actor: Actor
                                  ) -> dict[str, Any]:
    entity = await account_json(db, instance, actor)
    account = await account_store.get_account(db, actor.id)
    assert account is not None
    entity["source"] = {
        "privacy": PRIVACY.get(account.default_visibility, "public"),
        "kinhaven_privacy": account.default_visibility,
        "sensitive": False,
        "language": None,
        "note": await profile_store.bio_source(db, actor.id),
        "fields": [],
        "follow_requests_count": await network.count_requests(db, actor.id),
    }
    entity["hide_collections"] = account.hide_network
    entity["indexable"] = not account.noindex
    return entity


async def relationship_json(db: Database, viewer: Actor, other: Actor) -> dict[str, Any]:
    """`showing_reblogs` and `notifying` are the options of the caller's follow or
    request (false without one); `muting` is a mute in force, and
    `muting_notifications` one that hides their notifications too. Kinhaven has no
    endorsements, personal notes or domain blocks of a member's own."""
    mine = await follow_store.get_follow(db, viewer.id, other.id)
    theirs = await follow_store.get_follow(db, other.id, viewer.id)
    options = await follow_store.follow_options(db, viewer.id, other.id)
    mute = await mute_store.mute_of(db, actor_id=viewer.id, target_id=other.id)
    return {
        "id": str(other.id),
        "following": mine is not None and mine.state == "accepted",
        "showing_reblogs": options is not None and options.show_reblogs,
        "notifying": options is not None and options.notify,
        "languages": None,
        "followed_by": theirs is not None and theirs.state == "accepted",
        "blocking": await interactions.is_blocked(db, actor_id=viewer.id, target_id=other.id),
        "blocked_by": await network.blocks_viewer(db, other.id, viewer.id),
        "muting": mute is not None,
        "muting_notifications": mute is not None and mute.hide_notifications,
        "requested": mine is not None and mine.state == "pending",
        "requested_by": theirs is not None and theirs.state == "pending",
        "domain_blocking": False,
        "endorsed": False,
        "note": "",
    }
