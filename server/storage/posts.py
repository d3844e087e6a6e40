"""Posts and what hangs off them (mentions, hashtags)."""

from __future__ import annotations

from dataclasses import dataclass

from server.clock import now_text
from server.storage.database import Database, Row

VISIBILITIES = ("local", "public", "unlisted", "followers", "direct")

_COLUMNS = (
    "id, uri, actor_id, local, url, in_reply_to_uri, in_reply_to_id, conversation,"
    " content_html, source_text, summary, sensitive, visibility, language, published_at,"
    " edited_at, deleted_at, created_at"
)


@dataclass(frozen=True)
class Post:
    id: int
    uri: str
    actor_id: int
    local: bool
    url: str | None
    in_reply_to_uri: str | None
    in_reply_to_id: int | None
    conversation: str | None
    content_html: str
    source_text: str | None
    summary: str
    sensitive: bool
    visibility: str
    language: str | None
    published_at: str
    edited_at: str | None
    deleted_at: str | None
    created_at: str


def _post(row: Row) -> Post:
    values = dict(row)
    values["local"] = bool(values["local"])
    values["sensitive"] = bool(values["sensitive"])
    return Post(**values)


async def insert_local_post(
    db: Database,
    *,
    actor_id: int,
    uri_for_id: str,
    url_for_id: str,
    content_html: str,
    source_text: str,
    visibility: str,
    summary: str = "",
    sensitive: bool = False,
    language: str | None = None,
    in_reply_to_uri: str | None = None,
) -> Post:
    """Store a member's post. Its URI embeds the row id, so `uri_for_id` and `url_for_id`
    are templates with `{id}` filled in once the id is known, within the same transaction."""
    stamp = now_text()
    async with db.transaction() as tx:
        parent = None
        if in_reply_to_uri is not None:
            rows = list(
                await tx.execute_fetchall("SELECT id FROM posts WHERE uri = ?", (in_reply_to_uri,))
            )
            parent = rows[0][0] if rows else None
        cursor = await tx.execute(
            "INSERT INTO posts (uri, actor_id, local, content_html, source_text, summary,"
            " sensitive, visibility, language, in_reply_to_uri, in_reply_to_id, published_at,"
            " created_at) VALUES ('', ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                actor_id, content_html, source_text, summary, int(sensitive), visibility,
                language, in_reply_to_uri, parent, stamp, stamp,
            ),
        )
        post_id = cursor.lastrowid
        assert post_id is not None
        await tx.execute(
            "UPDATE posts SET uri = ?, url = ? WHERE id = ?",
            (uri_for_id.format(id=post_id), url_for_id.format(id=post_id), post_id),
        )
        rows = list(await tx.execute_fetchall(f"SELECT {_COLUMNS} FROM posts WHERE id = ?",
                                              (post_id,)))
    return _post(rows[0])


async def get_post_by_uri(db: Database, uri: str) -> Post | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM posts WHERE uri = ?", (uri,))
    return None if row is None else _post(row)


async def count_public_posts(db: Database, actor_id: int) -> int:
    value = await db.fetch_value(
        "SELECT count(*) FROM posts WHERE actor_id = ? AND visibility = 'public'"
        " AND deleted_at IS NULL",
        (actor_id,),
    )
    return int(value)


async def count_local_posts(db: Database) -> int:
    value = await db.fetch_value(
        "SELECT count(*) FROM posts WHERE local = 1 AND deleted_at IS NULL"
    )
    return int(value)


async def list_public_posts(
    db: Database,
    actor_id: int,
    *,
    limit: int,
    max_id: int | None = None,
    min_id: int | None = None,
) -> list[Post]:
    """Public, undeleted posts of one actor, newest first. With `min_id`, the page just
    above that id (still returned newest first), as Mastodon's outbox pages it."""
    where = ["actor_id = ?", "visibility = 'public'", "deleted_at IS NULL"]
    params: list[object] = [actor_id]
    if max_id is not None:
        where.append("id < ?")
        params.append(max_id)
    if min_id is not None:
        where.append("id > ?")
        params.append(min_id)
    order = "ASC" if min_id is not None and max_id is None else "DESC"
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM posts WHERE {' AND '.join(where)} ORDER BY id {order} LIMIT ?",
        (*params, limit),
    )
    posts = [_post(row) for row in rows]
    return sorted(posts, key=lambda post: post.id, reverse=True)
