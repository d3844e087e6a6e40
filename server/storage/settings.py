"""Instance-wide key/value settings kept in the database (secret key, admin choices)."""

from __future__ import annotations

from server.storage.database import Database


async def get_setting(db: Database, key: str) -> str | None:
    value = await db.fetch_value("SELECT value FROM instance_settings WHERE key = ?", (key,))
    return None if value is None else str(value)


async def set_setting(db: Database, key: str, value: str) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO instance_settings (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


async def get_or_create_setting(db: Database, key: str, make: str) -> str:
    """Store `make` under `key` unless a value is there already; return what is stored."""
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO instance_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            (key, make),
        )
    value = await get_setting(db, key)
    assert value is not None
    return value
