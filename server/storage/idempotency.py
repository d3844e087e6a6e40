"""Idempotency keys: the status a client's `Idempotency-Key` made, for an hour.

Mastodon keeps a key for an hour, so an app that retries a post after a dropped answer
gets the status it already made instead of posting twice. Expired keys are swept when
a new one is kept.
"""

from __future__ import annotations

from datetime import timedelta

from server.clock import now, to_text
from server.storage.database import Database

KEPT_FOR = timedelta(hours=1)


def _cutoff() -> str:
    return to_text(now() - KEPT_FOR)


async def post_for_key(db: Database, account_id: int, key: str) -> int | None:
    """The post this key made in the last hour, if it still exists."""
    value = await db.fetch_value(
        "SELECT post_id FROM idempotency_keys WHERE account_id = ? AND key = ?"
        " AND created_at > ?", (account_id, key, _cutoff()))
    return None if value is None else int(value)


async def remember_key(db: Database, account_id: int, key: str, post_id: int) -> None:
    """Keep the key for the post it made, replacing an expired use of the same key."""
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM idempotency_keys WHERE created_at <= ?", (_cutoff(),))
        await tx.execute(
            "INSERT INTO idempotency_keys (account_id, key, post_id, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (account_id, key, post_id, to_text(now())))
