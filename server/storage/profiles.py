"""A member's own profile: display name, bio and picture, as the settings pages save them."""

from __future__ import annotations

from dataclasses import dataclass

from server.clock import now_text
from server.storage.accounts import PrivacyChoices, write_privacy
from server.storage.actors import Actor, get_actor
from server.storage.database import Database, Transaction


async def save_profile(db: Database, actor_id: int, *, display_name: str, summary_html: str,
                       bio_source: str) -> None:
    """Store the name and bio together: the HTML that is shown and the text it came from."""
    async with db.transaction() as tx:
        await _write_profile(tx, actor_id, display_name=display_name,
                             summary_html=summary_html, bio_source=bio_source)


async def _write_profile(tx: Transaction, actor_id: int, *, display_name: str,
                         summary_html: str, bio_source: str) -> None:
    await tx.execute(
        "UPDATE actors SET display_name = ?, summary_html = ?, updated_at = ?"
        " WHERE id = ? AND local = 1",
        (display_name, summary_html, now_text(), actor_id),
    )
    await tx.execute(
        "UPDATE accounts SET bio_source = ? WHERE actor_id = ?", (bio_source, actor_id)
    )


@dataclass(frozen=True)
class Picture:
    """A stored picture's address and type; None for both is the instance's default."""

    url: str | None
    media_type: str | None


async def save_settings(db: Database, actor_id: int, *, display_name: str,
                        summary_html: str, bio_source: str, privacy: PrivacyChoices,
                        avatar: Picture | None = None) -> None:
    """Name, bio, privacy choices and (unless None) the picture, all or none of them,
    as the client API changes them in one request."""
    async with db.transaction() as tx:
        await _write_profile(tx, actor_id, display_name=display_name,
                             summary_html=summary_html, bio_source=bio_source)
        await write_privacy(tx, actor_id, privacy)
        if avatar is not None:
            await _write_avatar(tx, actor_id, avatar)


async def _write_avatar(tx: Transaction, actor_id: int, picture: Picture) -> None:
    await tx.execute(
        "UPDATE actors SET icon_url = ?, icon_media_type = ?, updated_at = ?"
        " WHERE id = ? AND local = 1",
        (picture.url, picture.media_type, now_text(), actor_id),
    )


async def save_avatar(db: Database, actor_id: int, *, url: str | None,
                      media_type: str | None) -> None:
    """A new picture (or None for the instance's default one)."""
    async with db.transaction() as tx:
        await _write_avatar(tx, actor_id, Picture(url, media_type))


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
