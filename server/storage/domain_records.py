"""Domain blocks and allows as numbered records, the way Mastodon's admin API names them.

Changes go through `server.storage.policy` (which audits them); this module only reads.
The number is the row's SQLite rowid: replacing a block's policy keeps it (an upsert
is an update), and removing a block and making it again gives a new one, as in
Mastodon. A rowid is not an INTEGER PRIMARY KEY, so a table rebuild or VACUUM could
renumber the rows: any migration that rebuilds these tables must copy the rowid.
"""

from __future__ import annotations

from dataclasses import dataclass

from moderation.domains import candidate_names
from server.storage.database import Database, Row
from server.storage.paging import IdWindow, fetch_window
from server.storage.policy import DomainAllow, DomainPolicy

_BLOCK = ("SELECT rowid, domain, severity, reject_media, reject_reports, force_sensitive,"
          " public_comment, private_comment, obfuscate, created_at FROM domain_blocks")
_ALLOW = "SELECT rowid, domain, created_at FROM domain_allows"


@dataclass(frozen=True)
class NumberedBlock:
    id: int
    policy: DomainPolicy


@dataclass(frozen=True)
class NumberedAllow:
    id: int
    allow: DomainAllow


def _block(row: Row) -> NumberedBlock:
    return NumberedBlock(int(row[0]), DomainPolicy(
        domain=str(row[1]), severity=str(row[2]), reject_media=bool(row[3]),
        reject_reports=bool(row[4]), force_sensitive=bool(row[5]), public_comment=str(row[6]),
        private_comment=str(row[7]), obfuscate=bool(row[8]), created_at=str(row[9])))


def _allow(row: Row) -> NumberedAllow:
    return NumberedAllow(int(row[0]), DomainAllow(domain=str(row[1]), created_at=str(row[2])))


async def get_block(db: Database, block_id: int) -> NumberedBlock | None:
    row = await db.fetch_one(f"{_BLOCK} WHERE rowid = ?", (block_id,))
    return None if row is None else _block(row)


async def block_for(db: Database, domain: str) -> NumberedBlock | None:
    """The block recorded for exactly `domain` (already normalized)."""
    row = await db.fetch_one(f"{_BLOCK} WHERE domain = ?", (domain,))
    return None if row is None else _block(row)


async def covering_block(db: Database, domain: str) -> NumberedBlock | None:
    """The most specific block covering `domain`, itself or a parent domain."""
    names = candidate_names(domain)
    marks = ", ".join("?" for _ in names)
    rows = await db.fetch_all(f"{_BLOCK} WHERE domain IN ({marks})", names)
    found = {block.policy.domain: block for block in map(_block, rows)}
    return next((found[name] for name in names if name in found), None)


async def page_blocks(db: Database, window: IdWindow) -> list[NumberedBlock]:
    return [_block(row) for row in await fetch_window(db, _BLOCK, key="rowid", window=window)]


async def get_allow(db: Database, allow_id: int) -> NumberedAllow | None:
    row = await db.fetch_one(f"{_ALLOW} WHERE rowid = ?", (allow_id,))
    return None if row is None else _allow(row)


async def allow_for(db: Database, domain: str) -> NumberedAllow | None:
    row = await db.fetch_one(f"{_ALLOW} WHERE domain = ?", (domain,))
    return None if row is None else _allow(row)


async def page_allows(db: Database, window: IdWindow) -> list[NumberedAllow]:
    return [_allow(row) for row in await fetch_window(db, _ALLOW, key="rowid", window=window)]
