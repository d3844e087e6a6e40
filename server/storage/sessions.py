"""Signed-in browsers. Only a SHA-256 of each session token is kept."""

from __future__ import annotations

from server.clock import now_text
from server.storage.database import Database
from server.storage.tokens import token_digest


async def create_session(db: Database, *, token: str, account_id: int) -> None:
    now = now_text()
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO sessions (token_sha256, account_id, created_at, last_seen_at)"
            " VALUES (?, ?, ?, ?)",
            (token_digest(token), account_id, now, now),
        )


async def session_account(
    db: Database, token: str, *, not_before: str
) -> tuple[int, str] | None:
    """The account a live session belongs to and when it was last seen; sessions idle
    since `not_before` are over."""
    row = await db.fetch_one(
        "SELECT account_id, last_seen_at FROM sessions WHERE token_sha256 = ?"
        " AND last_seen_at >= ?",
        (token_digest(token), not_before),
    )
    return None if row is None else (int(row[0]), str(row[1]))


async def touch_session(db: Database, token: str) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE sessions SET last_seen_at = ? WHERE token_sha256 = ?",
            (now_text(), token_digest(token)),
        )


async def end_session(db: Database, token: str) -> None:
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM sessions WHERE token_sha256 = ?", (token_digest(token),))


async def end_other_sessions(db: Database, account_id: int, *, keep: str) -> None:
    """After a password change every other browser has to sign in again."""
    async with db.transaction() as tx:
        await tx.execute(
            "DELETE FROM sessions WHERE account_id = ? AND token_sha256 != ?",
            (account_id, token_digest(keep)),
        )
