"""Posts and what hangs off them (mentions, hashtags)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from server.clock import now_text
from server.storage.database import Database, Row, Transaction
from server.storage.deliveries import Delivery, insert_deliveries
from server.storage.media import NewRemoteAttachment, attach_uploads, insert_remote_attachments
from server.storage.notifications import notify_in

VISIBILITIES = ("local", "public", "unlisted", "followers", "direct")

_COLUMNS = (
    "id, uri, actor_id, local, url, in_reply_to_uri, in_reply_to_id, conversation,"
    " content_html, source_text, summary, sensitive, visibility, language, published_at,"
    " edited_at, deleted_at, created_at, held_at, support_note, app_id"
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
    held_at: str | None = None
    """Set while a moderator has not yet let the post out (new members, risk terms)."""
    support_note: bool = False
    app_id: int | None = None
    """The OAuth app a member posted from, if they posted from one."""


def _post(row: Row) -> Post:
    values = dict(row)
    values["local"] = bool(values["local"])
    values["sensitive"] = bool(values["sensitive"])
    values["support_note"] = bool(values["support_note"])
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
    mention_actor_ids: Sequence[int] = (),
    tags: Sequence[str] = (),
    media_ids: Sequence[int] = (),
    deliveries: Callable[[Post], list[Delivery]] | None = None,
    hold: tuple[str, str] | None = None,
    alert: tuple[str, str] | None = None,
    support_note: bool = False,
    notices: Sequence[tuple[int, str]] = (),
    app_id: int | None = None,
) -> Post:
    """Store a member's post. Its URI embeds the row id, so `uri_for_id` and `url_for_id`
    are templates with `{id}` filled in once the id is known. `deliveries` builds the
    delivery jobs from the stored post; they commit in the same transaction, so a post
    is never "posted" without its deliveries, nor deliveries sent for a lost post. The
    author's uploads `media_ids` are attached in order (MediaUnavailable if one is not).
    A `hold` (policy, reason) keeps the post from everyone but its author and sends
    nothing until a moderator approves it; an `alert` tells moderators of a published post.
    `notices` are the members to tell, each with the kind ("mention", "reply"); a held
    post tells nobody until it is released."""
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
            " created_at, held_at, support_note, app_id) VALUES ('', ?, 1, ?, ?, ?, ?, ?, ?, ?, ?,"
            " ?, ?, ?, ?, ?)",
            (
                actor_id, content_html, source_text, summary, int(sensitive), visibility,
                language, in_reply_to_uri, parent, stamp, stamp,
                stamp if hold is not None else None, int(support_note), app_id,
            ),
        )
        post_id = cursor.lastrowid
        assert post_id is not None
        await tx.execute(
            "UPDATE posts SET uri = ?, url = ? WHERE id = ?",
            (uri_for_id.format(id=post_id), url_for_id.format(id=post_id), post_id),
        )
        await tx.executemany(
            "INSERT INTO mentions (post_id, actor_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(post_id, actor_id) for actor_id in mention_actor_ids],
        )
        await tx.executemany(
            "INSERT INTO post_tags (post_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(post_id, tag) for tag in tags],
        )
        await attach_uploads(tx, post_id, actor_id, media_ids)
        rows = list(await tx.execute_fetchall(f"SELECT {_COLUMNS} FROM posts WHERE id = ?",
                                              (post_id,)))
        post = _post(rows[0])
        if hold is not None:
            await tx.execute(
                "INSERT INTO holds (post_id, policy, reason, created_at) VALUES (?, ?, ?, ?)",
                (post_id, *hold, stamp))
        else:
            if deliveries is not None:
                await insert_deliveries(tx, deliveries(post))
            await _notify_members(tx, post, notices)
        if alert is not None:
            await tx.execute(
                "INSERT INTO moderation_alerts (post_id, policy, reason, created_at)"
                " VALUES (?, ?, ?, ?)", (post_id, *alert, stamp))
    return post


async def get_post_by_uri(db: Database, uri: str) -> Post | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM posts WHERE uri = ?", (uri,))
    return None if row is None else _post(row)


async def count_public_posts(db: Database, actor_id: int) -> int:
    value = await db.fetch_value(
        "SELECT count(*) FROM posts WHERE actor_id = ? AND visibility = 'public'"
        " AND deleted_at IS NULL AND held_at IS NULL",
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
    where = ["actor_id = ?", "visibility = 'public'", "deleted_at IS NULL", "held_at IS NULL"]
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


@dataclass(frozen=True)
class NewRemotePost:
    uri: str
    actor_id: int
    url: str | None
    in_reply_to_uri: str | None
    content_html: str
    summary: str
    sensitive: bool
    visibility: str
    language: str | None
    published_at: str
    mention_actor_ids: tuple[int, ...]
    tags: tuple[str, ...]
    attachments: tuple[NewRemoteAttachment, ...] = ()


async def insert_remote_posts(
    db: Database, posts: Sequence[tuple[NewRemotePost, Sequence[tuple[int, str]]]]
) -> dict[str, Post]:
    """Store remote posts with their mentions, tags, attachments and the notifications
    they cause ((account id, kind) pairs), each once, in one transaction and a handful of round
    trips however many there are: this is the inbox's hot path. A post already stored
    is left as it is; a tombstoned one is not stored. Returns the stored posts by URI."""
    if not posts:
        return {}
    uris = list(dict.fromkeys(post.uri for post, _ in posts))
    marks = ", ".join("?" for _ in uris)
    stamp = now_text()
    async with db.transaction() as tx:
        known = {row[0] for row in await tx.execute_fetchall(
            f"SELECT uri FROM posts WHERE uri IN ({marks})", uris)}
        fresh: dict[str, tuple[NewRemotePost, Sequence[tuple[int, str]]]] = {}
        for post, notify in posts:
            if post.uri not in known:
                fresh.setdefault(post.uri, (post, notify))
        await tx.executemany(
            "INSERT INTO posts (uri, actor_id, local, url, in_reply_to_uri, in_reply_to_id,"
            " content_html, summary, sensitive, visibility, language, published_at, created_at)"
            " SELECT ?, ?, 0, ?, ?, (SELECT id FROM posts WHERE uri = ?), ?, ?, ?, ?, ?, ?, ?"
            " WHERE NOT EXISTS (SELECT 1 FROM tombstones WHERE uri = ?)",
            [(p.uri, p.actor_id, p.url, p.in_reply_to_uri, p.in_reply_to_uri, p.content_html,
              p.summary, int(p.sensitive), p.visibility, p.language, p.published_at, stamp, p.uri)
             for p, _ in fresh.values()],
        )
        await tx.executemany(
            "INSERT INTO mentions (post_id, actor_id) SELECT id, ? FROM posts WHERE uri = ?"
            " ON CONFLICT DO NOTHING",
            [(actor_id, p.uri) for p, _ in fresh.values() for actor_id in p.mention_actor_ids],
        )
        await tx.executemany(
            "INSERT INTO post_tags (post_id, tag) SELECT id, ? FROM posts WHERE uri = ?"
            " ON CONFLICT DO NOTHING",
            [(tag, p.uri) for p, _ in fresh.values() for tag in p.tags],
        )
        await tx.executemany(
            "INSERT INTO notifications (account_id, kind, from_actor_id, post_id, source_uri,"
            " created_at) SELECT ?, ?, actor_id, id, uri, ? FROM posts WHERE uri = ?"
            " ON CONFLICT DO NOTHING",
            [(account_id, kind, stamp, p.uri)
             for p, notify in fresh.values() for account_id, kind in notify],
        )
        await insert_remote_attachments(
            tx, [(p.uri, p.attachments) for p, _ in fresh.values() if p.attachments])
        rows = await tx.execute_fetchall(
            f"SELECT {_COLUMNS} FROM posts WHERE uri IN ({marks})", uris)
    return {post.uri: post for post in map(_post, rows)}


async def tombstoned(db: Database, uris: Sequence[str]) -> set[str]:
    if not uris:
        return set()
    marks = ", ".join("?" for _ in uris)
    rows = await db.fetch_all(f"SELECT uri FROM tombstones WHERE uri IN ({marks})", list(uris))
    return {row[0] for row in rows}


async def posts_by_uri(db: Database, uris: Sequence[str]) -> dict[str, Post]:
    if not uris:
        return {}
    marks = ", ".join("?" for _ in uris)
    rows = await db.fetch_all(f"SELECT {_COLUMNS} FROM posts WHERE uri IN ({marks})", list(uris))
    return {post.uri: post for post in map(_post, rows)}


async def posts_by_ids(db: Database, ids: Sequence[int]) -> dict[int, Post]:
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    rows = await db.fetch_all(f"SELECT {_COLUMNS} FROM posts WHERE id IN ({marks})", list(ids))
    return {post.id: post for post in map(_post, rows)}


async def mentions_of(db: Database, post_ids: Sequence[int]) -> dict[int, list[int]]:
    """The actors each post mentions, for a page of posts in one query."""
    if not post_ids:
        return {}
    marks = ", ".join("?" for _ in post_ids)
    rows = await db.fetch_all(
        f"SELECT post_id, actor_id FROM mentions WHERE post_id IN ({marks})"
        " ORDER BY post_id, actor_id", list(post_ids))
    found: dict[int, list[int]] = {}
    for row in rows:
        found.setdefault(int(row[0]), []).append(int(row[1]))
    return found


async def tags_for(db: Database, post_ids: Sequence[int]) -> dict[int, list[str]]:
    """Each post's hashtags, for a page of posts in one query."""
    if not post_ids:
        return {}
    marks = ", ".join("?" for _ in post_ids)
    rows = await db.fetch_all(
        f"SELECT post_id, tag FROM post_tags WHERE post_id IN ({marks}) ORDER BY post_id, tag",
        list(post_ids))
    found: dict[int, list[str]] = {}
    for row in rows:
        found.setdefault(int(row[0]), []).append(str(row[1]))
    return found


async def reply_counts(db: Database, post_ids: Sequence[int]) -> dict[int, int]:
    """How many published replies each post has (held and deleted ones not counted)."""
    if not post_ids:
        return {}
    marks = ", ".join("?" for _ in post_ids)
    rows = await db.fetch_all(
        f"SELECT in_reply_to_id, count(*) FROM posts WHERE in_reply_to_id IN ({marks})"
        " AND deleted_at IS NULL AND held_at IS NULL GROUP BY in_reply_to_id",
        list(post_ids))
    return {int(row[0]): int(row[1]) for row in rows}


async def update_post(
    db: Database, post_id: int, *, content_html: str, summary: str, sensitive: bool,
    source_text: str | None = None,
) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE posts SET content_html = ?, summary = ?, sensitive = ?,"
            " source_text = coalesce(?, source_text), edited_at = ? WHERE id = ?",
            (content_html, summary, int(sensitive), source_text, now_text(), post_id),
        )


async def delete_post(db: Database, post_id: int, uri: str) -> None:
    """Remove a post and leave a tombstone so that it is never re-created."""
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM posts WHERE id = ?", (post_id,))
        await tx.execute(
            "INSERT INTO tombstones (uri, deleted_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (uri, now_text()),
        )


async def mark_deleted(db: Database, post_id: int) -> None:
    """A post from elsewhere that moderators removed: kept as deleted (the reports about
    it still show what was said), shown to nobody, never stored again."""
    async with db.transaction() as tx:
        await tx.execute("UPDATE posts SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                         (now_text(), post_id))


async def add_tombstone(db: Database, uri: str) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO tombstones (uri, deleted_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (uri, now_text()),
        )


async def is_tombstoned(db: Database, uri: str) -> bool:
    return await db.fetch_value("SELECT 1 FROM tombstones WHERE uri = ?", (uri,)) is not None


async def get_post(db: Database, post_id: int) -> Post | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM posts WHERE id = ?", (post_id,))
    return None if row is None else _post(row)


async def add_mentions_and_tags(
    db: Database, post_id: int, *, actor_ids: list[int], tags: list[str]
) -> None:
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO mentions (post_id, actor_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(post_id, actor_id) for actor_id in actor_ids],
        )
        await tx.executemany(
            "INSERT INTO post_tags (post_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(post_id, tag) for tag in tags],
        )


async def mentioned_actor_ids(db: Database, post_id: int) -> list[int]:
    rows = await db.fetch_all("SELECT actor_id FROM mentions WHERE post_id = ?", (post_id,))
    return [row[0] for row in rows]


async def tags_of(db: Database, post_id: int) -> list[str]:
    rows = await db.fetch_all("SELECT tag FROM post_tags WHERE post_id = ? ORDER BY tag",
                              (post_id,))
    return [row[0] for row in rows]


async def release_post(db: Database, post: Post, deliveries: list[Delivery],
                       notices: Sequence[tuple[int, str]] = ()) -> None:
    """A moderator let a held post out: visible from now, its deliveries queued and the
    members it mentions or answers told, all at once."""
    async with db.transaction() as tx:
        await tx.execute("UPDATE posts SET held_at = NULL WHERE id = ?", (post.id,))
        await insert_deliveries(tx, deliveries)
        await _notify_members(tx, post, notices)


async def _notify_members(tx: Transaction, post: Post,
                          notices: Sequence[tuple[int, str]]) -> None:
    for account_id, kind in notices:
        await notify_in(tx, account_id=account_id, kind=kind, from_actor_id=post.actor_id,
                        post_id=post.id, source_uri=post.uri)
