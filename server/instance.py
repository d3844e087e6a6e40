"""What every instance has from its first start: a secret key and an instance actor.

The instance actor signs our fetches (servers in secure mode refuse unsigned GETs)
and must itself resolve through WebFinger, so it gets a `preferredUsername` (the
host name, as Mastodon does) that no member can take, since member names have no dots.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from federation.keys import generate_key_pair
from server.config import Settings
from server.storage.actors import Actor, NewActor, get_actor_by_uri, insert_actor_once
from server.storage.database import Database, migrate
from server.storage.settings import get_or_create_setting
from server.urls import Urls


@dataclass(frozen=True)
class Instance:
    settings: Settings
    urls: Urls
    secret_key: str
    actor: Actor


async def _ensure_instance_actor(db: Database, settings: Settings, urls: Urls) -> Actor:
    existing = await get_actor_by_uri(db, urls.instance_actor)
    if existing is not None:
        return existing
    keys = generate_key_pair()
    uri = urls.instance_actor
    return await insert_actor_once(
        db,
        NewActor(
            uri=uri,
            local=True,
            actor_type="Application",
            username=settings.hostname,
            domain=settings.domain,
            display_name=settings.domain,
            url=f"{urls.base}/about",
            inbox_uri=f"{uri}/inbox",
            shared_inbox_uri=urls.shared_inbox,
            outbox_uri=f"{uri}/outbox",
            public_key_id=urls.key_id(uri),
            public_key_pem=keys.public_pem,
            private_key_pem=keys.private_pem,
            manually_approves_followers=True,
        ),
    )


async def prepare_instance(db: Database, settings: Settings) -> Instance:
    """Migrate, then make sure the secret key and instance actor exist. Safe to repeat."""
    await migrate(db)
    urls = Urls.for_settings(settings)
    secret = settings.secret_key or await get_or_create_setting(
        db, "secret_key", secrets.token_urlsafe(48)
    )
    actor = await _ensure_instance_actor(db, settings, urls)
    return Instance(settings=settings, urls=urls, secret_key=secret, actor=actor)
