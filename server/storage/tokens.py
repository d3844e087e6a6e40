"""OAuth bearer tokens. Only a SHA-256 of each token is kept, so a leaked database
does not hand out working credentials."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from server.clock import now_text
from server.storage.database import Database, Transaction


@dataclass(frozen=True)
class AccessToken:
    id: int
    account_id: int
    scopes: tuple[str, ...]
    label: str
    created_at: str
    app_id: int | None = None
    """The OAuth app the member authorized; None for a token made on the command line."""


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def insert_token(
    db: Database, *, token: str, account_id: int, scopes: tuple[str, ...], label: str,
    app_id: int | None = None,
) -> int:
    async with db.transaction() as tx:
        return await insert_token_in(tx, token=token, account_id=account_id, scopes=scopes,
                                     label=label, app_id=app_id)


async def insert_token_in(
    tx: Transaction, *, token: str, account_id: int, scopes: tuple[str, ...], label: str,
    app_id: int | None,
) -> int:
    """The insert inside a caller's transaction, for grants that must issue exactly once."""
    cursor = await tx.execute(
        "INSERT INTO access_tokens"
        " (token_sha256, account_id, scopes, label, created_at, app_id)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (token_digest(token), account_id, " ".join(scopes), label, now_text(), app_id),
    )
    assert cursor.lastrowid is not None
    return int(cursor.lastrowid)


async def find_token(db: Database, token: str) -> AccessToken | None:
    """The live token with this value, or None if unknown or revoked."""
    row = await db.fetch_one(
        "SELECT id, account_id, scopes, label, created_at, app_id FROM access_tokens"
        " WHERE token_sha256 = ? AND revoked_at IS NULL",
        (token_digest(token),),
    )
    if row is None:
        return None
    return AccessToken(
        id=row["id"],
        account_id=row["account_id"],
        scopes=tuple(row["scopes"].split()),
        label=row["label"],
        created_at=row["created_at"],
        app_id=row["app_id"],
    )


async def revoke_token(db: Database, token_id: int) -> bool:
    """Stop a token working for good; False if it was unknown or already revoked."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE access_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (now_text(), token_id),
        )
    return cursor.rowcount > 0
