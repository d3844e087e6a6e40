"""The instance's rules and invite codes: what a person meets when they apply."""

from __future__ import annotations

from dataclasses import dataclass

from server.clock import now_text
from server.storage.database import Database


@dataclass(frozen=True)
class Rule:
    id: int
    text: str


@dataclass(frozen=True)
class Invite:
    id: int
    code: str
    max_uses: int | None
    uses: int
    expires_at: str | None
    created_at: str


async def list_rules(db: Database) -> list[Rule]:
    rows = await db.fetch_all("SELECT id, text FROM instance_rules ORDER BY position, id")
    return [Rule(int(row[0]), str(row[1])) for row in rows]


async def replace_rules(db: Database, texts: list[str]) -> None:
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM instance_rules")
        await tx.executemany(
            "INSERT INTO instance_rules (position, text) VALUES (?, ?)",
            list(enumerate(texts)),
        )


async def create_invite(
    db: Database, *, code: str, created_by: int, max_uses: int | None, expires_at: str | None
) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO invites (code, created_by, max_uses, expires_at, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (code, created_by, max_uses, expires_at, now_text()),
        )


async def list_invites(db: Database) -> list[Invite]:
    rows = await db.fetch_all(
        "SELECT id, code, max_uses, uses, expires_at, created_at FROM invites ORDER BY id DESC"
    )
    return [Invite(*row) for row in rows]
