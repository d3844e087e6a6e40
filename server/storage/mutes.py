"""Mutes and muted words: what a member has chosen not to see.

Muting is private to the member: nothing is delivered, the muted person is not told,
and it only changes what this member's pages show. A mute may leave notifications
alone (`hide_notifications` false) and may end by itself at `expires_at`; every query
that reads mutes asks `in_force` so a mute past its end is over without a sweep.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from server.clock import now_text
from server.storage.actors import Actor, actor_from_row
from server.storage.database import Database
from server.storage.paging import IdWindow, fetch_window
from server.storage.sanctions import NOW_SQL

_ACTOR = ", ".join(f"a.{column.name}" for column in fields(Actor))
MAX_PHRASE_LENGTH = 100
MAX_PHRASES = 200


class InvalidPhrase(Exception):
    """A muted word that cannot be stored; the message is meant for the member."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __repr__(self) -> str:
        return f"InvalidPhrase({self.message!r})"


@dataclass(frozen=True)
class MutedWord:
    id: int
    phrase: str
    created_at: str


def in_force(alias: str) -> str:
    """SQL: the mute row under `alias` has not reached its end (or has none)."""
    return f"({alias}.expires_at IS NULL OR {alias}.expires_at > {NOW_SQL})"


@dataclass(frozen=True)
class Mute:
    """One mute in force: whether it hides notifications too, and when it ends."""

    hide_notifications: bool
    expires_at: str | None


@dataclass(frozen=True)
class MutedAccount:
    """A row of the member's mutes list: the mute's own id (for paging) and the person."""

    id: int
    actor: Actor
    expires_at: str | None


async def mute(db: Database, *, actor_id: int, target_id: int,
               hide_notifications: bool = True, expires_at: str | None = None) -> None:
    """Mute, or change a mute's options (muting again sets them afresh, as Mastodon
    does; an ended mute starts over)."""
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO mutes (actor_id, target_id, created_at, hide_notifications,"
            " expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (actor_id, target_id)"
            " DO UPDATE SET hide_notifications = excluded.hide_notifications,"
            " expires_at = excluded.expires_at",
            (actor_id, target_id, now_text(), int(hide_notifications), expires_at),
        )


async def unmute(db: Database, *, actor_id: int, target_id: int) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "DELETE FROM mutes WHERE actor_id = ? AND target_id = ?", (actor_id, target_id)
        )


async def mute_of(db: Database, *, actor_id: int, target_id: int) -> Mute | None:
    """The mute in force of `target_id` by `actor_id`, or None."""
    row = await db.fetch_one(
        "SELECT u.hide_notifications, u.expires_at FROM mutes u"
        f" WHERE u.actor_id = ? AND u.target_id = ? AND {in_force('u')}",
        (actor_id, target_id),
    )
    return None if row is None else Mute(bool(row[0]), row[1])


async def is_muted(db: Database, *, actor_id: int, target_id: int) -> bool:
    return await mute_of(db, actor_id=actor_id, target_id=target_id) is not None


async def muted_page(db: Database, actor_id: int, window: IdWindow) -> list[MutedAccount]:
    """The people the member mutes (mutes in force, accounts not deleted), newest mute
    first, paged by the mute's row id."""
    rows = await fetch_window(
        db, f"SELECT u.rowid AS mute_id, u.expires_at AS mute_expires_at, {_ACTOR}"
        " FROM mutes u JOIN actors a ON a.id = u.target_id",
        key="u.rowid", window=window,
        where=["u.actor_id = ?", in_force("u"), "a.deleted_at IS NULL"],
        parameters=[actor_id],
    )
    found = []
    for row in rows:
        values = dict(row)
        mute_id, expires_at = int(values.pop("mute_id")), values.pop("mute_expires_at")
        found.append(MutedAccount(mute_id, actor_from_row(values), expires_at))  # type: ignore[arg-type]
    return found


def clean_phrase(phrase: str) -> str:
    """The phrase as stored (inner whitespace collapsed), or InvalidPhrase saying why not."""
    cleaned = " ".join(phrase.split())
    if not cleaned:
        raise InvalidPhrase("Type a word or phrase to mute.")
    if len(cleaned) > MAX_PHRASE_LENGTH:
        raise InvalidPhrase(f"Muted phrases are at most {MAX_PHRASE_LENGTH} characters.")
    return cleaned


async def add_muted_word(db: Database, account_id: int, phrase: str) -> MutedWord:
    """Store a phrase once (ignoring case); at most MAX_PHRASES per member."""
    cleaned = clean_phrase(phrase)
    stamp = now_text()
    async with db.transaction() as tx:
        rows = list(await tx.execute_fetchall(
            "SELECT count(*) FROM muted_words WHERE account_id = ?", (account_id,)))
        existing = list(await tx.execute_fetchall(
            "SELECT id, phrase, created_at FROM muted_words"
            " WHERE account_id = ? AND lower(phrase) = lower(?)", (account_id, cleaned)))
        if existing:
            return MutedWord(*existing[0])
        if int(rows[0][0]) >= MAX_PHRASES:
            raise InvalidPhrase(
                f"You can mute at most {MAX_PHRASES} words; remove one to add another.")
        cursor = await tx.execute(
            "INSERT INTO muted_words (account_id, phrase, created_at) VALUES (?, ?, ?)",
            (account_id, cleaned, stamp),
        )
    assert cursor.lastrowid is not None
    return MutedWord(int(cursor.lastrowid), cleaned, stamp)


async def remove_muted_word(db: Database, account_id: int, word_id: int) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "DELETE FROM muted_words WHERE id = ? AND account_id = ?", (word_id, account_id)
        )


async def muted_words(db: Database, account_id: int) -> list[MutedWord]:
    rows = await db.fetch_all(
        "SELECT id, phrase, created_at FROM muted_words WHERE account_id = ?"
        " ORDER BY lower(phrase), id",
        (account_id,),
    )
    return [MutedWord(int(row[0]), str(row[1]), str(row[2])) for row in rows]
