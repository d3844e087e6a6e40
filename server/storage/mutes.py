"""Mutes and muted words: what a member has chosen not to see.

Muting is private to the member: nothing is delivered, the muted person is not told,
and it only changes what this member's pages show.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.clock import now_text
from server.storage.database import Database

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


async def mute(db: Database, *, actor_id: int, target_id: int) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO mutes (actor_id, target_id, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (actor_id, target_id, now_text()),
        )


async def unmute(db: Database, *, actor_id: int, target_id: int) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "DELETE FROM mutes WHERE actor_id = ? AND target_id = ?", (actor_id, target_id)
        )


async def is_muted(db: Database, *, actor_id: int, target_id: int) -> bool:
    value = await db.fetch_value(
        "SELECT 1 FROM mutes WHERE actor_id = ? AND target_id = ?", (actor_id, target_id)
    )
    return value is not None


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
