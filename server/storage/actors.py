"""Actors, local and remote, with the keys that sign and verify their requests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from server.clock import now_text
from server.storage.database import Database, Row, Transaction

_COLUMNS = (
    "id, uri, local, actor_type, username, domain, display_name, summary_html, url, icon_url,"
    " icon_media_type, inbox_uri, shared_inbox_uri, outbox_uri, followers_uri, following_uri,"
    " featured_uri, public_key_id, public_key_pem, private_key_pem,"
    " manually_approves_followers, discoverable, created_at, updated_at, fetched_at, deleted_at"
)


@dataclass(frozen=True)
class Actor:
    id: int
    uri: str
    local: bool
    actor_type: str
    username: str
    domain: str
    display_name: str
    summary_html: str
    url: str | None
    icon_url: str | None
    icon_media_type: str | None
    inbox_uri: str
    shared_inbox_uri: str | None
    outbox_uri: str | None
    followers_uri: str | None
    following_uri: str | None
    featured_uri: str | None
    public_key_id: str
    public_key_pem: str
    private_key_pem: str | None
    manually_approves_followers: bool
    discoverable: bool
    created_at: str
    updated_at: str
    fetched_at: str | None
    deleted_at: str | None

    @property
    def handle(self) -> str:
        return f"{self.username}@{self.domain}"


@dataclass(frozen=True)
class NewActor:
    """The fields of an actor before it has a row id."""

    uri: str
    local: bool
    actor_type: str
    username: str
    domain: str
    inbox_uri: str
    public_key_id: str
    public_key_pem: str
    private_key_pem: str | None = None
    display_name: str = ""
    summary_html: str = ""
    url: str | None = None
    icon_url: str | None = None
    icon_media_type: str | None = None
    shared_inbox_uri: str | None = None
    outbox_uri: str | None = None
    followers_uri: str | None = None
    following_uri: str | None = None
    featured_uri: str | None = None
    manually_approves_followers: bool = False
    discoverable: bool = False


def actor_from_row(row: Row) -> Actor:
    values = dict(row)
    values["local"] = bool(values["local"])
    values["manually_approves_followers"] = bool(values["manually_approves_followers"])
    values["discoverable"] = bool(values["discoverable"])
    return Actor(**values)


async def insert_actor(tx: Transaction, actor: NewActor) -> int:
    """Insert inside an open transaction and return the row id."""
    stamp = now_text()
    cursor = await tx.execute(
        "INSERT INTO actors (uri, local, actor_type, username, domain, display_name,"
        " summary_html, url, icon_url, icon_media_type, inbox_uri, shared_inbox_uri,"
        " outbox_uri, followers_uri, following_uri, featured_uri, public_key_id,"
        " public_key_pem, private_key_pem, manually_approves_followers, discoverable,"
        " created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            actor.uri, int(actor.local), actor.actor_type, actor.username, actor.domain,
            actor.display_name, actor.summary_html, actor.url, actor.icon_url,
            actor.icon_media_type, actor.inbox_uri, actor.shared_inbox_uri, actor.outbox_uri,
            actor.followers_uri, actor.following_uri, actor.featured_uri, actor.public_key_id,
            actor.public_key_pem, actor.private_key_pem, int(actor.manually_approves_followers),
            int(actor.discoverable), stamp, stamp,
        ),
    )
    row_id = cursor.lastrowid
    assert row_id is not None
    return int(row_id)


async def get_actor(db: Database, actor_id: int) -> Actor | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM actors WHERE id = ?", (actor_id,))
    return None if row is None else actor_from_row(row)


async def get_actor_by_uri(db: Database, uri: str) -> Actor | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM actors WHERE uri = ?", (uri,))
    return None if row is None else actor_from_row(row)


async def get_local_actor_by_username(db: Database, username: str) -> Actor | None:
    """Find a local actor by name, ignoring case as WebFinger and Mastodon do."""
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM actors WHERE local = 1 AND lower(username) = lower(?)",
        (username,),
    )
    return None if row is None else actor_from_row(row)


async def get_actor_by_handle(db: Database, username: str, domain: str) -> Actor | None:
    """An actor already known here, by `name@domain`, ignoring case."""
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM actors WHERE lower(username) = lower(?)"
        " AND lower(domain) = lower(?)", (username, domain))
    return None if row is None else actor_from_row(row)


async def insert_actor_once(db: Database, actor: NewActor) -> Actor:
    """Insert unless an actor with this URI exists; return the stored actor either way."""
    async with db.transaction() as tx:
        rows = list(await tx.execute_fetchall("SELECT 1 FROM actors WHERE uri = ?", (actor.uri,)))
        if not rows:
            await insert_actor(tx, actor)
    stored = await get_actor_by_uri(db, actor.uri)
    assert stored is not None
    return stored


async def get_actor_by_key_id(db: Database, key_id: str) -> Actor | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM actors WHERE public_key_id = ?", (key_id,))
    return None if row is None else actor_from_row(row)


async def upsert_remote_actor(db: Database, actor: NewActor) -> Actor:
    """Store what a remote actor document says now, keeping our row id if we knew it."""
    stamp = now_text()
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO actors (uri, local, actor_type, username, domain, display_name,"
            " summary_html, url, icon_url, icon_media_type, inbox_uri, shared_inbox_uri,"
            " outbox_uri, followers_uri, following_uri, featured_uri, public_key_id,"
            " public_key_pem, manually_approves_followers, discoverable, created_at,"
            " updated_at, fetched_at)"
            " VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (uri) DO UPDATE SET actor_type = excluded.actor_type,"
            " username = excluded.username, display_name = excluded.display_name,"
            " summary_html = excluded.summary_html, url = excluded.url,"
            " icon_url = excluded.icon_url, icon_media_type = excluded.icon_media_type,"
            " inbox_uri = excluded.inbox_uri, shared_inbox_uri = excluded.shared_inbox_uri,"
            " outbox_uri = excluded.outbox_uri, followers_uri = excluded.followers_uri,"
            " following_uri = excluded.following_uri, featured_uri = excluded.featured_uri,"
            " public_key_id = excluded.public_key_id, public_key_pem = excluded.public_key_pem,"
            " manually_approves_followers = excluded.manually_approves_followers,"
            " discoverable = excluded.discoverable, updated_at = excluded.updated_at,"
            " fetched_at = excluded.fetched_at"
            " WHERE actors.local = 0",
            (
                actor.uri, actor.actor_type, actor.username, actor.domain, actor.display_name,
                actor.summary_html, actor.url, actor.icon_url, actor.icon_media_type,
                actor.inbox_uri, actor.shared_inbox_uri, actor.outbox_uri, actor.followers_uri,
                actor.following_uri, actor.featured_uri, actor.public_key_id,
                actor.public_key_pem, int(actor.manually_approves_followers),
                int(actor.discoverable), stamp, stamp, stamp,
            ),
        )
    stored = await get_actor_by_uri(db, actor.uri)
    assert stored is not None
    return stored


async def key_refreshed_at(db: Database, actor_id: int) -> str | None:
    value = await db.fetch_value("SELECT key_refreshed_at FROM actors WHERE id = ?", (actor_id,))
    return None if value is None else str(value)


async def mark_key_refresh(db: Database, actor_id: int) -> None:
    """Note a refetch caused by a failed signature; plain fetches do not count, so the
    first rotation is always followed and only repeats are slowed down."""
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE actors SET key_refreshed_at = ? WHERE id = ?", (now_text(), actor_id)
        )


async def mark_actor_deleted(db: Database, actor_id: int) -> None:
    """A remote account deleted itself: drop what it posted and every follow it had."""
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE actors SET deleted_at = ? WHERE id = ? AND local = 0", (now_text(), actor_id)
        )
        await tx.execute("DELETE FROM posts WHERE actor_id = ?", (actor_id,))
        await tx.execute(
            "DELETE FROM follows WHERE follower_id = ? OR followee_id = ?", (actor_id, actor_id)
        )
        await tx.execute("DELETE FROM likes WHERE actor_id = ?", (actor_id,))
        await tx.execute("DELETE FROM boosts WHERE actor_id = ?", (actor_id,))


async def local_actor_ids(db: Database, uris: Sequence[str]) -> dict[str, int]:
    """Which of these URIs are actors of this instance, in one query."""
    if not uris:
        return {}
    marks = ", ".join("?" for _ in uris)
    rows = await db.fetch_all(
        f"SELECT uri, id FROM actors WHERE local = 1 AND uri IN ({marks})", list(uris)
    )
    return {row[0]: row[1] for row in rows}


async def actors_by_uri(db: Database, uris: Sequence[str]) -> dict[str, Actor]:
    if not uris:
        return {}
    marks = ", ".join("?" for _ in uris)
    rows = await db.fetch_all(f"SELECT {_COLUMNS} FROM actors WHERE uri IN ({marks})",
                              list(uris))
    return {actor.uri: actor for actor in map(actor_from_row, rows)}


async def known_domains(db: Database) -> list[str]:
    """Every other server this instance knows an account on (Mastodon's peers)."""
    rows = await db.fetch_all(
        "SELECT DISTINCT lower(domain) FROM actors WHERE local = 0 AND deleted_at IS NULL"
        " ORDER BY 1")
    return [str(row[0]) for row in rows]
