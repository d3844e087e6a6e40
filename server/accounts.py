"""Creating members: the one path both the command line and the web sign-up take."""

from __future__ import annotations

import re
import secrets

from federation.keys import generate_key_pair
from server.config import Settings
from server.passwords import WeakPassword, check_strength, hash_password
from server.scopes import SCOPE_NAMES
from server.storage import accounts as account_store
from server.storage import tokens as token_store
from server.storage.actors import NewActor
from server.storage.database import Database
from server.urls import Urls

# Mastodon's local username rule; mixed case is kept but names are unique ignoring case.
USERNAME = re.compile(r"\A[a-z0-9_]{1,30}\Z", re.IGNORECASE)
EMAIL = re.compile(r"\A[^@\s]+@[^@\s]+\.[^@\s]+\Z")


class InvalidAccount(Exception):
    """A field of a new account breaks a rule; `field` names which one."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def validate_username(username: str) -> None:
    if not USERNAME.match(username):
        raise InvalidAccount(
            "username", "usernames are 1 to 30 letters, digits or underscores"
        )


def local_actor(settings: Settings, username: str) -> NewActor:
    """The actor row of a new member, keys included; privacy choices start closed."""
    urls = Urls.for_settings(settings)
    uri = urls.actor(username)
    keys = generate_key_pair()
    return NewActor(
        uri=uri,
        local=True,
        actor_type="Person",
        username=username,
        domain=settings.domain,
        display_name=username,
        url=urls.profile(username),
        inbox_uri=urls.inbox(uri),
        shared_inbox_uri=urls.shared_inbox,
        outbox_uri=urls.outbox(uri),
        followers_uri=urls.followers(uri),
        following_uri=urls.following(uri),
        featured_uri=urls.featured(uri),
        public_key_id=urls.key_id(uri),
        public_key_pem=keys.public_pem,
        private_key_pem=keys.private_pem,
        manually_approves_followers=True,
        discoverable=False,
    )


async def create_member(
    db: Database,
    settings: Settings,
    *,
    username: str,
    password: str,
    role: str = "member",
    email: str | None = None,
    approved: bool = True,
    application: account_store.Application | None = None,
) -> int:
    validate_username(username)
    if role not in account_store.ROLES:
        raise InvalidAccount("role", f"role must be one of {', '.join(account_store.ROLES)}")
    if email is not None and not EMAIL.match(email):
        raise InvalidAccount("email", f"{email!r} is not an e-mail address")
    try:
        check_strength(password)
    except WeakPassword as error:
        raise InvalidAccount("password", str(error)) from error
    return await account_store.create_account(
        db,
        local_actor(settings, username),
        password_hash=hash_password(password),
        role=role,
        email=email,
        approved=approved,
        application=application,
    )


def parse_scopes(text: str) -> tuple[str, ...]:
    """Mastodon's scopes: the top-level ones and their granular forms (`read:statuses`,
    `admin:read:reports`); a bare `admin` grants nothing in Mastodon, so it is refused
    rather than issued."""
    scopes = tuple(dict.fromkeys(text.split()))
    if not scopes:
        raise InvalidAccount("scopes", "at least one scope is needed")
    for scope in scopes:
        if scope == "admin":
            raise InvalidAccount("scopes", "unknown scope 'admin' (use admin:read, admin:write"
                                 " or a granular form such as admin:read:reports)")
        if scope not in SCOPE_NAMES:
            raise InvalidAccount("scopes", f"unknown scope {scope!r}")
    return scopes


async def issue_token(db: Database, *, account_id: int, scopes: tuple[str, ...], label: str) -> str:
    token = secrets.token_urlsafe(32)
    await token_store.insert_token(
        db, token=token, account_id=account_id, scopes=scopes, label=label
    )
    return token
