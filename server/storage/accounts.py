"""Members of this instance: credentials, role and privacy choices."""

from __future__ import annotations

from dataclasses import dataclass

from server.clock import now_text
from server.storage import audit
from server.storage.actors import NewActor, insert_actor
from server.storage.database import Database, Row, Transaction

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
    suspended_until: str | None
    """When a suspension in force ends (see `server/storage/sanctions.py`)."""
    application_reason: str
    rules_accepted_at: str | None
    rejected_at: str | None
    rejection_reason: str
    break_until: str | None
    quiet_mode: bool

    @property
    def pending(self) -> bool:
        """An application nobody has decided on yet (a closed account has no password)."""
        return not self.approved and self.rejected_at is None and self.password_hash != ""

    @property
    def suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > now_text()

    @property
    def can_moderate(self) -> bool:
        return self.role in ("moderator", "admin")


_SELECT = (
    "SELECT a.actor_id, r.username, a.email, a.password_hash, a.role, a.approved,"
    " a.hide_network, a.noindex, a.default_visibility, a.created_at, r.suspended_until,"
    " a.application_reason, a.rules_accepted_at, a.rejected_at, a.rejection_reason,"
    " a.break_until, a.quiet_mode"
    " FROM accounts a JOIN actors r ON r.id = a.actor_id"
)


def _account(row: Row) -> Account:
    values = dict(row)
    for flag in ("approved", "hide_network", "noindex", "quiet_mode"):
        values[flag] = bool(values[flag])
    return Account(**values)


class InviteInvalid(Exception):
    """The invite code is unknown, used up or expired."""


@dataclass(frozen=True)
class Application:
    """What a person sends when they apply: their reason, the rules accepted, an invite."""

    reason: str = ""
    rules_accepted: bool = False
    invite_code: str | None = None


async def create_account(
    db: Database,
    actor: NewActor,
    *,
    password_hash: str,
    role: str,
    email: str | None,
    approved: bool,
    application: Application | None = None,
) -> int:
    """Store the actor and its account together, or neither (an invite is used up in the
    same transaction, so two people cannot both take its last use)."""
    application = application or Application()
    now = now_text()
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
        invite_id = None
        if application.invite_code is not None:
            cursor = await tx.execute(
                "UPDATE invites SET uses = uses + 1 WHERE code = ?"
                " AND (max_uses IS NULL OR uses < max_uses)"
                " AND (expires_at IS NULL OR expires_at > ?) RETURNING id",
                (application.invite_code, now),
            )
            row = await cursor.fetchone()
            if row is None:
                raise InviteInvalid(application.invite_code)
            invite_id = int(row[0])
        actor_id = await insert_actor(tx, actor)
        await tx.execute(
            "INSERT INTO accounts (actor_id, email, password_hash, role, approved, created_at,"
            " application_reason, rules_accepted_at, invite_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                actor_id, email, password_hash, role, int(approved), now,
                application.reason, now if application.rules_accepted else None, invite_id,
            ),
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


async def contact_admin_id(db: Database) -> int | None:
    """The admin who has run the instance longest and may still act: whom the instance
    names for people to contact, as Mastodon's contact account."""
    value = await db.fetch_value(
        "SELECT a.actor_id FROM accounts a JOIN actors r ON r.id = a.actor_id"
        " WHERE a.role = 'admin' AND a.approved = 1 AND r.deleted_at IS NULL"
        " AND (r.suspended_until IS NULL OR r.suspended_until <= ?)"
        " ORDER BY a.created_at, a.actor_id LIMIT 1", (now_text(),))
    return None if value is None else int(value)


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
        await tx.execute("DELETE FROM sessions WHERE account_id = ?", (actor_id,))
        await tx.execute(
            "UPDATE accounts SET password_hash = '', email = NULL, approved = 0, bio_source = ''"
            " WHERE actor_id = ?",
            (actor_id,),
        )
        await tx.execute(
            "UPDATE actors SET deleted_at = ?, display_name = '', summary_html = '',"
            " icon_url = NULL, icon_media_type = NULL WHERE id = ?",
            (now_text(), actor_id),
        )


async def pending_applications(db: Database) -> list[Account]:
    rows = await db.fetch_all(
        f"{_SELECT} WHERE a.approved = 0 AND a.rejected_at IS NULL AND a.password_hash != ''"
        " AND r.deleted_at IS NULL ORDER BY a.created_at"
    )
    return [_account(row) for row in rows]


async def decide_application(
    db: Database, actor_id: int, *, approve: bool, reviewer_id: int, reviewer_name: str,
    reason: str,
) -> bool:
    """Approve or reject a pending application; False when it was not pending (someone
    else decided first), so a decision is never made twice. The audit log records it in
    the same transaction."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE accounts SET approved = ?, rejected_at = ?, rejection_reason = ?,"
            " reviewed_by = ? WHERE actor_id = ? AND approved = 0 AND rejected_at IS NULL"
            " AND password_hash != ''",
            (int(approve), None if approve else now_text(), "" if approve else reason,
             reviewer_id, actor_id),
        )
        if cursor.rowcount != 1:
            return False
        rows = await tx.execute_fetchall("SELECT username FROM actors WHERE id = ?", (actor_id,))
        await audit.append(
            tx, actor_id=reviewer_id, actor_name=reviewer_name,
            action="application.approve" if approve else "application.reject",
            target=f"@{next(iter(rows))[0]}", reason=reason,
        )
        return True


async def set_password_hash(db: Database, actor_id: int, password_hash: str) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE accounts SET password_hash = ? WHERE actor_id = ?", (password_hash, actor_id)
        )


@dataclass(frozen=True)
class PrivacyChoices:
    manually_approves_followers: bool
    discoverable: bool
    noindex: bool
    hide_network: bool
    default_visibility: str
    quiet_mode: bool


async def set_privacy(db: Database, actor_id: int, choices: PrivacyChoices) -> None:
    async with db.transaction() as tx:
        await write_privacy(tx, actor_id, choices)


async def write_privacy(tx: Transaction, actor_id: int, choices: PrivacyChoices) -> None:
    """The choices, inside a transaction the caller holds (with other changes)."""
    await tx.execute(
        "UPDATE accounts SET noindex = ?, hide_network = ?, default_visibility = ?,"
        " quiet_mode = ? WHERE actor_id = ?",
        (int(choices.noindex), int(choices.hide_network), choices.default_visibility,
         int(choices.quiet_mode), actor_id),
    )
    await tx.execute(
        "UPDATE actors SET manually_approves_followers = ?, discoverable = ?, updated_at = ?"
        " WHERE id = ?",
        (int(choices.manually_approves_followers), int(choices.discoverable), now_text(),
         actor_id),
    )


UNTIL_I_COME_BACK = "9999-12-31T23:59:59.999Z"
"""`break_until` for a break with no end date: later than any real moment."""


def on_break(account: Account, *, at: str | None = None) -> bool:
    """Whether the member is taking a break now (or at the timestamp `at`)."""
    return account.break_until is not None and account.break_until > (at or now_text())


async def set_break(db: Database, actor_id: int, until: str | None) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE accounts SET break_until = ? WHERE actor_id = ?", (until, actor_id)
        )


async def list_members(db: Database, *, after: str | None = None, limit: int = 50
                       ) -> list[Account]:
    """Approved, open accounts by username, for the team's member list."""
    rows = await db.fetch_all(
        f"{_SELECT} WHERE a.approved = 1 AND r.deleted_at IS NULL"
        " AND (? IS NULL OR lower(r.username) > lower(?)) ORDER BY lower(r.username) LIMIT ?",
        (after, after, limit),
    )
    return [_account(row) for row in rows]


class LastAdmin(Exception):
    """The instance would be left without an admin."""


async def set_role(db: Database, actor_id: int, role: str, *, by_id: int, by_name: str) -> None:
    """Change a member's role, recorded in the audit log; the last admin stays admin."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    async with db.transaction() as tx:
        rows = list(await tx.execute_fetchall(
            "SELECT a.role, r.username FROM accounts a JOIN actors r ON r.id = a.actor_id"
            " WHERE a.actor_id = ? AND a.approved = 1", (actor_id,)))
        if not rows:
            raise LookupError(actor_id)
        current, username = rows[0]
        if current == role:
            return
        if current == "admin":
            admins = list(await tx.execute_fetchall(
                "SELECT count(*) FROM accounts WHERE role = 'admin' AND approved = 1"))
            if admins[0][0] <= 1:
                raise LastAdmin()
        await tx.execute("UPDATE accounts SET role = ? WHERE actor_id = ?", (role, actor_id))
        await audit.append(tx, actor_id=by_id, actor_name=by_name, action="role.change",
                           target=f"@{username}", reason=f"{current} → {role}")
