"""Bookmarks, and the lists of what a member kept: their bookmarks and their likes.

A bookmark is private to the member and never federates. Both lists page by the id of
the bookmark (or like), newest first, as Mastodon's do, and show only the posts the
member may still see: a post that has since become hidden from them drops out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from server.clock import now_text
from server.storage.database import Database
from server.storage.paging import IdWindow, fetch_window
from server.storage.posts import Post, posts_by_ids
from server.storage.visibility import Place, Reader, ReaderFilter, visible_clause

_KEPT = {"bookmarks": "bookmarks", "likes": "likes"}


async def add_bookmark(db: Database, actor_id: int, post_id: int) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO bookmarks (actor_id, post_id, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING", (actor_id, post_id, now_text()))


async def remove_bookmark(db: Database, actor_id: int, post_id: int) -> None:
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM bookmarks WHERE actor_id = ? AND post_id = ?",
                         (actor_id, post_id))


async def bookmarked(db: Database, actor_id: int, post_ids: Sequence[int]) -> set[int]:
    """Which of these posts the actor has bookmarked."""
    if not post_ids:
        return set()
    marks = ", ".join("?" for _ in post_ids)
    rows = await db.fetch_all(
        f"SELECT post_id FROM bookmarks WHERE actor_id = ? AND post_id IN ({marks})",
        [actor_id, *post_ids])
    return {int(row[0]) for row in rows}


@dataclass(frozen=True)
class KeptPage:
    ids: list[int]
    """The bookmark (or like) ids the window held, shown or not: the paging cursor."""
    posts: list[Post]
    """The posts of those the member may see, in the same order."""


async def kept_page(db: Database, kind: str, reader: Reader, window: IdWindow) -> KeptPage:
    """A page of the reader's bookmarks (`kind` "bookmarks") or likes ("likes")."""
    assert reader.actor_id is not None
    clause, params = visible_clause(reader, Place.THREAD)
    rows = await fetch_window(
        db, f"SELECT k.id, k.post_id, p.actor_id, p.summary, p.content_html,"
        f" a.domain AS author_domain FROM {_KEPT[kind]} k JOIN posts p ON p.id = k.post_id"
        " JOIN actors a ON a.id = p.actor_id LEFT JOIN accounts ac ON ac.actor_id = p.actor_id",
        key="k.id", window=window, where=["k.actor_id = ?", clause],
        parameters=[reader.actor_id, *params])
    filters = await ReaderFilter.load(db, reader)
    shown = [int(row["post_id"]) for row in rows if await filters.keeps(
        author_id=int(row["actor_id"]), author_domain=row["author_domain"],
        summary=row["summary"], content_html=row["content_html"])]
    posts = await posts_by_ids(db, shown)
    return KeptPage(ids=[int(row["id"]) for row in rows],
                    posts=[posts[i] for i in shown if i in posts])
