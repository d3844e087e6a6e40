"""Everything a page shows around its posts, for all of them at once: authors and
boosters, like and boost counts, the reader's own likes and boosts, attachments.
Three queries per page however many posts it lists, never one per post."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields

from server.storage.actors import Actor, actor_from_row
from server.storage.database import Database
from server.storage.holds import Hold, latest_holds
from server.storage.media import Attachment, attachments_for
from server.storage.posts import Post
from server.storage.timelines import Entry

_ACTOR_COLUMNS = ", ".join(column.name for column in fields(Actor))


@dataclass(frozen=True)
class Card:
    """A post as a list shows it."""

    post: Post
    author: Actor
    boosted_by: Actor | None = None
    likes: int = 0
    boosts: int = 0
    liked: bool = False
    boosted: bool = False
    own: bool = False
    attachments: list[Attachment] = field(default_factory=list)
    hold: Hold | None = None
    """For a held post (shown to its author only): the hold, waiting or decided."""


async def actors_by_id(db: Database, ids: Sequence[int]) -> dict[int, Actor]:
    unique = list(dict.fromkeys(ids))
    if not unique:
        return {}
    marks = ", ".join("?" for _ in unique)
    rows = await db.fetch_all(
        f"SELECT {_ACTOR_COLUMNS} FROM actors WHERE id IN ({marks})", unique
    )
    return {actor.id: actor for actor in map(actor_from_row, rows)}


async def cards(db: Database, entries: Sequence[Entry], *, reader_id: int | None) -> list[Card]:
    if not entries:
        return []
    post_ids = list(dict.fromkeys(entry.post.id for entry in entries))
    actor_ids = [entry.post.actor_id for entry in entries]
    actor_ids += [entry.boosted_by for entry in entries if entry.boosted_by is not None]
    actors = await actors_by_id(db, actor_ids)
    marks = ", ".join("?" for _ in post_ids)
    rows = await db.fetch_all(
        "SELECT 'like', post_id, count(*), max(actor_id = ?) FROM likes"
        f" WHERE post_id IN ({marks}) GROUP BY post_id"
        " UNION ALL SELECT 'boost', post_id, count(*), max(actor_id = ?) FROM boosts"
        f" WHERE post_id IN ({marks}) GROUP BY post_id",
        [reader_id, *post_ids, reader_id, *post_ids],
    )
    counts = {(str(row[0]), int(row[1])): (int(row[2]), bool(row[3])) for row in rows}
    media = await attachments_for(db, post_ids)
    holds = await latest_holds(db, [entry.post.id for entry in entries if entry.post.held_at])
    result = []
    for entry in entries:
        post = entry.post
        likes, liked = counts.get(("like", post.id), (0, False))
        boosts, boosted = counts.get(("boost", post.id), (0, False))
        result.append(Card(
            post=post,
            author=actors[post.actor_id],
            boosted_by=None if entry.boosted_by is None else actors[entry.boosted_by],
            likes=likes, boosts=boosts, liked=liked, boosted=boosted,
            own=reader_id is not None and post.actor_id == reader_id,
            attachments=media.get(post.id, []),
            hold=holds.get(post.id),
        ))
    return result


async def cards_for_posts(db: Database, posts: Sequence[Post], *, reader_id: int | None
                          ) -> list[Card]:
    return await cards(db, [Entry(post) for post in posts], reader_id=reader_id)
