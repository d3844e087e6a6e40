"""SIGKILL mid-work: what was accepted is processed and what was queued is delivered,
each exactly once as the receiver sees it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from federation.client import GuardedClient
from server.accounts import create_member
from server.activitypub.context import build_federation
from server.config import Settings
from server.instance import prepare_instance
from server.services import posting
from server.storage import actors as actor_store
from server.storage import follows as follow_store
from server.storage import inbound as inbound_store
from server.storage import notifications as notification_store
from server.storage import posts as post_store
from server.storage.actors import NewActor
from server.storage.database import Database
from tests.fake_mastodon import run_fake_mastodon
from tests.instances import free_port, run_instance
from tests.waiting import wait_until

KINHAVEN = str(Path(sys.executable).parent / "kinhaven")
POSTS = 150
INBOUND = 60


def _start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([KINHAVEN, "serve", "--port", str(port)], env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def _up(base: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=1) as client:
            await client.get(f"{base}/nodeinfo/2.0")
        return True
    except httpx.TransportError:
        return False


async def test_sigkill_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    port = free_port()
    domain = f"127.0.0.1:{port}"
    base = f"http://{domain}"
    database = tmp_path / "a.sqlite3"
    env = {"KINHAVEN_DOMAIN": domain, "KINHAVEN_SCHEME": "http",
           "KINHAVEN_DATABASE": str(database), "KINHAVEN_INSECURE_FEDERATION": "1"}
    settings = Settings(domain=domain, scheme="http", database=database, insecure_federation=True)
    (tmp_path / "b").mkdir()
    async with run_instance(tmp_path / "b") as b, run_fake_mastodon() as mastodon:
        bob_id = await b.add_member("bob")
        bob = await actor_store.get_actor(b.db, bob_id)
        assert bob is not None
        # Instance A, prepared offline: alice, followed by bob, with POSTS queued for him.
        db = await Database.open(database)
        instance = await prepare_instance(db, settings)
        alice_id = await create_member(db, settings, username="alice", password="a long password")
        alice = await actor_store.get_actor(db, alice_id)
        assert alice is not None
        remote_bob = await actor_store.upsert_remote_actor(db, NewActor(
            uri=bob.uri, local=False, actor_type="Person", username="bob", domain=b.settings.domain,
            inbox_uri=bob.inbox_uri, shared_inbox_uri=bob.shared_inbox_uri,
            followers_uri=bob.followers_uri, public_key_id=bob.public_key_id,
            public_key_pem=bob.public_key_pem,
        ))
        await follow_store.insert_follow(db, uri=f"{bob.uri}#follow", follower_id=remote_bob.id,
                                         followee_id=alice_id, accepted=True)
        # B must know that bob follows alice, or it would not keep her posts.
        remote_alice = await actor_store.upsert_remote_actor(b.db, NewActor(
            uri=alice.uri, local=False, actor_type="Person", username="alice", domain=domain,
            inbox_uri=alice.inbox_uri, shared_inbox_uri=alice.shared_inbox_uri,
            followers_uri=alice.followers_uri, public_key_id=alice.public_key_id,
            public_key_pem=alice.public_key_pem,
        ))
        await follow_store.insert_follow(b.db, uri=f"{bob.uri}#follow", follower_id=bob_id,
                                         followee_id=remote_alice.id, accepted=True)
        offline = build_federation(db, instance, GuardedClient(allow_private=True,
                                                               user_agent="test"))
        uris = [(await posting.publish(offline, alice, f"post {n}", visibility="public")).uri
                for n in range(POSTS)]
        await offline.client.aclose()
        await db.close()

        mallory = mastodon.add_account("mallory")
        creates = [mastodon.public_note(mallory, f"note {n}",
                                        mentions=[(f"@alice@{domain}", alice.uri)])
                   for n in range(INBOUND)]
        process = _start(env, port)
        try:
            await wait_until(lambda: _up(base), timeout=30, what="A to start")
            accepted: list[str] = []

            async def send(activity: dict[str, object]) -> None:
                try:
                    response = await mastodon.deliver(mallory, f"{base}/inbox", activity)
                except httpx.TransportError:
                    return
                if response.status_code == 202:
                    accepted.append(str(activity["id"]))

            senders = [asyncio.create_task(send(c)) for c in creates]

            async def some_arrived() -> bool:
                first = await post_store.get_post_by_uri(b.db, uris[0])
                return bool(accepted) and first is not None

            await wait_until(some_arrived, timeout=30, what="work to be under way")
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            await asyncio.gather(*senders)
            delivered_before = sum([await post_store.get_post_by_uri(b.db, u) is not None
                                    for u in uris])
            process = _start(env, port)
            await wait_until(lambda: _up(base), timeout=30, what="A to restart")
            for activity in creates:
                if str(activity["id"]) not in accepted:
                    await send(activity)

            async def all_delivered() -> bool:
                for uri in uris:
                    if await post_store.get_post_by_uri(b.db, uri) is None:
                        return False
                return True

            await wait_until(all_delivered, timeout=60, what="every queued delivery")
            assert delivered_before <= POSTS
        finally:
            process.terminate()
            process.wait(timeout=15)
        # B saw each of alice's posts once; A processed every activity it accepted, once.
        assert len({u for u in uris}) == POSTS
        after = await Database.open(database)
        try:
            for activity_id in accepted:
                state = await inbound_store.state_of(after, activity_id)
                assert state is not None and state[0] == "done", (activity_id, state)
            mentions = await notification_store.list_notifications(after, alice_id, limit=1000)
            assert len(mentions) == len(set(accepted)) == INBOUND
        finally:
            await after.close()
