"""Domain policy rows (blocks, allows, the federation mode) and the record of the
moderation pipeline's decisions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from moderation.domains import (
    FEDERATION_MODES,
    NOOP,
    SEVERITIES,
    SUSPEND,
    candidate_names,
    normalize_domain,
)
from server.clock import now_text
from server.storage import audit
from server.storage.database import Database, Transaction
from server.storage.generations import GenerationCache

GENERATION_SETTING = "domain_policy_generation"
"""Bumped by triggers on every change to the domain tables, whoever makes it (the
`kinhaven domain` command in another process included)."""
FEDERATION_MODE_SETTING = "federation_mode"
REJECT_MEDIA = "reject-media"
"""The command line's word for a policy of severity noop that rejects media."""


class InvalidPolicy(ValueError):
    """A severity or federation mode that does not exist."""


@dataclass(frozen=True)
class DomainPolicy:
    domain: str
    severity: str
    reject_media: bool = False
    reject_reports: bool = False
    force_sensitive: bool = False
    public_comment: str = ""
    private_comment: str = ""
    obfuscate: bool = False
    created_at: str = ""


@dataclass(frozen=True)
class DomainAllow:
    domain: str
    created_at: str


@dataclass(frozen=True)
class _Snapshot:
    blocks: dict[str, DomainPolicy]
    allows: frozenset[str]
    mode: str | None


_COLUMNS = ("domain, severity, reject_media, reject_reports, force_sensitive, public_comment,"
            " private_comment, obfuscate, created_at")


def _policy(row: Sequence[object]) -> DomainPolicy:
    return DomainPolicy(str(row[0]), str(row[1]), bool(row[2]), bool(row[3]), bool(row[4]),
                        str(row[5]), str(row[6]), bool(row[7]), str(row[8]))


async def _read_snapshot(db: Database) -> _Snapshot:
    blocks = {str(row[0]): _policy(row)
              for row in await db.fetch_all(f"SELECT {_COLUMNS} FROM domain_blocks")}
    allows = frozenset(str(row[0]) for row in await db.fetch_all(
        "SELECT domain FROM domain_allows"))
    mode = await db.fetch_value("SELECT value FROM instance_settings WHERE key = ?",
                                (FEDERATION_MODE_SETTING,))
    return _Snapshot(blocks, allows, None if mode is None else str(mode))


_SNAPSHOTS = GenerationCache(GENERATION_SETTING, _read_snapshot,
                             also_watch=(FEDERATION_MODE_SETTING,))
"""Checked on every inbound request and delivery, so policy is answered from a copy of
both tables (thousands of rows are a few hundred kilobytes) rather than a query."""


async def _snapshot(db: Database) -> _Snapshot:
    return await _SNAPSHOTS.get(db)


def _invalidate(db: Database) -> None:
    _SNAPSHOTS.changed(db)


async def domain_policies(db: Database, domains: Sequence[str]) -> dict[str, DomainPolicy]:
    blocks = (await _snapshot(db)).blocks
    return {d: blocks[d] for d in (x.lower() for x in domains) if d in blocks}


async def domain_severities(db: Database, domains: Sequence[str]) -> dict[str, str]:
    return {d: p.severity for d, p in (await domain_policies(db, domains)).items()}


async def allowed_domains(db: Database, domains: Sequence[str]) -> set[str]:
    allows = (await _snapshot(db)).allows
    return {d for d in (x.lower() for x in domains) if d in allows}


async def federation_mode(db: Database, default: str) -> str:
    """The admins' choice if they made one, else `default` (KINHAVEN_FEDERATION_MODE)."""
    mode = (await _snapshot(db)).mode
    return mode if mode in FEDERATION_MODES else default


async def set_federation_mode(db: Database, mode: str | None, *, by_id: int | None,
                              by_name: str, reason: str = "") -> None:
    """Record the admins' choice, audited; None goes back to the configured default."""
    if mode is not None and mode not in FEDERATION_MODES:
        raise InvalidPolicy(f"the federation mode is open or allowlist, not {mode!r}")
    async with db.transaction() as tx:
        if mode is None:
            await tx.execute("DELETE FROM instance_settings WHERE key = ?",
                             (FEDERATION_MODE_SETTING,))
        else:
            await tx.execute(
                "INSERT INTO instance_settings (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (FEDERATION_MODE_SETTING, mode))
        await audit.append(tx, actor_id=by_id, actor_name=by_name, action="federation.mode",
                           target=mode or "the configured default", reason=reason)
    _invalidate(db)


async def _sever_follows(tx: Transaction, domain: str) -> int:
    """Delete follows either way between local actors and any actor the rule covers."""
    rows = await tx.execute_fetchall("SELECT DISTINCT domain FROM actors WHERE local = 0")
    covered = [str(row[0]) for row in rows if domain in candidate_names(str(row[0]))]
    severed = 0
    for start in range(0, len(covered), 500):
        chunk = covered[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        remote = f"SELECT id FROM actors WHERE local = 0 AND domain IN ({marks})"
        cursor = await tx.execute(
            f"DELETE FROM follows WHERE follower_id IN ({remote}) OR followee_id IN ({remote})",
            (*chunk, *chunk))
        severed += cursor.rowcount
    return severed


def _described(policy: DomainPolicy, severed: int) -> str:
    """What the audit log says was recorded: `bad.example: suspend, reject_media (2 follows
    severed)`."""
    flags = [name for name in ("reject_media", "reject_reports", "force_sensitive", "obfuscate")
             if getattr(policy, name)]
    follows = "1 follow" if severed == 1 else f"{severed} follows"
    note = f" ({follows} severed)" if policy.severity == SUSPEND else ""
    return f"{policy.domain}: {', '.join([policy.severity, *flags])}{note}"


def _why(public: str, private: str) -> str:
    return "; ".join(text for text in (public and f"public: {public}",
                                       private and f"private: {private}") if text)


async def block_domain(
    db: Database, domain: str, *, severity: str, reason: str = "", private_reason: str = "",
    reject_media: bool = False, reject_reports: bool = False, force_sensitive: bool = False,
    obfuscate: bool = False, by_id: int | None, by_name: str,
) -> int:
    """Record (or replace) the policy for `domain`, audited; `reason` is the public
    comment. A suspension also severs follows with the domain both ways, in the same
    transaction, sending nothing (as Mastodon does). Returns how many were severed."""
    if severity == REJECT_MEDIA:
        severity, reject_media = NOOP, True
    if severity not in SEVERITIES:
        raise InvalidPolicy(f"the severity is suspend, limit or {REJECT_MEDIA}, not {severity!r}")
    policy = DomainPolicy(normalize_domain(domain), severity, reject_media, reject_reports,
                          force_sensitive, reason, private_reason, obfuscate, now_text())
    async with db.transaction() as tx:
        known = await tx.execute_fetchall("SELECT 1 FROM domain_blocks WHERE domain = ?",
                                          (policy.domain,))
        severed = await _upsert(tx, policy)
        await audit.append(tx, actor_id=by_id, actor_name=by_name,
                           action="domain.update" if known else "domain.block",
                           target=_described(policy, severed),
                           reason=_why(reason, private_reason))
    _invalidate(db)
    return severed


async def _upsert(tx: Transaction, policy: DomainPolicy) -> int:
    await tx.execute(
        f"INSERT INTO domain_blocks ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (domain) DO UPDATE SET severity = excluded.severity,"
        " reject_media = excluded.reject_media, reject_reports = excluded.reject_reports,"
        " force_sensitive = excluded.force_sensitive, public_comment = excluded.public_comment,"
        " private_comment = excluded.private_comment, obfuscate = excluded.obfuscate",
        (policy.domain, policy.severity, int(policy.reject_media), int(policy.reject_reports),
         int(policy.force_sensitive), policy.public_comment, policy.private_comment,
         int(policy.obfuscate), policy.created_at),
    )
    return await _sever_follows(tx, policy.domain) if policy.severity == SUSPEND else 0


async def import_blocks(db: Database, policies: Sequence[DomainPolicy], *, by_id: int | None,
                        by_name: str, source: str = "") -> list[DomainPolicy]:
    """Record the policies in one transaction, skipping (as Mastodon's import does) any
    domain a recorded policy already covers, itself or a parent. Each one recorded is
    audited on its own, as Mastodon logs each block of a batch, so the log can always
    say who blocked a domain. Returns those recorded."""
    for policy in policies:
        if policy.severity not in SEVERITIES:
            raise InvalidPolicy(f"the severity is suspend, limit or noop, not {policy.severity!r}")
    recorded = []
    async with db.transaction() as tx:
        rows = await tx.execute_fetchall("SELECT domain FROM domain_blocks")
        known = {str(row[0]) for row in rows}
        for given in policies:
            policy = replace(given, domain=normalize_domain(given.domain))
            if known.intersection(candidate_names(policy.domain)):
                continue
            severed = await _upsert(tx, policy)
            await audit.append(tx, actor_id=by_id, actor_name=by_name, action="domain.import",
                               target=_described(policy, severed),
                               reason="; ".join(filter(None, (
                                   _why(policy.public_comment, ""),
                                   source and f"imported from {source}"))))
            known.add(policy.domain)
            recorded.append(policy)
    _invalidate(db)
    return recorded


async def _delete(db: Database, table: str, domain: str, *, action: str, by_id: int | None,
                  by_name: str, reason: str) -> bool:
    """Delete the row and audit it in one transaction; nothing is logged if there was none."""
    name = normalize_domain(domain)
    async with db.transaction() as tx:
        cursor = await tx.execute(f"DELETE FROM {table} WHERE domain = ?", (name,))
        if cursor.rowcount > 0:
            await audit.append(tx, actor_id=by_id, actor_name=by_name, action=action,
                               target=name, reason=reason)
    _invalidate(db)
    return cursor.rowcount > 0


async def unblock_domain(db: Database, domain: str, *, by_id: int | None, by_name: str,
                         reason: str = "") -> bool:
    """Remove the policy recorded for exactly `domain`, audited; False if there was none."""
    return await _delete(db, "domain_blocks", domain, action="domain.unblock", by_id=by_id,
                         by_name=by_name, reason=reason)


async def allow_domain(db: Database, domain: str, *, by_id: int | None, by_name: str,
                       reason: str = "") -> bool:
    """Put `domain` (and so its subdomains) on the allowlist, audited; False (and nothing
    logged) if it was already."""
    name = normalize_domain(domain)
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO domain_allows (domain, created_at) VALUES (?, ?)"
            " ON CONFLICT (domain) DO NOTHING", (name, now_text()))
        if cursor.rowcount > 0:
            await audit.append(tx, actor_id=by_id, actor_name=by_name, action="domain.allow",
                               target=name, reason=reason)
    _invalidate(db)
    return cursor.rowcount > 0


async def disallow_domain(db: Database, domain: str, *, by_id: int | None, by_name: str,
                          reason: str = "") -> bool:
    return await _delete(db, "domain_allows", domain, action="domain.disallow", by_id=by_id,
                         by_name=by_name, reason=reason)


async def list_blocks(db: Database, *, after: str | None = None,
                      limit: int | None = None) -> list[DomainPolicy]:
    """In domain order; `after` and `limit` page through long lists (shared block lists
    run to thousands of domains)."""
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM domain_blocks WHERE (? IS NULL OR domain > ?)"
        " ORDER BY domain LIMIT ?", (after, after, -1 if limit is None else limit))
    return [_policy(row) for row in rows]


async def count_blocks(db: Database) -> int:
    return int(await db.fetch_value("SELECT count(*) FROM domain_blocks"))


async def list_allows(db: Database) -> list[DomainAllow]:
    rows = await db.fetch_all("SELECT domain, created_at FROM domain_allows ORDER BY domain")
    return [DomainAllow(str(row[0]), str(row[1])) for row in rows]
