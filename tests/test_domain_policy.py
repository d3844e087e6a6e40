"""Domain policy: the pipeline's verdicts per rule, and the rows behind them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from moderation.candidate import Candidate, Direction
from moderation.domains import (
    InvalidDomain,
    RecordedPolicy,
    domain_policies,
    federates_with,
    normalize_domain,
    rejects_media,
)
from moderation.pipeline import Action, Decision, Pipeline
from server.storage import audit, generations
from server.storage import policy as policy_store
from server.storage.database import Database, _migrations, _statements, migrate
from server.storage.policy import DomainPolicy

OWN = "kin.example"


@dataclass
class Facts:
    blocks: dict[str, DomainPolicy] = field(default_factory=dict)
    allows: set[str] = field(default_factory=set)
    mode: str = "open"

    async def domain_policies(self, domains: Sequence[str]) -> Mapping[str, RecordedPolicy]:
        return {d: self.blocks[d] for d in domains if d in self.blocks}

    async def allowed_domains(self, domains: Sequence[str]) -> set[str]:
        return self.allows.intersection(domains)

    async def federation_mode(self) -> str:
        return self.mode


def facts(*policies: DomainPolicy, allows: Sequence[str] = (), mode: str = "open") -> Facts:
    return Facts({p.domain: p for p in policies}, set(allows), mode)


async def decide(facts: Facts, domain: str, *, kind: str = "Create",
                 direction: Direction = Direction.INBOUND) -> Decision:
    pipeline = Pipeline(domain_policies(facts, own_domain=OWN))
    return await pipeline.decide(Candidate(direction, kind, f"https://{domain}/u/a", domain))


async def test_suspend_rejects_both_ways_and_covers_subdomains() -> None:
    rules = facts(DomainPolicy("bad.example", "suspend"))
    for direction in Direction:
        decision = await decide(rules, "social.bad.example", direction=direction)
        assert decision.action is Action.REJECT
        assert decision.policy == "domain-suspend"
        assert "social.bad.example" in decision.reason
    assert (await decide(rules, "notbad.example")).action is Action.ACCEPT
    assert (await decide(rules, "bad.example.org")).action is Action.ACCEPT


async def test_limit_media_and_sensitive_rewrite_inbound_only() -> None:
    rules = facts(DomainPolicy("meh.example", "limit", reject_media=True, force_sensitive=True),
                  DomainPolicy("pics.example", "noop", reject_media=True))
    decision = await decide(rules, "a.meh.example")
    assert decision.action is Action.REWRITE and decision.allowed
    assert decision.rewrites == ("limited", "strip_media", "sensitive")
    assert decision.policy == "domain-rewrite"
    assert (await decide(rules, "pics.example")).rewrites == ("strip_media",)
    outbound = await decide(rules, "meh.example", direction=Direction.OUTBOUND)
    assert outbound.action is Action.ACCEPT, "a limited domain still receives our posts"
    assert (await decide(facts(DomainPolicy("quiet.example", "noop")), "quiet.example")
            ).action is Action.ACCEPT


async def test_reject_reports_refuses_flags_only() -> None:
    rules = facts(DomainPolicy("noisy.example", "noop", reject_reports=True))
    flag = await decide(rules, "noisy.example", kind="Flag")
    assert flag.action is Action.REJECT and flag.policy == "domain-reports"
    assert (await decide(rules, "noisy.example")).action is Action.ACCEPT
    assert (await decide(rules, "other.example", kind="Flag")).action is Action.ACCEPT


async def test_allowlist_mode_refuses_the_rest_both_ways() -> None:
    rules = facts(DomainPolicy("bad.friends.example", "suspend"),
                  allows=["friends.example"], mode="allowlist")
    for direction in Direction:
        refused = await decide(rules, "stranger.example", direction=direction)
        assert refused.action is Action.REJECT and refused.policy == "domain-allowlist"
    assert (await decide(rules, "friends.example")).action is Action.ACCEPT
    assert (await decide(rules, "sub.friends.example")).action is Action.ACCEPT
    assert (await decide(rules, "bad.friends.example")).policy == "domain-suspend"
    assert await federates_with(rules, OWN, own_domain=OWN), "our own domain always"
    assert not await federates_with(rules, "stranger.example", own_domain=OWN)
    assert await rejects_media(rules, "stranger.example", own_domain=OWN)
    rules.mode = "open"
    assert (await decide(rules, "stranger.example")).action is Action.ACCEPT


def test_admins_input_normalizes() -> None:
    assert normalize_domain(" *.Bad.Example. ") == "bad.example"
    assert normalize_domain("bücher.example") == "xn--bcher-kva.example"
    assert normalize_domain("127.0.0.1:8443") == "127.0.0.1:8443"
    for bad in ("", "*.", "a b.example", "https://x.example/", "x..example", "-x.example",
                "x" * 300 + ".example", "bad\x1b[31m.example"):
        with pytest.raises(InvalidDomain):
            normalize_domain(bad)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "k.sqlite3")
    await migrate(database)
    yield database
    await database.close()


async def test_writes_apply_at_once_in_process(db: Database) -> None:
    assert await policy_store.domain_policies(db, ["bad.example"]) == {}
    await policy_store.block_domain(db, "*.Bad.example", severity="limit", reason="public",
                                    private_reason="ours", force_sensitive=True,
                                    by_id=None, by_name="tests")
    [stored] = (await policy_store.domain_policies(db, ["bad.example"])).values()
    assert (stored.severity, stored.force_sensitive) == ("limit", True)
    assert (stored.public_comment, stored.private_comment) == ("public", "ours")
    assert await policy_store.domain_severities(db, ["BAD.example"]) == {"bad.example": "limit"}
    await policy_store.block_domain(db, "bad.example", severity="reject-media",
                                    by_id=None, by_name="tests")
    [again] = await policy_store.list_blocks(db)
    assert (again.severity, again.reject_media, again.force_sensitive) == ("noop", True, False)
    assert await policy_store.unblock_domain(db, "bad.example", by_id=None, by_name="tests")
    assert not await policy_store.unblock_domain(db, "bad.example", by_id=None, by_name="tests")
    assert await policy_store.domain_policies(db, ["bad.example"]) == {}

    assert await policy_store.allow_domain(db, "friends.example", by_id=None, by_name="tests")
    assert not await policy_store.allow_domain(db, "FRIENDS.example", by_id=None, by_name="tests")
    assert await policy_store.allowed_domains(db, ["friends.example", "x"]) == {"friends.example"}
    assert [a.domain for a in await policy_store.list_allows(db)] == ["friends.example"]
    assert await policy_store.disallow_domain(db, "friends.example", by_id=None, by_name="tests")
    assert await policy_store.allowed_domains(db, ["friends.example"]) == set()
    with pytest.raises(policy_store.InvalidPolicy):
        await policy_store.block_domain(db, "x.example", severity="silence",
                                        by_id=None, by_name="tests")


async def test_federation_mode_admin_choice_wins_over_setting(db: Database) -> None:
    assert await policy_store.federation_mode(db, "open") == "open"
    await policy_store.set_federation_mode(db, "allowlist", by_id=None, by_name="tests")
    assert await policy_store.federation_mode(db, "open") == "allowlist"
    await policy_store.set_federation_mode(db, None, by_id=None, by_name="tests")
    assert await policy_store.federation_mode(db, "allowlist") == "allowlist"
    with pytest.raises(policy_store.InvalidPolicy):
        await policy_store.set_federation_mode(db, "closed", by_id=None, by_name="tests")


async def test_other_processes_changes_show_within_the_staleness_bound(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    assert await policy_store.domain_policies(db, ["bad.example"]) == {}
    async with db.transaction() as tx:  # as the `kinhaven domain` command would, elsewhere
        await tx.execute("INSERT INTO domain_blocks (domain, severity, created_at)"
                         " VALUES ('bad.example', 'suspend', 'now')")
        await tx.execute("INSERT INTO instance_settings (key, value) VALUES"
                         " ('federation_mode', 'allowlist')")
    assert await policy_store.domain_policies(db, ["bad.example"]) == {}, "snapshot still fresh"
    assert await policy_store.federation_mode(db, "open") == "open"
    monkeypatch.setattr(generations, "STALE_SECONDS", 0.0)
    assert "bad.example" in await policy_store.domain_policies(db, ["bad.example"])
    assert await policy_store.federation_mode(db, "open") == "allowlist"
    async with db.transaction() as tx:  # the mode alone changes: no trigger counts it
        await tx.execute("UPDATE instance_settings SET value = 'open'"
                         " WHERE key = 'federation_mode'")
    assert await policy_store.federation_mode(db, "allowlist") == "open"


async def _actor(db: Database, uri: str, domain: str, *, local: bool = False) -> int:
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO actors (uri, local, username, domain, inbox_uri, public_key_id,"
            " public_key_pem, private_key_pem, created_at, updated_at)"
            " VALUES (?, ?, 'u', ?, ?, ?, 'pem', ?, 'now', 'now')",
            (uri, int(local), domain, f"{uri}/inbox", f"{uri}#key", "pem" if local else None))
        assert cursor.lastrowid is not None
        return cursor.lastrowid


async def _follow(db: Database, follower: int, followee: int) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO follows (uri, follower_id, followee_id, state, created_at)"
                         " VALUES (?, ?, ?, 'accepted', 'now')",
                         (f"f/{follower}/{followee}", follower, followee))


async def test_suspension_severs_follows_both_ways(db: Database) -> None:
    ana = await _actor(db, "https://kin.example/users/ana", OWN, local=True)
    bad = await _actor(db, "https://social.bad.example:8443/u/b", "social.bad.example:8443")
    good = await _actor(db, "https://good.example/u/g", "good.example")
    for other in (bad, good):
        await _follow(db, ana, other)
        await _follow(db, other, ana)
    assert await policy_store.block_domain(db, "bad.example", severity="limit",
                                           by_id=None, by_name="tests") == 0
    assert await policy_store.block_domain(db, "bad.example", severity="suspend",
                                           by_id=None, by_name="tests") == 2
    rows = await db.fetch_all("SELECT follower_id, followee_id FROM follows ORDER BY id")
    assert [tuple(row) for row in rows] == [(ana, good), (good, ana)]


async def test_import_skips_covered_domains_in_one_go(db: Database) -> None:
    await policy_store.block_domain(db, "bad.example", severity="suspend",
                                    by_id=None, by_name="tests")
    recorded = await policy_store.import_blocks(db, [
        DomainPolicy("sub.bad.example", "noop"), DomainPolicy("new.example", "limit"),
        DomainPolicy("a.new.example", "suspend"), DomainPolicy("*.other.example", "suspend"),
    ], by_id=None, by_name="tests")
    assert [p.domain for p in recorded] == ["new.example", "other.example"]
    assert [p.domain for p in await policy_store.list_blocks(db)] == [
        "bad.example", "new.example", "other.example"]


async def test_every_change_is_audited_with_who_and_why(db: Database) -> None:
    mod = "@mod"
    await policy_store.block_domain(db, "bad.example", severity="limit", reason="Spam",
                                    private_reason="ticket 7", by_id=None, by_name=mod)
    await policy_store.block_domain(db, "bad.example", severity="suspend", by_id=None,
                                    by_name=mod)
    await policy_store.unblock_domain(db, "bad.example", reason="they apologised", by_id=None,
                                      by_name=mod)
    assert not await policy_store.unblock_domain(db, "bad.example", by_id=None, by_name=mod)
    for _ in range(2):
        await policy_store.allow_domain(db, "friends.example", by_id=None, by_name=mod)
    await policy_store.disallow_domain(db, "friends.example", by_id=None, by_name=mod)
    await policy_store.set_federation_mode(db, "allowlist", by_id=None, by_name=mod)
    await policy_store.import_blocks(db, [DomainPolicy("new.example", "noop", True)],
                                     source="shared.csv", by_id=None, by_name=mod)
    entries = [(e.actor_name, e.action, e.target, e.reason)
               for e in reversed(await audit.recent(db))]
    assert entries == [
        ("@mod", "domain.block", "bad.example: limit", "public: Spam; private: ticket 7"),
        ("@mod", "domain.update", "bad.example: suspend (0 follows severed)", ""),
        ("@mod", "domain.unblock", "bad.example", "they apologised"),
        ("@mod", "domain.allow", "friends.example", ""),
        ("@mod", "domain.disallow", "friends.example", ""),
        ("@mod", "federation.mode", "allowlist", ""),
        ("@mod", "domain.import", "new.example: noop, reject_media", "imported from shared.csv"),
    ], "a change that changes nothing is not logged"


async def test_a_failed_change_leaves_no_audit_entry(db: Database,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*_args: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(policy_store, "_sever_follows", broken)
    with pytest.raises(RuntimeError):
        await policy_store.block_domain(db, "bad.example", severity="suspend",
                                        by_id=None, by_name="@mod")
    assert await audit.recent(db) == [] and await policy_store.list_blocks(db) == []


async def test_blocks_are_listed_a_page_at_a_time_in_domain_order(db: Database) -> None:
    for name in ("c.example", "a.example", "b.example"):
        await policy_store.block_domain(db, name, severity="noop", by_id=None, by_name="tests")
    first = await policy_store.list_blocks(db, limit=2)
    assert [p.domain for p in first] == ["a.example", "b.example"]
    rest = await policy_store.list_blocks(db, after="b.example", limit=2)
    assert [p.domain for p in rest] == ["c.example"]
    assert await policy_store.count_blocks(db) == 3


async def test_reject_media_rows_survive_the_migration(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "old.sqlite3")
    try:
        async with db.transaction() as tx:
            await tx.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
                             " name TEXT NOT NULL, applied_at TEXT NOT NULL)")
            for version, name, script in _migrations():
                if version < 7:
                    for statement in _statements(script):
                        await tx.execute(statement)
                    await tx.execute("INSERT INTO schema_migrations VALUES (?, ?, 'then')",
                                     (version, name))
            await tx.execute("INSERT INTO domain_blocks (domain, severity, reason, created_at)"
                             " VALUES ('pics.example', 'reject-media', 'why', 'then'),"
                             " ('bad.example', 'suspend', '', 'then')")
        assert (await migrate(db))[0] == "0007_domain_policy.sql"
        blocks = {p.domain: p for p in await policy_store.list_blocks(db)}
        pics, bad = blocks["pics.example"], blocks["bad.example"]
        assert (pics.severity, pics.reject_media, pics.private_comment) == ("noop", True, "why")
        assert (bad.severity, bad.reject_media) == ("suspend", False)
    finally:
        await db.close()
