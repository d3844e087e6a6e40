"""A member's own profile: display name, bio and picture, as the settings pages save them."""

from __future__ import annotations

from server.clock import now_text
from server.storage.actors import Actor, get_actor
from server.storage.database import Database


async def save_profile(db: Database, actor_id: int, *, display_name: str, summary_html: str,
                       bio_source: str) -> None:
    """Store the name and bio together: the HTML that is shown and the text it came from."""
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE actors SET display_name = ?, summary_html = ?, updated_at = ?"
            " WHERE id = ? AND local = 1",
            (display_name, summary_html, now_text(), actor_id),
        )
        await tx.execute(
            "UPDATE accounts SET bio_source = ? WHERE actor_id = ?", (bio_source, actor_id)
        )


async def save_avatar(db: Database, actor_id: int, *, url: str | None,
                      media_type: str | None) -> None:
    """A new picture (or None for the instance's default one)."""
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE actors SET icon_url = ?, icon_media_type = ?, updated_at = ?"
            " WHERE id = ? AND local = 1",
            (url, media_type, now_text(), actor_id),
        )


async def bio_source(db: Database, actor_id: int) -> str:
    value = await db.fetch_value("SELECT bio_source FROM accounts WHERE actor_id = ?",
                                 (actor_id,))
    return "" if value is None else str(value)


async def known_person(db: Database, username: str, domain: str) -> Actor | None:
    """Someone elsewhere this instance already knows by `username@domain`, never fetched:
    saving a bio should not make this server call out to others."""
    value = await db.fetch_value(
        "SELECT id FROM actors WHERE local = 0 AND deleted_at IS NULL"
        " AND actor_type = 'Person' AND lower(username) = lower(?) AND lower(domain) = lower(?)",
        (username, domain),
    )
    return None if value is None else await get_actor(db, int(value))
