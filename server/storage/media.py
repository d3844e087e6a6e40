"""Media attachments: members' uploads (files here) and remote posts' images (URLs)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from server.clock import now_text
from server.storage.database import Database, Row, Transaction

_COLUMNS = (
    "id, actor_id, post_id, position, file_name, preview_file_name, remote_url, content_type,"
    " width, height, description, blurhash, created_at"
)


class MediaUnavailable(Exception):
    """Media named for a post is not the author's own unattached upload."""


@dataclass(frozen=True)
class Attachment:
    id: int
    actor_id: int
    post_id: int | None
    position: int
    file_name: str | None
    preview_file_name: str | None
    remote_url: str | None
    content_type: str | None
    width: int | None
    height: int | None
    description: str
    blurhash: str | None
    created_at: str

    @property
    def local(self) -> bool:
        return self.file_name is not None


@dataclass(frozen=True)
class NewRemoteAttachment:
    url: str
    content_type: str | None
    description: str
    width: int | None
    height: int | None
    blurhash: str | None


def _attachment(row: Row) -> Attachment:
    return Attachment(**dict(row))


async def insert_upload(
    db: Database, *, actor_id: int, file_name: str, preview_file_name: str,
    content_type: str, width: int, height: int, description: str = "",
    blurhash: str | None = None,
) -> Attachment:
    """A member's processed upload, not yet attached to any post."""
    async with db.transaction() as tx:
        rows = await tx.execute_fetchall(
            "INSERT INTO media_attachments (actor_id, file_name, preview_file_name,"
            " content_type, width, height, description, blurhash, created_at)"
            f" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
            (actor_id, file_name, preview_file_name, content_type, width, height, description,
             blurhash, now_text()),
        )
    return _attachment(next(iter(rows)))


async def get_attachment(db: Database, media_id: int) -> Attachment | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM media_attachments WHERE id = ?",
                             (media_id,))
    return None if row is None else _attachment(row)


async def set_description(db: Database, media_id: int, *, actor_id: int,
                          description: str) -> bool:
    """Change the alt text of the actor's own media; False if it is not theirs."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE media_attachments SET description = ? WHERE id = ? AND actor_id = ?",
            (description, media_id, actor_id),
        )
        return cursor.rowcount == 1


async def unattached_uploads(db: Database, actor_id: int, media_ids: Sequence[int]
                             ) -> list[Attachment]:
    """Those of `media_ids` that are the actor's own uploads not yet in a post, in the
    order given."""
    if not media_ids:
        return []
    marks = ", ".join("?" for _ in media_ids)
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM media_attachments WHERE id IN ({marks})"
        " AND actor_id = ? AND post_id IS NULL AND file_name IS NOT NULL",
        (*media_ids, actor_id),
    )
    found = {attachment.id: attachment for attachment in map(_attachment, rows)}
    return [found[i] for i in dict.fromkeys(media_ids) if i in found]


async def attach_uploads(tx: Transaction, post_id: int, actor_id: int,
                         media_ids: Sequence[int]) -> None:
    """Attach uploads to a post being stored, in order, within its transaction; raises
    MediaUnavailable (so the whole post rolls back) if any is not the actor's, unattached."""
    cursor = await tx.executemany(
        "UPDATE media_attachments SET post_id = ?, position = ?"
        " WHERE id = ? AND actor_id = ? AND post_id IS NULL AND file_name IS NOT NULL",
        [(post_id, position, media_id, actor_id) for position, media_id in enumerate(media_ids)],
    )
    if media_ids and cursor.rowcount != len(media_ids):
        raise MediaUnavailable("some of the media is not yours or is already in a post")


async def insert_remote_attachments(
    tx: Transaction, attachments: Sequence[tuple[str, Sequence[NewRemoteAttachment]]]
) -> None:
    """The attachments of remote posts just stored in this transaction, by post URI, in
    one statement for the whole batch."""
    await tx.executemany(
        "INSERT INTO media_attachments (actor_id, post_id, position, remote_url, content_type,"
        " width, height, description, blurhash, created_at)"
        " SELECT actor_id, id, ?, ?, ?, ?, ?, ?, ?, ? FROM posts WHERE uri = ?",
        [(position, a.url, a.content_type, a.width, a.height, a.description, a.blurhash,
          now_text(), post_uri)
         for post_uri, items in attachments for position, a in enumerate(items)],
    )


async def attachments_for(db: Database, post_ids: Sequence[int]) -> dict[int, list[Attachment]]:
    """Each post's attachments in order, for a whole page of posts in one query; posts
    without any are absent."""
    if not post_ids:
        return {}
    ids = list(dict.fromkeys(post_ids))
    marks = ", ".join("?" for _ in ids)
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM media_attachments WHERE post_id IN ({marks})"
        " ORDER BY post_id, position, id",
        ids,
    )
    found: dict[int, list[Attachment]] = {}
    for attachment in map(_attachment, rows):
        assert attachment.post_id is not None
        found.setdefault(attachment.post_id, []).append(attachment)
    return found
