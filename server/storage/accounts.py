"""Members of this instance: credentials, role and privacy choices."""

from __future__ import annotations

from dataclasses import dataclass

from server.clock import now_text
from server.storage.actors import NewActor, insert_actor
from server.storage.database import Database, Row

ROLES = ("member", "moderator", "admin")


class UsernameTaken(Exception):
    def __init__(self, username: str) -> None:
        super().__init__(f"the username {username!r} is taken")
        self.username = username


class EmailTaken(Exception):
    def __init__(self, email: str) -> None:
        super().__init__(f"the e-mail address {email!r} is already in use")
        self.email = email


@dataclass(frozen=True)
class Account:
    actor_id: int
    username: str
    email: str | None
    password_hash: str
    role: str
    approved: bool
    hide_network: bool
    noindex: bool
    default_visibility: str
    created_at: str
    suspended_at: str | None


_SELECT = (
    "SELECT a.actor_id, r.username, a.email, a.password_hash, a.role, a.approved,"
    " a.hide_network, a.noindex, a.default_visibility, a.created_at, a.suspended_at"
    " FROM accounts a JOIN actors r ON r.id = a.actor_id"
)


def _account(row: Row) -> Account:
    values = dict(row)
    for flag in ("approved", "hide_network", "noindex"):
        values[flag] = bool(values[flag])
    return Account(**values)


async def create_account(
    db: Database,
    actor: NewActor,
    *,
    password_hash: str,
    role: str,
    email: str | None,
    approved: bool,
) -> int:
    """Store the actor and its account together, or neither."""
    async with db.transaction() as tx:
        taken = await tx.execute_fetchall(
            "SELECT 1 FROM actors WHERE lower(username) = lower(?) AND lower(domain) = lower(?)",
            (actor.username, actor.domain),
        )
        if list(taken):
            raise UsernameTaken(actor.username)
        if email is not None:
            used = await tx.execute_fetchall(
                "SELECT 1 FROM accounts WHERE lower(email) = lower(?)", (email,)
            )
            if list(used):
                raise EmailTaken(email)
        actor_id = await insert_actor(tx, actor)
        await tx.execute(
            "INSERT INTO accounts (actor_id, email, password_hash, role, approved, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (actor_id, email, password_hash, role, int(approved), now_text()),
        )
    return actor_id


async def get_account_by_username(db: Database, username: str) -> Account | None:
    row = await db.fetch_one(
        f"{_SELECT} WHERE r.local = 1 AND lower(r.username) = lower(?)", (username,)
    )
    return None if row is None else _account(row)


async def get_account(db: Database, actor_id: int) -> Account | None:
    row = await db.fetch_one(f"{_SELECT} WHERE a.actor_id = ?", (actor_id,))
    return None if row is None else _account(row)


async def count_accounts(db: Database, *, role: str | None = None) -> int:
    if role is None:
        value = await db.fetch_value("SELECT count(*) FROM accounts WHERE approved = 1")
    else:
        value = await db.fetch_value(
            "SELECT count(*) FROM accounts WHERE approved = 1 AND role = ?", (role,)
        )
    return int(value)


async def set_network_hidden(db: Database, actor_id: int, hidden: bool) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE accounts SET hide_network = ? WHERE actor_id = ?", (int(hidden), actor_id)
        )


async def count_active_authors(db: Database, *, since: str) -> int:
    """Members who posted since `since`: NodeInfo's measure of activity, since
    Kinhaven keeps no log of sign-ins (members' comings and goings are private)."""
    value = await db.fetch_value(
        "SELECT count(DISTINCT p.actor_id) FROM posts p JOIN accounts a ON a.actor_id = p.actor_id"
        " WHERE p.local = 1 AND p.created_at >= ?",
        (since,),
    )
    return int(value)


async def set_suspended(db: Database, actor_id: int, suspended_at: str | None) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE accounts SET suspended_at = ? WHERE actor_id = ?", (suspended_at, actor_id)
        )


async def close_account(db: Database, actor_id: int) -> None:
    """A member deleted their account: posts, follows and sign-in go; the actor row and
    its key stay (marked deleted) so the Delete can still be signed and delivered."""
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO tombstones (uri, deleted_at) SELECT uri, ? FROM posts WHERE actor_id = ?"
            " ON CONFLICT DO NOTHING",
            (now_text(), actor_id),
        )
        await tx.execute("DELETE FROM posts WHERE actor_id = ?", (actor_id,))
        await tx.execute(
            "DELETE FROM follows WHERE follower_id = ? OR followee_id = ?", (actor_id, actor_id)
        )
        await tx.execute("DELETE FROM access_tokens WHERE account_id = ?", (actor_id,))
        await tx.execute(
            "UPDATE accounts SET password_hash = '', email = NULL, approved = 0"
            " WHERE actor_id = ?",
            (actor_id,),
        )
        await tx.execute(
            "UPDATE actors SET deleted_at = ?, display_name = '', summary_html = ''"
            " WHERE id = ?",
            (now_text(), actor_id),
        )
