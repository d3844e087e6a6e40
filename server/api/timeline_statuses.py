"""Timeline entries as Mastodon's Statuses: a post as itself, a boost as a Status of its
own whose `reblog` is the post boosted.

Posts and boosts are numbered apart, so a boost's Status id is `b<boost id>` (a Status
id is a string in Mastodon's API; clients pass it back as they got it). Post ids stay
plain numbers. Both kinds are accepted wherever the home timeline pages by id.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from server.api.entities import JSON, account_json, status_json, timestamp
from server.instance import Instance
from server.storage import timelines
from server.storage.actors import Actor, get_actor
from server.storage.database import Database
from server.storage.paging import LARGEST_ID
from server.storage.posts import Post
from server.storage.timelines import Entry, HomeCursor

BOOST_PREFIX = "b"
_STATUS_ID = re.compile(r"\A(b?)(\d+)\Z")


def boost_status_id(boost_id: int) -> str:
    return f"{BOOST_PREFIX}{boost_id}"


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
    del viewer  # the Status carries no viewer-specific fields yet
    return await status_json(db, instance, post)


async def entry_statuses(db: Database, instance: Instance, entries: Sequence[Entry],
                         viewer: Actor | None) -> list[JSON]:
    """The Statuses of a page of a timeline, in its order."""
    uris = await timelines.boost_uris(
        db, [entry.boost_id for entry in entries if entry.boost_id is not None])
    shown = []
    for entry in entries:
        original = await post_status(db, instance, entry.post, viewer)
        if entry.boost_id is None or entry.boosted_by is None:
            shown.append(original)
            continue
        booster = await get_actor(db, entry.boosted_by)
        assert booster is not None  # boosts go with their actor
        cursor = HomeCursor.parse(entry.sort_key)
        shown.append({
            **original,
            "id": boost_status_id(entry.boost_id),
            "uri": uris.get(entry.boost_id, original["uri"]),
            "url": None,
            "created_at": timestamp(cursor.stamp) if cursor else original["created_at"],
            "edited_at": None,
            "account": await account_json(db, instance, booster),
            "content": "",
            "spoiler_text": "",
            "sensitive": False,
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "media_attachments": [],
            "mentions": [],
            "tags": [],
            "emojis": [],
            "reblogs_count": 0,
            "favourites_count": 0,
            "replies_count": 0,
            "reblog": original,
            "poll": None,
            "card": None,
        })
    return shown
