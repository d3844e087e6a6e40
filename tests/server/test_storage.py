from __future__ import annotations

from pathlib import Path

import pytest

from server.accounts import InvalidAccount, create_member, issue_token
from server.config import Settings
from server.instance import prepare_instance
from server.passwords import verify_password
from server.storage.accounts import (
    EmailTaken,
    UsernameTaken,
    count_accounts,
    get_account_by_username,
)
from server.storage.database import Database, migrate
from server.storage.tokens import find_token


@pytest.fixture
async def db(tmp_path: Path) -> Database:
    database = await Database.open(tmp_path / "k.sqlite3")
    yield database  # type: ignore[misc]
    await database.close()


def settings_for(tmp_path: Path) -> Settings:
    return Settings(domain="kin.example", database=tmp_path / "k.sqlite3")


async def test_wal_mode_and_idempotent_migrations(db: Database) -> None:
    first = await migrate(db)
    assert first[:2] == ["0001_initial.sql", "0002_federation.sql"]
    assert first == sorted(first) and "0004_media.sql" in first
    assert await migrate(db) == []
    assert await db.fetch_value("PRAGMA journal_mode") == "wal"
    assert await db.fetch_value("PRAGMA foreign_keys") == 1
    tables = {row[0] for row in await db.fetch_all("SELECT name FROM sqlite_master")}
    for table in ("actors", "accounts", "posts", "follows", "likes", "boosts", "mentions",
                  "notifications", "inbound_activities", "delivery_jobs", "access_tokens"):
        assert table in tables


async def test_instance_preparation_is_stable(db: Database, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    first = await prepare_instance(db, settings)
    second = await prepare_instance(db, settings)
    assert first.secret_key == second.secret_key
    assert len(first.secret_key) >= 32
    assert first.actor.uri == "https://kin.example/actor"
    assert first.actor.private_key_pem == second.actor.private_key_pem


async def test_member_creation_hashes_and_validates(db: Database, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    await prepare_instance(db, settings)
    await create_member(db, settings, username="Alice", password="a long password",
                        email="a@example.org")
    account = await get_account_by_username(db, "alice")
    assert account is not None
    assert account.username == "Alice"
    assert account.password_hash.startswith("$argon2id$")
    assert verify_password(account.password_hash, "a long password")
    assert not verify_password(account.password_hash, "a wrong password")
    assert account.role == "member"
    assert account.default_visibility == "local"
    with pytest.raises(UsernameTaken):
        await create_member(db, settings, username="ALICE", password="a long password")
    with pytest.raises(EmailTaken):
        await create_member(db, settings, username="bob", password="a long password",
                            email="A@EXAMPLE.ORG")
    for bad in ({"username": "no spaces"}, {"username": "x" * 31}, {"password": "short"},
                {"role": "king"}, {"email": "not-an-address"}):
        values = {"username": "carol", "password": "a long password", **bad}
        with pytest.raises(InvalidAccount):
            await create_member(db, settings, **values)  # type: ignore[arg-type]
    assert await count_accounts(db) == 1, "refused accounts leave nothing behind"


async def test_tokens_are_stored_hashed(db: Database, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    await prepare_instance(db, settings)
    actor_id = await create_member(db, settings, username="alice", password="a long password")
    token = await issue_token(db, account_id=actor_id, scopes=("read", "write"), label="test")
    stored = await db.fetch_all("SELECT token_sha256 FROM access_tokens")
    assert token not in {row[0] for row in stored}
    found = await find_token(db, token)
    assert found is not None
    assert found.account_id == actor_id
    assert found.scopes == ("read", "write")
    assert await find_token(db, token + "x") is None
