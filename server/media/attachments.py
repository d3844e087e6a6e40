"""A member's upload from bytes to a stored attachment, and attachments as they federate."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from federation.notes import AttachmentFacts
from server.media.images import ProcessedImage, process_upload
from server.media.store import MediaStore, media_url
from server.storage import media as media_store
from server.storage.database import Database
from server.storage.media import Attachment

MAX_DESCRIPTION = 1500


async def save_upload(db: Database, store: MediaStore, actor_id: int, data: bytes, *,
                      description: str = "") -> Attachment:
    """Process an upload and keep it, unattached, for the member's next post.
    Raises MediaRejected (with a reason fit to show) when the file is not usable."""
    processed = await asyncio.to_thread(process_upload, data)
    return await save_processed(db, store, actor_id, processed, description=description)


async def save_processed(db: Database, store: MediaStore, actor_id: int,
                         processed: ProcessedImage, *, description: str = "") -> Attachment:
    """Keep an image already processed (a form checks every upload before keeping any)."""
    name = store.new_name(processed.image.extension)
    preview_name = store.new_name(processed.preview.extension)
    await store.save(name, processed.image.data)
    await store.save(preview_name, processed.preview.data)
    try:
        return await media_store.insert_upload(
            db, actor_id=actor_id, file_name=name, preview_file_name=preview_name,
            content_type=processed.image.content_type, width=processed.image.width,
            height=processed.image.height, description=description.strip()[:MAX_DESCRIPTION],
            blurhash=processed.blurhash,
        )
    except BaseException:
        await store.remove(name, preview_name)
        raise


def local_files(attachments: Sequence[Attachment]) -> list[str]:
    """The files on disk behind these attachments (none for remote ones)."""
    return [name for a in attachments for name in (a.file_name, a.preview_file_name) if name]


def attachment_facts(attachment: Attachment, base_url: str) -> AttachmentFacts:
    """A stored attachment as it appears in a Note: our own files by their absolute URL,
    a remote post's by the URL its server gave."""
    if attachment.file_name is not None:
        url = media_url(base_url, attachment.file_name)
    else:
        assert attachment.remote_url is not None
        url = attachment.remote_url
    return AttachmentFacts(
        url=url,
        media_type=attachment.content_type or "application/octet-stream",
        description=attachment.description,
        width=attachment.width,
        height=attachment.height,
        blurhash=attachment.blurhash,
    )
