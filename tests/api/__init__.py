"""Helpers for the client API tests: tokens made as `kinhaven token create` makes them,
and Mastodon.py pointed at a running instance (its calls block, so tests run them in a
thread while the server keeps serving on the test's event loop)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from mastodon import Mastodon

from server.accounts import issue_token, parse_scopes
from server.storage.actors import Actor, get_local_actor_by_username
from tests.instances import RunningInstance

T = TypeVar("T")
ADMIN_SCOPES = "read write admin:read admin:write"


async def token_for(instance: RunningInstance, username: str, scopes: str) -> str:
    actor = await get_local_actor_by_username(instance.db, username)
    assert actor is not None
    return await issue_token(instance.db, account_id=actor.id, scopes=parse_scopes(scopes),
                             label="tests")


def mastodon(instance: RunningInstance, token: str) -> Mastodon:
    return Mastodon(access_token=token, api_base_url=instance.base_url,
                    version_check_mode="none", request_timeout=10)


async def call(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """A Mastodon.py call in a thread, so the server on this loop can answer it."""
    return await asyncio.to_thread(function, *args, **kwargs)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Team:
    """An instance with an admin (ada), a moderator (mo) and a member (meg), each with
    a token of full admin scopes, and ada with a read-only one too."""

    kinhaven: RunningInstance
    ada: Actor
    mo: Actor
    meg: Actor
    admin_token: str
    moderator_token: str
    member_token: str
    read_only_token: str


async def make_team(kinhaven: RunningInstance) -> Team:
    actors = {}
    for name, role in (("ada", "admin"), ("mo", "moderator"), ("meg", "member")):
        await kinhaven.add_member(name, role=role, email=f"{name}@example.com")
        actor = await get_local_actor_by_username(kinhaven.db, name)
        assert actor is not None
        actors[name] = actor
    return Team(
        kinhaven=kinhaven, ada=actors["ada"], mo=actors["mo"], meg=actors["meg"],
        admin_token=await token_for(kinhaven, "ada", ADMIN_SCOPES),
        moderator_token=await token_for(kinhaven, "mo", ADMIN_SCOPES),
        member_token=await token_for(kinhaven, "meg", ADMIN_SCOPES),
        read_only_token=await token_for(kinhaven, "ada", "read admin:read"),
    )
