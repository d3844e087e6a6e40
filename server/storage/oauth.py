"""OAuth apps, authorization codes and app tokens.

Client secrets, codes and tokens are stored as SHA-256 digests only, as access tokens
are: a copy of the database gives nobody a working credential. A code is exchanged at
most once; the exchange and the token it issues are one transaction, so two requests
racing with the same code cannot both get a token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from server.clock import now, now_text, to_text
from server.storage.database import Database, Row
from server.storage.tokens import insert_token_in, token_digest

_APP_COLUMNS = ("id, client_id, client_secret_sha256, name, website, redirect_uris, scopes,"
                " created_at")


@dataclass(frozen=True)
class OAuthApp:
    id: int
    client_id: str
    client_secret_sha256: str
    name: str
    website: str | None
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    created_at: str


@dataclass(frozen=True)
class CodeGrant:
    """What a member allowed on the consent page, waiting for the app to exchange it."""

    id: int
    app_id: int
    account_id: int
    scopes: tuple[str, ...]
    redirect_uri: str
    code_challenge: str | None
    expires_at: str
    used_at: str | None


@dataclass(frozen=True)
class AppToken:
    """A token an app holds for itself (client credentials): no member behind it."""

    id: int
    app_id: int
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class AuthorizedApp:
    """An app a member has live tokens for, as their settings list it."""

    app: OAuthApp
    scopes: tuple[str, ...]
    last_authorized_at: str


def _app(row: Row) -> OAuthApp:
    return OAuthApp(
        id=row["id"], client_id=row["client_id"],
        client_secret_sha256=row["client_secret_sha256"], name=row["name"],
        website=row["website"], redirect_uris=tuple(row["redirect_uris"].split("\n")),
        scopes=tuple(row["scopes"].split()), created_at=row["created_at"],
    )


async def insert_app(db: Database, *, client_id: str, client_secret: str, name: str,
                     website: str | None, redirect_uris: tuple[str, ...],
                     scopes: tuple[str, ...]) -> OAuthApp:
    rows = await db.write_statement(
        "INSERT INTO oauth_apps (client_id, client_secret_sha256, name, website,"
        " redirect_uris, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        f" RETURNING {_APP_COLUMNS}",
        (client_id, token_digest(client_secret), name, website, "\n".join(redirect_uris),
         " ".join(scopes), now_text()),
    )
    return _app(rows[0])


async def find_app(db: Database, client_id: str) -> OAuthApp | None:
    row = await db.fetch_one(f"SELECT {_APP_COLUMNS} FROM oauth_apps WHERE client_id = ?",
                             (client_id,))
    return None if row is None else _app(row)


async def get_app(db: Database, app_id: int) -> OAuthApp | None:
    row = await db.fetch_one(f"SELECT {_APP_COLUMNS} FROM oauth_apps WHERE id = ?", (app_id,))
    return None if row is None else _app(row)


async def apps_by_id(db: Database, app_ids: Sequence[int]) -> dict[int, OAuthApp]:
    if not app_ids:
        return {}
    marks = ", ".join("?" * len(app_ids))
    rows = await db.fetch_all(
        f"SELECT {_APP_COLUMNS} FROM oauth_apps WHERE id IN ({marks})",
        list(app_ids))
    return {row["id"]: _app(row) for row in rows}


async def insert_code(db: Database, *, code: str, app_id: int, account_id: int,
                      scopes: tuple[str, ...], redirect_uri: str, code_challenge: str | None,
                      expires_at: str) -> None:
    """Keep a new code; codes that expired more than a day ago are swept on the way."""
    moment = now()
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM oauth_codes WHERE expires_at < ? AND used_at IS NULL",
                         (to_text(moment - timedelta(days=1)),))
        await tx.execute(
            "INSERT INTO oauth_codes (code_sha256, app_id, account_id, scopes, redirect_uri,"
            " code_challenge, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (token_digest(code), app_id, account_id, " ".join(scopes), redirect_uri,
             code_challenge, to_text(moment), expires_at),
        )


async def find_code(db: Database, code: str) -> CodeGrant | None:
    row = await db.fetch_one(
        "SELECT id, app_id, account_id, scopes, redirect_uri, code_challenge, expires_at,"
        " used_at FROM oauth_codes WHERE code_sha256 = ?", (token_digest(code),))
    if row is None:
        return None
    return CodeGrant(
        id=row["id"], app_id=row["app_id"], account_id=row["account_id"],
        scopes=tuple(row["scopes"].split()), redirect_uri=row["redirect_uri"],
        code_challenge=row["code_challenge"], expires_at=row["expires_at"],
        used_at=row["used_at"],
    )


async def exchange_code(db: Database, grant: CodeGrant, *, token: str, label: str) -> bool:
    """Mark the code used and issue its token; False if another request used it first."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE oauth_codes SET used_at = ? WHERE id = ? AND used_at IS NULL",
            (now_text(), grant.id))
        if cursor.rowcount == 0:
            return False
        token_id = await insert_token_in(tx, token=token, account_id=grant.account_id,
                                         scopes=grant.scopes, label=label,
                                         app_id=grant.app_id)
        await tx.execute("UPDATE oauth_codes SET token_id = ? WHERE id = ?",
                         (token_id, grant.id))
    return True


async def revoke_code_token(db: Database, grant_id: int) -> None:
    """A code presented twice may have been stolen: the token it gave stops working."""
    await db.write_statement(
        "UPDATE access_tokens SET revoked_at = ? WHERE revoked_at IS NULL"
        " AND id = (SELECT token_id FROM oauth_codes WHERE id = ?)", (now_text(), grant_id))


async def insert_app_token(db: Database, *, token: str, app_id: int,
                           scopes: tuple[str, ...]) -> None:
    await db.write_statement(
        "INSERT INTO oauth_app_tokens (token_sha256, app_id, scopes, created_at)"
        " VALUES (?, ?, ?, ?)", (token_digest(token), app_id, " ".join(scopes), now_text()))


async def find_app_token(db: Database, token: str) -> AppToken | None:
    row = await db.fetch_one(
        "SELECT id, app_id, scopes FROM oauth_app_tokens"
        " WHERE token_sha256 = ? AND revoked_at IS NULL", (token_digest(token),))
    if row is None:
        return None
    return AppToken(id=row["id"], app_id=row["app_id"], scopes=tuple(row["scopes"].split()))


async def token_app_id(db: Database, token: str) -> tuple[str, int | None] | None:
    """Which kind of live token this is and the app it belongs to: ("member", app id or
    None) for a member's token, ("app", app id) for an app's own, None if unknown."""
    digest = token_digest(token)
    row = await db.fetch_one(
        "SELECT 'member' AS kind, app_id FROM access_tokens"
        " WHERE token_sha256 = ? AND revoked_at IS NULL"
        " UNION ALL SELECT 'app', app_id FROM oauth_app_tokens"
        " WHERE token_sha256 = ? AND revoked_at IS NULL", (digest, digest))
    return None if row is None else (row["kind"], row["app_id"])


async def revoke_by_value(db: Database, token: str) -> None:
    """Revoke a member's or an app's token given its value (RFC 7009)."""
    digest = token_digest(token)
    moment = now_text()
    async with db.transaction() as tx:
        for table in ("access_tokens", "oauth_app_tokens"):
            await tx.execute(f"UPDATE {table} SET revoked_at = ?"
                             " WHERE token_sha256 = ? AND revoked_at IS NULL", (moment, digest))


async def authorized_apps(db: Database, account_id: int) -> list[AuthorizedApp]:
    """The apps a member has live tokens for, most recently authorized first."""
    rows = await db.fetch_all(
        f"SELECT {', '.join('a.' + c.strip() for c in _APP_COLUMNS.split(','))},"
        " group_concat(t.scopes, ' ') AS granted, max(t.created_at) AS last_at"
        " FROM access_tokens t JOIN oauth_apps a ON a.id = t.app_id"
        " WHERE t.account_id = ? AND t.revoked_at IS NULL"
        " GROUP BY a.id ORDER BY last_at DESC", (account_id,))
    return [AuthorizedApp(app=_app(row), scopes=tuple(dict.fromkeys(row["granted"].split())),
                          last_authorized_at=row["last_at"]) for row in rows]


async def revoke_app_for(db: Database, account_id: int, app_id: int) -> int:
    """Sign an app out of a member's account: every token it holds for them stops."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE access_tokens SET revoked_at = ?"
            " WHERE account_id = ? AND app_id = ? AND revoked_at IS NULL",
            (now_text(), account_id, app_id))
    return cursor.rowcount


async def revoke_all_apps_for(db: Database, account_id: int) -> None:
    """Every app signed out of a member's account at once (their password changed);
    tokens made on the command line are the admins' and stay."""
    await db.write_statement(
        "UPDATE access_tokens SET revoked_at = ?"
        " WHERE account_id = ? AND app_id IS NOT NULL AND revoked_at IS NULL",
        (now_text(), account_id))
