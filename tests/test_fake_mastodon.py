"""The fake Mastodon holds to MASTODON-INTEROP.md, checked against itself over real HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.fake_mastodon import PUBLIC, FakeMastodon, Received, run_fake_mastodon
from tests.mastodon_rules import resolve_like_mastodon


@pytest.fixture
async def fake() -> AsyncIterator[FakeMastodon]:
    async with run_fake_mastodon() as running:
        yield running


@pytest.fixture
async def client(fake: FakeMastodon) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=fake.base_url, timeout=10, trust_env=False) as c:
        yield c


async def test_an_account_resolves_like_mastodon(
    fake: FakeMastodon, client: httpx.AsyncClient
) -> None:
    bob = fake.add_account("bob")
    document = await resolve_like_mastodon(client, f"bob@{fake.domain}")
    assert document["id"] == bob.id == f"{fake.base_url}/ap/users/{bob.number}"
    assert document["publicKey"]["id"] == f"{bob.id}#main-key"
    assert document["endpoints"]["sharedInbox"] == f"{fake.base_url}/inbox"
    assert document["webfinger"] == f"bob@{fake.domain}"


async def test_webfinger_refuses_unknown_and_foreign_accounts(
    fake: FakeMastodon, client: httpx.AsyncClient
) -> None:
    fake.add_account("bob")
    unknown = await client.get(f"/.well-known/webfinger?resource=acct:nobody@{fake.domain}")
    foreign = await client.get("/.well-known/webfinger?resource=acct:bob@elsewhere.example")
    missing = await client.get("/.well-known/webfinger")
    assert (unknown.status_code, foreign.status_code, missing.status_code) == (404, 404, 400)


async def test_the_instance_actor_resolves_and_is_served_unsigned() -> None:
    async with run_fake_mastodon(secure_mode=True) as fake, httpx.AsyncClient(
        base_url=fake.base_url, trust_env=False
    ) as client:
        document = await resolve_like_mastodon(client, f"mastodon.internal@{fake.domain}")
    assert document["id"] == f"{fake.base_url}/actor"
    assert document["type"] == "Application"


@pytest.mark.parametrize("order", ["4.6", "4.7"])
async def test_a_signed_follow_verifies_and_is_auto_accepted(order: str) -> None:
    async with run_fake_mastodon(signature_order=order) as fake:
        alice, bob = fake.add_account("alice"), fake.add_account("bob")
        follow = fake.follow(alice, bob.id)
        response = await fake.deliver(alice, bob.inbox, follow)
        assert response.status_code == 202
        received = fake.inbox[0]
        assert received.signature_ok, received.error
        assert received.signer == alice.id
        assert received.path == f"/ap/users/{bob.number}/inbox"
        expected = "host date content-type digest" if order == "4.7" else "host date digest"
        assert f'headers="{expected}' in received.headers["signature"]

        accept = await fake.wait_for(lambda a: a["type"] == "Accept")
        assert accept["id"].startswith(f"{bob.id}#accepts/follows/")
        assert accept["object"] == {
            "id": follow["id"], "type": "Follow", "actor": alice.id, "object": bob.id,
        }
        assert bob.followers == [alice.id]
        assert alice.following == [bob.id]


async def test_a_locked_account_keeps_the_follow_as_a_request(fake: FakeMastodon) -> None:
    alice, bob = fake.add_account("alice"), fake.add_account("bob", locked=True)
    follow = fake.follow(alice, bob.id)
    assert (await fake.deliver(alice, bob.inbox, follow)).status_code == 202
    await fake.settle()
    assert bob.follow_requests == [follow]
    assert [s.activity["type"] for s in fake.sent] == ["Follow"]


async def test_a_tampered_body_is_refused(fake: FakeMastodon) -> None:
    alice, bob = fake.add_account("alice"), fake.add_account("bob")
    like = fake.like(alice, f"{bob.id}/statuses/1")
    tampered = fake.like(alice, f"{bob.id}/statuses/2")
    response = await fake.deliver(
        alice, f"{fake.base_url}/inbox", like, tamper_body=json.dumps(tampered).encode()
    )
    assert response.status_code == 401
    assert not fake.inbox[0].signature_ok
    assert "Digest" in (fake.inbox[0].error or "")


async def test_unsigned_and_stale_posts_are_refused(fake: FakeMastodon) -> None:
    alice = fake.add_account("alice")
    like = fake.like(alice, f"{alice.id}/statuses/1")
    unsigned = await fake.deliver(alice, alice.inbox, like, signed=False)
    stale = await fake.deliver(alice, alice.inbox, like, date="Mon, 01 Jan 2024 00:00:00 GMT")
    assert (unsigned.status_code, stale.status_code) == (401, 401)
    assert [r.signature_ok for r in fake.inbox] == [False, False]


async def test_a_body_over_one_mib_gets_413(fake: FakeMastodon) -> None:
    alice = fake.add_account("alice")
    huge = fake.public_note(alice, "x" * (1024 * 1024))
    assert (await fake.deliver(alice, alice.inbox, huge)).status_code == 413


async def test_failures_can_be_queued_before_the_normal_answer(fake: FakeMastodon) -> None:
    alice = fake.add_account("alice")
    fake.fail_next(2, 429, retry_after=30)
    like = fake.like(alice, f"{alice.id}/statuses/1")
    first = await fake.deliver(alice, alice.inbox, like)
    second = await fake.deliver(alice, alice.inbox, like)
    third = await fake.deliver(alice, alice.inbox, like)
    assert [first.status_code, second.status_code, third.status_code] == [429, 429, 202]
    assert first.headers["retry-after"] == "30"
    assert await fake.wait_for(lambda a: a["type"] == "Like", count=3) == like


async def test_secure_mode_refuses_an_unsigned_get() -> None:
    async with run_fake_mastodon(secure_mode=True) as fake, httpx.AsyncClient(
        base_url=fake.base_url, trust_env=False
    ) as client:
        bob = fake.add_account("bob")
        unsigned = await client.get(bob.id, headers={"Accept": "application/activity+json"})
        signed = await fake.fetch(bob.id)
        assert unsigned.status_code == 401
        assert signed.status_code == 200
        assert signed.headers["vary"] == "Signature"
        served = [g for g in fake.gets if g.path == f"/ap/users/{bob.number}"]
        assert [(g.signed, g.signature_ok, g.status) for g in served] == [
            (False, None, 401), (True, True, 200),
        ]
        assert [path for path, _ in fake.get_log].count("/actor") == 1  # the key fetch


async def test_notes_are_served_at_their_ids_until_deleted(
    fake: FakeMastodon, client: httpx.AsyncClient
) -> None:
    bob = fake.add_account("bob")
    create = fake.public_note(bob, "hello", hashtags=["test"])
    note = create["object"]
    assert create["id"] == f"{note['id']}/activity"
    assert (create["to"], create["cc"]) == ([PUBLIC], [bob.followers_url])
    served = await client.get(note["id"])
    assert served.headers["content-type"].startswith("application/activity+json")
    assert served.json()["content"] == "<p>hello</p>"

    update = fake.update_note(bob, create, content="changed")
    assert update["object"]["updated"]
    assert (await client.get(note["id"])).json()["content"] == "<p>changed</p>"

    delete = fake.delete_note(bob, create)
    assert delete["object"] == {"id": note["id"], "type": "Tombstone", "atomUri": note["id"]}
    assert (await client.get(note["id"])).status_code == 410


async def test_undo_ids_follow_mastodon(fake: FakeMastodon) -> None:
    bob = fake.add_account("bob")
    like = fake.like(bob, "https://k.example/posts/1")
    announce = fake.announce(bob, "https://k.example/posts/1", author="https://k.example/u/a")
    assert fake.undo(bob, like)["id"] == f"{like['id']}/undo"
    undo_announce = fake.undo(bob, announce)
    assert "#announces/" in undo_announce["id"]
    assert undo_announce["to"] == [PUBLIC]
    assert announce["cc"] == ["https://k.example/u/a", bob.followers_url]


async def test_followers_collection_counts_accepted_followers(
    fake: FakeMastodon, client: httpx.AsyncClient
) -> None:
    bob = fake.add_account("bob", locked=True)
    for n in range(13):
        fake.accept(bob, {"id": f"https://k.example/f/{n}", "actor": f"https://k.example/u/{n}"})
    collection = (await client.get(bob.followers_url)).json()
    assert (collection["totalItems"], collection["first"]) == (13, f"{bob.followers_url}?page=1")
    page = (await client.get(collection["first"])).json()
    assert len(page["orderedItems"]) == 12
    assert page["next"] == f"{bob.followers_url}?page=2"


async def test_wait_for_times_out_with_a_summary(fake: FakeMastodon) -> None:
    alice, bob = fake.add_account("alice"), fake.add_account("bob", locked=True)
    await fake.deliver(alice, bob.inbox, fake.follow(alice, bob.id))
    with pytest.raises(TimeoutError, match=r"(?s)1 inbox POST.*Follow.*-> 202"):
        await fake.wait_for(lambda a: a["type"] == "Like", timeout=0.5)


async def test_a_rotated_key_is_refetched_once(fake: FakeMastodon) -> None:
    alice, bob = fake.add_account("alice"), fake.add_account("bob", locked=True)
    await fake.deliver(alice, bob.inbox, fake.follow(alice, bob.id))
    fake.rotate_key(alice)
    response = await fake.deliver(alice, bob.inbox, fake.follow(alice, bob.id))
    assert response.status_code == 202
    assert [r.signature_ok for r in fake.inbox] == [True, True]
    assert [path for path, _ in fake.get_log].count(f"/ap/users/{alice.number}") == 2


async def test_the_inbox_hook_decides_first(fake: FakeMastodon) -> None:
    alice = fake.add_account("alice")

    def hook(received: Received) -> int | None:
        return 503 if (received.activity or {}).get("type") == "Like" else None

    fake.inbox_hook = hook
    fake.inbox_status = 500
    like = fake.like(alice, f"{alice.id}/statuses/1")
    block = fake.block(alice, "https://k.example/u/a")
    assert (await fake.deliver(alice, alice.inbox, like)).status_code == 503
    assert (await fake.deliver(alice, alice.inbox, block)).status_code == 500
