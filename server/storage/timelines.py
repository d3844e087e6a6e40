"""Timelines, profiles and threads: posts a reader may see, newest first, by keyset.

Each list walks an index from its cursor (`max_id`) down, with the SQL half of the
visibility rules in the query; the rows it returns then pass `ReaderFilter`. When that
filter drops rows the walk carries on from where it stopped, so a page is full unless
the list has ended, and the next page starts after the last post shown (never OFFSET).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, fields

from server.storage.database import Database, Row
from server.storage.posts import Post
from server.storage.visibility import (
    Place,
    Reader,
    ReaderFilter,
    relations_clause,
    visible_clause,
)

PAGE_SIZE = 20
MAX_SCANS = 8
"""Batches one page may read before it stops and lets the reader ask for more."""
THREAD_DEPTH = 40
THREAD_REPLIES = 300

_POST_FIELDS = [field.name for field in fields(Post)]
_SELECT = ", ".join(f"p.{name}" for name in _POST_FIELDS) + ", a.domain AS author_domain"
_FROM = (
    " FROM posts p JOIN actors a ON a.id = p.actor_id"
    " LEFT JOIN accounts ac ON ac.actor_id = p.actor_id"
)


@dataclass(frozen=True)
class Entry:
    """One item of a list: a post, or a boost of it by `boosted_by` (an actor id)."""

    post: Post
    boosted_by: int | None = None
    boost_id: int | None = None
    sort_key: str = ""


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    next_max_id: str | None
    """The cursor for "Older posts", or None at the end of the list."""


def _post(row: Row) -> Post:
    values = {name: row[name] for name in _POST_FIELDS}
    values["local"] = bool(values["local"])
    values["sensitive"] = bool(values["sensitive"])
    values["support_note"] = bool(values["support_note"])
    return Post(**values)


def parse_max_id(text: str | None) -> int | None:
    """A post-id cursor from the query string; anything else means the first page."""
    if text is None or not text.isdigit() or len(text) > 19:
        return None
    return int(text)


async def _keeps(filters: ReaderFilter, row: Row, *also_from: str) -> bool:
    return await filters.keeps(
        author_id=int(row["actor_id"]), author_domain=row["author_domain"],
        summary=row["summary"], content_html=row["content_html"], also_from=also_from,
        post_id=int(row["id"]),
    )


async def _by_id(
    db: Database, reader: Reader, place: Place, where: str, params: list[object],
    max_id: int | None, *, limit: int = PAGE_SIZE, index: str = "",
    since_id: int | None = None, min_id: int | None = None, only_media: bool = False,
) -> Page:
    """Walk posts by id under `where` (plus the visibility rules): downwards from
    `max_id` and no lower than `since_id`, or (`min_id`) upwards from just after it, the
    page then turned round so it is newest first like the others."""
    clause, clause_params = visible_clause(reader, place)
    filters = await ReaderFilter.load(db, reader, place)
    if only_media:
        where += " AND EXISTS (SELECT 1 FROM media_attachments m WHERE m.post_id = p.id)"
    upward = min_id is not None
    kept: list[Entry] = []
    cursor = min_id if upward else max_id
    fixed, fixed_params = "", []
    if upward and max_id is not None:
        fixed, fixed_params = " AND p.id < ?", [max_id]
    elif not upward and since_id is not None:
        fixed, fixed_params = " AND p.id > ?", [since_id]
    for _ in range(MAX_SCANS):
        bound = "" if cursor is None else (" AND p.id > ?" if upward else " AND p.id < ?")
        rows = await db.fetch_all(
            f"SELECT {_SELECT} FROM posts p{index} JOIN actors a ON a.id = p.actor_id"
            " LEFT JOIN accounts ac ON ac.actor_id = p.actor_id"
            f" WHERE {where} AND {clause}{bound}{fixed}"
            f" ORDER BY p.id {'ASC' if upward else 'DESC'} LIMIT ?",
            [*params, *clause_params, *([] if cursor is None else [cursor]), *fixed_params,
             limit + 1],
        )
        for row in rows:
            if await _keeps(filters, row):
                if len(kept) == limit:
                    return _turned(kept, upward, str(kept[-1].post.id))
                kept.append(Entry(_post(row)))
        if len(rows) <= limit:
            return _turned(kept, upward, None)
        cursor = int(rows[-1]["id"])
    return _turned(kept, upward, str(cursor))


def _turned(kept: list[Entry], upward: bool, next_max_id: str | None) -> Page:
    """A page newest first; one read upwards has no "older" cursor to offer."""
    return Page(kept[::-1], None) if upward else Page(kept, next_max_id)


async def community(db: Database, reader: Reader, max_id: int | None, *,
                    limit: int = PAGE_SIZE, since_id: int | None = None,
                    min_id: int | None = None, only_media: bool = False) -> Page:
    return await _by_id(db, reader, Place.COMMUNITY, "p.local = 1", [], max_id,
                        index=" INDEXED BY posts_local_id", limit=limit, since_id=since_id,
                        min_id=min_id, only_media=only_media)


async def federated(db: Database, reader: Reader, max_id: int | None, *,
                    limit: int = PAGE_SIZE, since_id: int | None = None,
                    min_id: int | None = None, only_remote: bool = False,
                    only_media: bool = False) -> Page:
    """Public posts from here and elsewhere; `only_remote` leaves ours out."""
    where = "p.visibility = 'public'" + (" AND p.local = 0" if only_remote else "")
    return await _by_id(db, reader, Place.FEDERATED, where, [], max_id,
                        index=" INDEXED BY posts_visibility", limit=limit, since_id=since_id,
                        min_id=min_id, only_media=only_media)


async def tagged(db: Database, reader: Reader, tag: str, max_id: int | None, *,
                 limit: int = PAGE_SIZE, since_id: int | None = None,
                 min_id: int | None = None, any_of: Sequence[str] = (),
                 all_of: Sequence[str] = (), none_of: Sequence[str] = (),
                 local_only: bool = False, only_media: bool = False) -> Page:
    """Posts carrying `tag` (or one of `any_of`); with the API's filters, also every tag
    of `all_of`, none of `none_of`, and (`local_only`) only posts written here."""
    tags = list(dict.fromkeys(t.lower() for t in (tag, *any_of)))
    where = [f"p.id IN (SELECT post_id FROM post_tags WHERE tag IN ({_marks(tags)}))"]
    params: list[object] = [*tags]
    for each in all_of:
        where.append("p.id IN (SELECT post_id FROM post_tags WHERE tag = ?)")
        params.append(each.lower())
    if none_of:
        where.append(f"p.id NOT IN (SELECT post_id FROM post_tags WHERE tag IN"
                     f" ({_marks(none_of)}))")
        params += [each.lower() for each in none_of]
    if local_only:
        where.append("p.local = 1")
    return await _by_id(db, reader, Place.TAG, " AND ".join(where), params, max_id,
                        limit=limit, since_id=since_id, min_id=min_id, only_media=only_media)


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


async def boost_uris(db: Database, boost_ids: Sequence[int]) -> dict[int, str]:
    """The Announce ids of boosts, for showing a boost as a status of its own."""
    if not boost_ids:
        return {}
    rows = await db.fetch_all(
        f"SELECT id, uri FROM boosts WHERE id IN ({_marks(boost_ids)})", list(boost_ids))
    return {int(row[0]): str(row[1]) for row in rows}


_NOT_A_REPLY = (
    "((p.in_reply_to_id IS NULL AND p.in_reply_to_uri IS NULL)"
    " OR EXISTS (SELECT 1 FROM posts q WHERE q.id = p.in_reply_to_id"
    " AND q.actor_id = p.actor_id))"
)
"""A post that answers nobody, or only its author (a thread they wrote), as Mastodon's
`exclude_replies` reads it."""


async def profile(db: Database, reader: Reader, actor_id: int, max_id: int | None, *,
                  limit: int = PAGE_SIZE, since_id: int | None = None,
                  min_id: int | None = None, exclude_replies: bool = False,
                  only_media: bool = False, tag: str | None = None) -> Page:
    """One author's posts the reader may see; the client API's account filters leave
    out replies to others, posts without media, or posts without `tag`."""
    where = ["p.actor_id = ?"]
    params: list[object] = [actor_id]
    if exclude_replies:
        where.append(_NOT_A_REPLY)
    if tag is not None:
        where.append("p.id IN (SELECT post_id FROM post_tags WHERE tag = ?)")
        params.append(tag.lower())
    return await _by_id(db, reader, Place.PROFILE, " AND ".join(where), params, max_id,
                        limit=limit, since_id=since_id, min_id=min_id, only_media=only_media)


async def visible_post(db: Database, reader: Reader, post_id: int) -> Post | None:
    """The post if `reader` may open it on its own page, else None (absent or not theirs)."""
    posts = await _visible_ids(db, reader, [post_id])
    return posts.get(post_id)


async def _visible_ids(db: Database, reader: Reader, ids: list[int], *,
                       filtered: bool = False) -> dict[int, Post]:
    """The posts of `ids` the reader may open; with `filtered`, less those their hide
    filters for threads match (never the post a thread is opened on)."""
    if not ids:
        return {}
    clause, params = visible_clause(reader, Place.THREAD)
    filters = await ReaderFilter.load(db, reader, Place.THREAD if filtered else None)
    marks = ", ".join("?" for _ in ids)
    rows = await db.fetch_all(
        f"SELECT {_SELECT}{_FROM} WHERE p.id IN ({marks}) AND {clause}", [*ids, *params]
    )
    return {int(row["id"]): _post(row) for row in rows if await _keeps(filters, row)}


@dataclass(frozen=True)
class Thread:
    ancestors: list[Post]
    post: Post
    replies: list[Post]
    """Replies at any depth, in the order they were written; each one's parent is shown."""


async def thread(db: Database, reader: Reader, post_id: int) -> Thread | None:
    focal = await visible_post(db, reader, post_id)
    if focal is None:
        return None
    up = await db.fetch_all(
        "WITH RECURSIVE up (id, depth) AS (SELECT ?, 0 UNION ALL"
        " SELECT p.in_reply_to_id, up.depth + 1 FROM posts p JOIN up ON p.id = up.id"
        " WHERE p.in_reply_to_id IS NOT NULL AND up.depth < ?)"
        " SELECT id FROM up WHERE depth > 0 ORDER BY depth DESC",
        (post_id, THREAD_DEPTH),
    )
    ancestor_ids = [int(row[0]) for row in up]
    ancestors = await _visible_ids(db, reader, ancestor_ids, filtered=True)
    down = await db.fetch_all(
        "WITH RECURSIVE down (id, depth) AS (SELECT ?, 0 UNION ALL"
        " SELECT p.id, down.depth + 1 FROM posts p JOIN down ON p.in_reply_to_id = down.id"
        " WHERE down.depth < ? LIMIT ?)"
        " SELECT id FROM down WHERE depth > 0",
        (post_id, THREAD_DEPTH, THREAD_REPLIES),
    )
    found = await _visible_ids(db, reader, [int(row[0]) for row in down], filtered=True)
    shown = {post_id}
    replies = []
    for reply in sorted(found.values(), key=lambda post: post.id):
        if reply.in_reply_to_id in shown:
            shown.add(reply.id)
            replies.append(reply)
    return Thread([ancestors[i] for i in ancestor_ids if i in ancestors], focal, replies)


# The home timeline: posts of the people the reader follows and their own, and boosts
# by the people they follow (unless they turned that person's boosts off), merged by the
# time each arrived here. Its cursor names that time and the entry,
# `<created_at>_<p|b><id>`, since posts and boosts have separate ids.

_HOME_CURSOR = re.compile(r"\A(\d{4}-\d\d-\d\dT[\d:.]+Z)_([pb])(\d{1,19})\Z")
_FOLLOWED = "SELECT followee_id FROM follows WHERE follower_id = ? AND state = 'accepted'"
_BOOSTS_FOLLOWED = f"{_FOLLOWED} AND show_reblogs = 1"
"""The people whose boosts the reader sees: followed, and not with boosts turned off."""


@dataclass(frozen=True)
class HomeCursor:
    stamp: str
    kind: str
    id: int

    @classmethod
    def parse(cls, text: str | None) -> HomeCursor | None:
        match = _HOME_CURSOR.match(text or "")
        return None if match is None else cls(match[1], match[2], int(match[3]))

    def __str__(self) -> str:
        return f"{self.stamp}_{self.kind}{self.id}"


def _bound(cursor: HomeCursor | None, kind: str, stamp: str, row_id: str
           ) -> tuple[str, list[object]]:
    """`(stamp, kind, id) < cursor`, ordering the kinds 'b' < 'p'."""
    if cursor is None:
        return "", []
    if cursor.kind == kind:
        return (f" AND {stamp} <= ? AND NOT ({stamp} = ? AND {row_id} >= ?)",
                [cursor.stamp, cursor.stamp, cursor.id])
    return (f" AND {stamp} < ?" if kind > cursor.kind else f" AND {stamp} <= ?"), [cursor.stamp]


def _above(cursor: HomeCursor | None, kind: str, stamp: str, row_id: str
           ) -> tuple[str, list[object]]:
    """`(stamp, kind, id) > cursor`, the mirror of `_bound`."""
    if cursor is None:
        return "", []
    if cursor.kind == kind:
        return (f" AND {stamp} >= ? AND NOT ({stamp} = ? AND {row_id} <= ?)",
                [cursor.stamp, cursor.stamp, cursor.id])
    return (f" AND {stamp} >= ?" if kind > cursor.kind else f" AND {stamp} > ?"), [cursor.stamp]


async def _walk(
    fetch: Callable[[HomeCursor | None], Awaitable[list[Row]]],
    key: Callable[[Row], HomeCursor],
    keep: Callable[[Row], Awaitable[bool]],
    entry: Callable[[Row], Entry],
    cursor: HomeCursor | None,
    limit: int = PAGE_SIZE,
) -> tuple[list[Entry], bool]:
    """Up to `limit` kept entries after `cursor`; and whether the list may go on."""
    kept: list[Entry] = []
    for _ in range(MAX_SCANS):
        rows = await fetch(cursor)
        for row in rows:
            if await keep(row):
                kept.append(entry(row))
                if len(kept) == limit:
                    return kept, True
        if len(rows) < limit:
            return kept, False
        cursor = key(rows[-1])
    return kept, True


@dataclass(frozen=True)
class HomeWindow:
    """A page of the home timeline as the client API asks for it: below `below`, above
    `above`, or (`after`) the entries just after that one, oldest first then turned."""

    limit: int = PAGE_SIZE
    below: HomeCursor | None = None
    above: HomeCursor | None = None
    after: HomeCursor | None = None


async def home(db: Database, reader: Reader, max_id: str | None) -> Page:
    return await home_window(db, reader, HomeWindow(below=HomeCursor.parse(max_id)))


async def home_window(db: Database, reader: Reader, window: HomeWindow) -> Page:
    assert reader.actor_id is not None
    viewer = reader.actor_id
    limit = window.limit
    upward = window.after is not None
    order = "ASC" if upward else "DESC"
    filters = await ReaderFilter.load(db, reader, Place.HOME)
    clause, clause_params = visible_clause(reader, Place.HOME)

    def bounds(moving: HomeCursor | None, kind: str, stamp: str, row_id: str
               ) -> tuple[str, list[object]]:
        low, high = (moving, window.below) if upward else (window.above, moving)
        top, top_params = _bound(high, kind, stamp, row_id)
        bottom, bottom_params = _above(low, kind, stamp, row_id)
        return top + bottom, [*top_params, *bottom_params]

    async def fetch_posts(after: HomeCursor | None) -> list[Row]:
        bound, bound_params = bounds(after, "p", "p.created_at", "p.id")
        return await db.fetch_all(
            # Walking arrival order finds the newest posts of active people at once; the
            # planner would otherwise gather every post of everyone followed and sort.
            f"SELECT {_SELECT} FROM posts p INDEXED BY posts_created"
            " JOIN actors a ON a.id = p.actor_id LEFT JOIN accounts ac ON ac.actor_id = p.actor_id"
            f" WHERE p.actor_id IN ({_FOLLOWED} UNION ALL SELECT ?)"
            f" AND {clause}{bound} ORDER BY p.created_at {order}, p.id {order} LIMIT ?",
            [viewer, viewer, *clause_params, *bound_params, limit],
        )

    async def fetch_boosts(after: HomeCursor | None) -> list[Row]:
        bound, bound_params = bounds(after, "b", "bo.created_at", "bo.id")
        booster, booster_params = relations_clause(reader, "bo.actor_id")
        return await db.fetch_all(
            f"SELECT {_SELECT}, bo.id AS boost_id, bo.actor_id AS booster_id,"
            " bo.created_at AS boosted_at, ba.domain AS booster_domain"
            f" FROM boosts bo JOIN posts p ON p.id = bo.post_id"
            " JOIN actors a ON a.id = p.actor_id LEFT JOIN accounts ac ON ac.actor_id = p.actor_id"
            " JOIN actors ba ON ba.id = bo.actor_id"
            " LEFT JOIN accounts bac ON bac.actor_id = bo.actor_id"
            f" WHERE bo.actor_id IN ({_BOOSTS_FOLLOWED}) AND {clause} AND {booster}{bound}"
            f" ORDER BY bo.created_at {order}, bo.id {order} LIMIT ?",
            [viewer, *clause_params, *booster_params, *bound_params, limit],
        )

    def post_key(row: Row) -> HomeCursor:
        return HomeCursor(row["created_at"], "p", int(row["id"]))

    def boost_key(row: Row) -> HomeCursor:
        return HomeCursor(row["boosted_at"], "b", int(row["boost_id"]))

    async def keep_post(row: Row) -> bool:
        return await _keeps(filters, row)

    async def keep_boost(row: Row) -> bool:
        return await _keeps(filters, row, row["booster_domain"])

    start = window.after if upward else window.below
    posts, more_posts = await _walk(
        fetch_posts, post_key, keep_post,
        lambda row: Entry(_post(row), sort_key=str(post_key(row))), start, limit)
    boosts, more_boosts = await _walk(
        fetch_boosts, boost_key, keep_boost,
        lambda row: Entry(_post(row), int(row["booster_id"]), int(row["boost_id"]),
                          str(boost_key(row))), start, limit)
    merged = sorted([*posts, *boosts], key=lambda e: _order(e.sort_key), reverse=not upward)
    page = merged[:limit]
    more = more_posts or more_boosts or len(merged) > limit
    if upward:
        page.reverse()
    entries: list[Entry] = []
    seen: set[int] = set()
    for item in page:
        if item.post.id not in seen:
            seen.add(item.post.id)
            entries.append(item)
    return Page(entries, page[-1].sort_key if more and page and not upward else None)


async def home_cursor(db: Database, kind: str, entry_id: int) -> HomeCursor:
    """Where an entry of the home timeline sits (`kind` 'p' for a post, 'b' for a boost),
    so a client may page by the ids it was shown. An id that is gone sits just above the
    nearest one below it, as it did while it was there."""
    table = "posts" if kind == "p" else "boosts"
    stamp = await db.fetch_value(
        f"SELECT created_at FROM {table} WHERE id <= ? ORDER BY id DESC LIMIT 1", (entry_id,))
    return HomeCursor(str(stamp) if stamp is not None else "0000-00-00T00:00:00Z", kind,
                      entry_id)


def _order(sort_key: str) -> tuple[str, str, int]:
    cursor = HomeCursor.parse(sort_key)
    assert cursor is not None
    return cursor.stamp, cursor.kind, cursor.id
