"""Timeline entries as Mastodon's Statuses: a post as itself, a boost as a Status of its
own whose `reblog` is the post boosted (`server.api.entities`).

Posts and boosts are numbered apart, so a boost's Status id is `b<boost id>` (a Status
id is a string in Mastodon's API; clients pass it back as they got it). Post ids stay
plain numbers. Both kinds are accepted wherever the home timeline pages by id.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from server.api.entities import (
    BOOST_PREFIX,
    JSON,
    boost_status_id,
    boost_status_json,
    status_json,
    statuses_json,
)
from server.instance import Instance
from server.storage import timelines
from server.storage.actors import Actor, get_actor
from server.storage.database import Database
from server.storage.interactions import Boost
from server.storage.paging import LARGEST_ID
from server.storage.posts import Post
from server.storage.timelines import Entry, HomeCursor

_STATUS_ID = re.compile(rf"\A({BOOST_PREFIX}?)(\d+)\Z")


def entry_id(entry: Entry) -> str:
    """The Status id a timeline shows for an entry."""
    return str(entry.post.id) if entry.boost_id is None else boost_status_id(entry.boost_id)


def read_status_id(text: str) -> tuple[str, int] | None:
    """('p', post id) or ('b', boost id) from a Status id; None if it is neither. A
    number too long to be an id reads as the largest id, as elsewhere in the API."""
    match = _STATUS_ID.match(text.strip())
    if match is None:
        return None
    digits = match[2].lstrip("0") or "0"
    number = LARGEST_ID if len(digits) > 19 else min(int(digits), LARGEST_ID)
    return ("b" if match[1] else "p"), number


async def post_status(db: Database, instance: Instance, post: Post, viewer: Actor | None
                      ) -> JSON:
    """One post as a Status, as the viewer sees it."""
    return await status_json(db, instance, post, viewer=viewer)


async def entry_statuses(db: Database, instance: Instance, entries: Sequence[Entry],
                         viewer: Actor | None) -> list[JSON]:
    """The Statuses of a page of a timeline, in its order."""
    originals = await statuses_json(db, instance, [entry.post for entry in entries],
                                    viewer=viewer)
    uris = await timelines.boost_uris(
        db, [entry.boost_id for entry in entries if entry.boost_id is not None])
    shown = []
    for entry, original in zip(entries, originals, strict=True):
        if entry.boost_id is None or entry.boosted_by is None:
            shown.append(original)
            continue
        booster = await get_actor(db, entry.boosted_by)
        assert booster is not None  # boosts go with their actor
        cursor = HomeCursor.parse(entry.sort_key)
        boost = Boost(id=entry.boost_id, uri=uris.get(entry.boost_id) or str(original["uri"]),
                      actor_id=booster.id, post_id=entry.post.id,
                      created_at=cursor.stamp if cursor else entry.post.created_at)
        shown.append(await boost_status_json(db, instance, original, booster, boost,
                                             viewer=viewer))
    return shown
