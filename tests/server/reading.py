"""Helpers for the reading-side tests: members signed in over real HTTP, posts stored
as the posting service stores them, remote people as the inbox stores them."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack

import httpx

from federation.keys import generate_key_pair
from server.storage import accounts as account_store
from server.storage import follows as follow_store
from server.storage import posts as post_store
from server.storage.actors import Actor, NewActor, get_actor, insert_actor_once
from server.web.sessions import start_session
from tests.instances import RunningInstance

_REMOTE_KEY = generate_key_pair()


async def sign_in(stack: AsyncExitStack, kinhaven: RunningInstance, username: str
                  ) -> httpx.AsyncClient:
    """A browser signed in as `username`, open until `stack` closes. The session is
    started by the sessions module itself (what POST /login does after checking the
    password), so these tests do not depend on the sign-in form's markup."""
    account = await account_store.get_account_by_username(kinhaven.db, username)
    assert account is not None
    header = (await start_session(kinhaven.db, kinhaven.instance, account.actor_id)).decode()
    name, _, value = header.split(";", 1)[0].partition("=")
    client = await stack.enter_async_context(
        httpx.AsyncClient(base_url=kinhaven.base_url, timeout=10, cookies={name: value}))
    assert (await client.get("/")).status_code == 303, "the session was not accepted"
    return client


async def member(kinhaven: RunningInstance, username: str) -> Actor:
    actor = await get_actor(kinhaven.db, await kinhaven.add_member(username))
    assert actor is not None
    return actor


async def post(
    kinhaven: RunningInstance, author: Actor, text: str, *, visibility: str = "public",
    mentions: Sequence[Actor] = (), tags: Sequence[str] = (), summary: str = "",
    reply_to: post_store.Post | None = None,
) -> post_store.Post:
    urls = kinhaven.instance.urls
    return await post_store.insert_local_post(
        kinhaven.db, actor_id=author.id,
        uri_for_id=urls.post(author.username, "{id}"),
        url_for_id=urls.post_page(author.username, "{id}"),
        content_html=f"<p>{text}</p>", source_text=text, visibility=visibility,
        summary=summary, mention_actor_ids=[actor.id for actor in mentions], tags=list(tags),
        in_reply_to_uri=None if reply_to is None else reply_to.uri,
    )


async def follow(kinhaven: RunningInstance, follower: Actor, followee: Actor, *,
                 accepted: bool = True) -> None:
    await follow_store.insert_follow(
        kinhaven.db, uri=f"{follower.uri}#follows/{followee.id}", follower_id=follower.id,
        followee_id=followee.id, accepted=accepted)


async def remote_person(kinhaven: RunningInstance, username: str, domain: str) -> Actor:
    base = f"https://{domain}/users/{username}"
    return await insert_actor_once(kinhaven.db, NewActor(
        uri=base, local=False, actor_type="Person", username=username, domain=domain,
        display_name=f"{username.title()} Elsewhere", inbox_uri=f"{base}/inbox",
        public_key_id=f"{base}#main-key", public_key_pem=_REMOTE_KEY.public_pem,
        icon_url=f"https://{domain}/avatars/{username}.png",
    ))


async def remote_post(
    kinhaven: RunningInstance, author: Actor, text: str, *, visibility: str = "public",
    number: int = 1, mentions: Sequence[Actor] = (), tags: Sequence[str] = (),
) -> post_store.Post:
    uri = f"{author.uri}/statuses/{number}"
    stored = await post_store.insert_remote_posts(kinhaven.db, [(post_store.NewRemotePost(
        uri=uri, actor_id=author.id, url=uri, in_reply_to_uri=None,
        content_html=f"<p>{text}</p>", summary="", sensitive=False, visibility=visibility,
        language=None, published_at="2026-12-01T10:00:00.000Z",
        mention_actor_ids=tuple(actor.id for actor in mentions), tags=tuple(tags),
    ), [])])
    return stored[uri]
