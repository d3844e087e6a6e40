"""Kinhaven against a fake Mastodon: an independent server that signs and verifies
with httpsig, sending and expecting Mastodon's own shapes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest

from federation.activitystreams import PUBLIC
from federation.keys import generate_key_pair
from federation.signatures import sign_request
from server.activitypub.authorized import SECURE_MODE_SETTING
from server.activitypub.context import Federation
from server.services import posting, relations
from server.storage import follows as follow_store
from server.storage import inbound as inbound_store
from server.storage import interactions
from server.storage import notifications as notification_store
from server.storage import policy as policy_store
from server.storage import posts as post_store
from server.storage import reports as report_store
from server.storage.actors import Actor, get_actor, get_actor_by_uri
from server.storage.settings import set_setting
from tests.fake_mastodon import FakeAccount, FakeMastodon, run_fake_mastodon
from tests.instances import RunningInstance, run_instance
from tests.waiting import wait_until


@dataclass
class World:
    kinhaven: RunningInstance
    member: Actor
    mastodon: FakeMastodon
    bob: FakeAccount

    @property
    def federation(self) -> Federation:
        federation: Federation = self.kinhaven.app.state.federation
        return federation

    @property
    def inbox(self) -> str:
        return f"{self.kinhaven.base_url}/inbox"

    async def deliver(self, activity: dict[str, Any], **options: Any) -> int:
        response = await self.mastodon.deliver(self.bob, self.inbox, activity, **options)
        return response.status_code

    async def processed(self, activity_id: str) -> tuple[str, str | None]:
        async def probe() -> tuple[str, str | None] | None:
            state = await inbound_store.state_of(self.kinhaven.db, activity_id)
            return state if state is not None and state[0] != "new" else None

        return await wait_until(probe, what=f"{activity_id} to be processed")


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with run_instance(tmp_path) as kinhaven, run_fake_mastodon() as mastodon:
        member_id = await kinhaven.add_member("alice")
        member = await get_actor(kinhaven.db, member_id)
        assert member is not None
        yield World(kinhaven, member, mastodon, mastodon.add_account("bob"))


async def test_mastodon_follow_needs_approval_then_gets_accept(world: World) -> None:
    follow = world.mastodon.follow(world.bob, world.member.uri)
    assert await world.deliver(follow) == 202
    assert await world.processed(follow["id"]) == ("done", None)
    requests = await follow_store.pending_requests(world.kinhaven.db, world.member.id)
    assert [r.uri for r in requests] == [follow["id"]]
    await relations.accept_request(world.federation, requests[0])
    accept = await world.mastodon.wait_for(lambda a: a["type"] == "Accept")
    assert accept["actor"] == world.member.uri
    assert accept["object"]["id"] == follow["id"]
    assert accept["object"]["actor"] == world.bob.id
    received = [r for r in world.mastodon.inbox if r.activity and r.activity["type"] == "Accept"]
    assert received[0].signature_ok
    assert received[0].path == f"/ap/users/{world.bob.number}/inbox", "personal inbox"


async def test_member_follows_mastodon_and_posts_reach_it(world: World) -> None:
    bob = await relations.find_remote_account(world.federation, world.mastodon.handle(world.bob))
    await relations.follow(world.federation, world.member, bob)

    async def accepted() -> bool:
        return await follow_store.is_following(world.kinhaven.db, world.member.id, bob.id)

    await wait_until(accepted, what="Mastodon's Accept")
    follow = await world.mastodon.wait_for(lambda a: a["type"] == "Follow")
    assert follow["object"] == world.bob.id
    assert follow["actor"] == world.member.uri
    # Mastodon follows back, is accepted, then gets the member's public post.
    back = world.mastodon.follow(world.bob, world.member.uri)
    await world.deliver(back)
    await world.processed(back["id"])
    requests = await follow_store.pending_requests(world.kinhaven.db, world.member.id)
    await relations.accept_request(world.federation, requests[0])
    post = await posting.publish(world.federation, world.member,
                                 f"Hello @{world.mastodon.handle(world.bob)} #Support",
                                 visibility="public", summary="a greeting")
    create = await world.mastodon.wait_for(lambda a: a["type"] == "Create")
    note = create["object"]
    assert note["id"] == post.uri
    assert create["to"] == [PUBLIC]
    assert create["cc"][0] == world.member.followers_uri
    assert world.bob.id in create["cc"]
    assert note["summary"] == "a greeting"
    assert note["sensitive"] is True
    assert {"type": "Mention", "href": world.bob.id,
            "name": f"@{world.mastodon.handle(world.bob)}"} in note["tag"]
    assert any(t["type"] == "Hashtag" and t["name"] == "#support" for t in note["tag"])
    creates = [r for r in world.mastodon.inbox if r.activity and r.activity["type"] == "Create"]
    assert len(creates) == 1, "one delivery per host, to the shared inbox"
    assert creates[0].path == "/inbox"
    assert creates[0].signature_ok


async def test_members_only_posts_never_leave(world: World) -> None:
    back = world.mastodon.follow(world.bob, world.member.uri)
    await world.deliver(back)
    await world.processed(back["id"])
    requests = await follow_store.pending_requests(world.kinhaven.db, world.member.id)
    await relations.accept_request(world.federation, requests[0])
    await world.mastodon.wait_for(lambda a: a["type"] == "Accept")
    secret = await posting.publish(world.federation, world.member, "only for members",
                                   visibility="local")
    public = await posting.publish(world.federation, world.member, "for everyone",
                                   visibility="public")
    await world.mastodon.wait_for(lambda a: a["type"] == "Create")
    contents = json.dumps([r.activity for r in world.mastodon.inbox])
    assert public.uri in contents
    assert secret.uri not in contents
    answer = await world.mastodon.fetch(secret.uri)
    assert answer.status_code == 404


async def test_mastodon_note_with_mention_reply_like_boost(world: World) -> None:
    mention = (f"@alice@{world.kinhaven.settings.domain}", world.member.uri)
    create = world.mastodon.public_note(world.bob, "<p>hi <b>there</b></p>", mentions=[mention],
                                        hashtags=["Care"], summary="cw")
    assert await world.deliver(create) == 202
    assert await world.processed(create["id"]) == ("done", None)
    stored = await post_store.get_post_by_uri(world.kinhaven.db, create["object"]["id"])
    assert stored is not None
    assert stored.visibility == "public"
    assert stored.summary == "cw"
    assert "<b>there</b>" in stored.content_html
    assert await post_store.tags_of(world.kinhaven.db, stored.id) == ["care"]
    kinds = [n.kind for n in await notification_store.list_notifications(
        world.kinhaven.db, world.member.id)]
    assert kinds == ["mention"]
    mine = await posting.publish(world.federation, world.member, "my post", visibility="public")
    like = world.mastodon.like(world.bob, mine.uri)
    boost = world.mastodon.announce(world.bob, mine.uri)
    assert await world.deliver(like) == 202
    assert await world.deliver(boost) == 202
    await world.processed(like["id"])
    await world.processed(boost["id"])
    db = world.kinhaven.db
    assert await interactions.count_interactions(db, "like", mine.id) == 1
    assert await interactions.count_interactions(db, "boost", mine.id) == 1
    await world.deliver(world.mastodon.undo(world.bob, like))
    await world.deliver(world.mastodon.undo(world.bob, boost))

    async def undone() -> bool:
        return (await interactions.count_interactions(db, "like", mine.id),
                await interactions.count_interactions(db, "boost", mine.id)) == (0, 0)

    await wait_until(undone, what="the undos")
    reply = world.mastodon.public_note(world.bob, "a reply", in_reply_to=mine.uri)
    await world.deliver(reply)
    await world.processed(reply["id"])
    stored_reply = await post_store.get_post_by_uri(db, reply["object"]["id"])
    assert stored_reply is not None and stored_reply.in_reply_to_id == mine.id


async def test_update_and_delete_from_mastodon(world: World) -> None:
    mention = (f"@alice@{world.kinhaven.settings.domain}", world.member.uri)
    create = world.mastodon.public_note(world.bob, "before", mentions=[mention])
    await world.deliver(create)
    await world.processed(create["id"])
    note = create["object"]
    update = world.mastodon.update_note(world.bob, note, content="after")
    await world.deliver(update)
    await world.processed(update["id"])
    stored = await post_store.get_post_by_uri(world.kinhaven.db, note["id"])
    assert stored is not None and "after" in stored.content_html
    delete = world.mastodon.delete_note(world.bob, note)
    await world.deliver(delete)
    await world.processed(delete["id"])
    assert await post_store.get_post_by_uri(world.kinhaven.db, note["id"]) is None
    assert await world.deliver(create) == 202, "a replayed Create is accepted..."
    assert await post_store.get_post_by_uri(world.kinhaven.db, note["id"]) is None, "...not kept"
    gone = world.mastodon.delete_actor(world.bob)
    await world.deliver(gone)
    await world.processed(gone["id"])
    bob = await get_actor_by_uri(world.kinhaven.db, world.bob.id)
    assert bob is not None and bob.deleted_at is not None


async def test_flag_becomes_a_report(world: World) -> None:
    post = await posting.publish(world.federation, world.member, "reported", visibility="public")
    flag = world.mastodon.flag([world.member.uri, post.uri], "spam, sorry")
    response = await world.mastodon.deliver(world.mastodon.instance_actor, world.inbox, flag)
    assert response.status_code == 202
    await world.processed(flag["id"])
    reports = await report_store.list_reports(world.kinhaven.db)
    assert [(r.target_actor_id, r.comment) for r in reports] == [(world.member.id, "spam, sorry")]


# ----- hostile and broken input -----------------------------------------------------------


def _mention_note(world: World, content: str = "hello") -> dict[str, Any]:
    mention = (f"@alice@{world.kinhaven.settings.domain}", world.member.uri)
    return world.mastodon.public_note(world.bob, content, mentions=[mention])


async def _nothing_stored(world: World, activity: dict[str, Any]) -> None:
    assert await inbound_store.state_of(world.kinhaven.db, activity["id"]) is None
    obj = activity.get("object")
    if isinstance(obj, dict):
        assert await post_store.get_post_by_uri(world.kinhaven.db, obj["id"]) is None


async def test_tampered_body_is_refused(world: World) -> None:
    create = _mention_note(world)
    evil = json.dumps({**create, "object": {**create["object"], "content": "evil"}}).encode()
    assert await world.deliver(create, tamper_body=evil) == 401
    await _nothing_stored(world, create)


async def test_stale_and_future_dates_are_refused(world: World) -> None:
    import time

    for offset in (-2 * 3600, 2 * 3600):
        create = _mention_note(world)
        date = formatdate(time.time() + offset, usegmt=True)
        assert await world.deliver(create, date=date) == 401
        await _nothing_stored(world, create)


async def test_unsigned_post_is_refused(world: World) -> None:
    create = _mention_note(world)
    assert await world.deliver(create, signed=False) == 401
    await _nothing_stored(world, create)


async def test_spoofed_actor_and_attribution_are_refused(world: World) -> None:
    carol = world.mastodon.add_account("carol")
    as_carol = world.mastodon.public_note(carol, "I am carol",
                                          mentions=[("@alice", world.member.uri)])
    assert await world.deliver(as_carol) in (401, 403)  # signed by bob, actor carol
    await _nothing_stored(world, as_carol)
    create = _mention_note(world)
    create["object"]["attributedTo"] = carol.id
    assert await world.deliver(create) == 403
    await _nothing_stored(world, create)


async def test_object_on_another_host_is_refused(world: World) -> None:
    create = _mention_note(world)
    create["object"]["id"] = "https://elsewhere.example/notes/1"
    assert await world.deliver(create) == 403
    await _nothing_stored(world, create)


async def test_replayed_activity_is_stored_once(world: World) -> None:
    create = _mention_note(world)
    assert await world.deliver(create) == 202
    assert await world.deliver(create) == 202
    await world.processed(create["id"])
    notes = await notification_store.list_notifications(world.kinhaven.db, world.member.id)
    assert len(notes) == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b"[]", 400),
        (b'"a string"', 400),
        (b'{"@context": "https://www.w3.org/ns/activitystreams", "type": "Create"}', 400),
        (b'{"@context": "https://www.w3.org/ns/activitystreams", "id": 5, "type": "Create",'
         b' "actor": "x"}', 400),
        (b'{"id": "https://x.example/1", "type": "Create", "actor": "https://x.example/u"}', 400),
        (b"[" * 100_000 + b"]" * 100_000, 400),
        (b"\xff\xfe\x00", 400),
    ],
)
async def test_malformed_bodies_get_400(world: World, body: bytes, status: int) -> None:
    response = await world.kinhaven.client.post(
        "/inbox", content=body, headers={"Content-Type": "application/activity+json"}
    )
    assert response.status_code == status
    assert "error" in response.json()


async def test_oversize_body_is_refused_before_signature_work(world: World) -> None:
    huge = b'{"a": "' + b"x" * (1024 * 1024) + b'"}'
    response = await world.kinhaven.client.post(
        "/inbox", content=huge, headers={"Content-Type": "application/activity+json"}
    )
    assert response.status_code == 413
    gets = [g for g in world.mastodon.get_log if "/ap/users/" in g[0]]
    assert gets == [], "no key was fetched for it"


async def test_delete_from_unknown_actor_is_accepted_without_fetching(world: World) -> None:
    stranger = world.mastodon.add_account("stranger")
    gone = world.mastodon.delete_actor(stranger)
    response = await world.mastodon.deliver(stranger, world.inbox, gone)
    assert response.status_code == 202
    assert world.mastodon.get_log == []
    assert await inbound_store.state_of(world.kinhaven.db, gone["id"]) is None


async def test_hostile_html_is_sanitized(world: World) -> None:
    create = _mention_note(world, '<p>hi<script>alert(1)</script><img src=x onerror=alert(2)>'
                                  '<a href="javascript:alert(3)">x</a><h1>Big</h1></p>')
    await world.deliver(create)
    await world.processed(create["id"])
    stored = await post_store.get_post_by_uri(world.kinhaven.db, create["object"]["id"])
    assert stored is not None
    html = stored.content_html.lower()
    for bad in ("<script", "onerror", "javascript:", "<img", "<h1"):
        assert bad not in html
    assert "<strong>big</strong>" in html


async def test_suspended_domain_is_refused_and_not_delivered_to(world: World) -> None:
    await policy_store.block_domain(world.kinhaven.db, world.mastodon.domain.split(":")[0],
                                    severity="suspend", reason="test",
                                    by_id=None, by_name="tests")
    create = _mention_note(world)
    assert await world.deliver(create) == 403
    await _nothing_stored(world, create)
    assert world.mastodon.get_log == [], "nothing was fetched from it"


async def test_key_rotation_is_followed_once_a_minute_at_most(world: World) -> None:
    first = _mention_note(world, "before rotation")
    assert await world.deliver(first) == 202
    world.mastodon.rotate_key(world.bob)
    second = _mention_note(world, "after rotation")
    assert await world.deliver(second) == 202, "the new key is fetched once"
    fetches = len([g for g in world.mastodon.get_log if g[0].startswith("/ap/users/")])
    world.mastodon.rotate_key(world.bob)
    third = _mention_note(world, "rotated again at once")
    assert await world.deliver(third) == 401, "no second refetch within the cooldown"
    assert len([g for g in world.mastodon.get_log if g[0].startswith("/ap/users/")]) == fetches
    await _nothing_stored(world, third)


async def test_secure_mode_requires_signed_fetches(world: World) -> None:
    await set_setting(world.kinhaven.db, SECURE_MODE_SETTING, "1")
    for path in (world.member.uri, f"{world.member.uri}/outbox",
                 f"{world.member.uri}/followers"):
        unsigned = await world.mastodon.fetch(path, signed=False)
        assert unsigned.status_code == 401, path
        signed = await world.mastodon.fetch(path)
        assert signed.status_code == 200, path
        assert "Signature" in signed.headers["vary"]
    instance_actor = await world.mastodon.fetch(f"{world.kinhaven.base_url}/actor", signed=False)
    assert instance_actor.status_code == 200


async def test_followers_only_post_is_served_to_signed_followers_only(world: World) -> None:
    follow = world.mastodon.follow(world.bob, world.member.uri)
    await world.deliver(follow)
    await world.processed(follow["id"])
    requests = await follow_store.pending_requests(world.kinhaven.db, world.member.id)
    await relations.accept_request(world.federation, requests[0])
    post = await posting.publish(world.federation, world.member, "for my followers",
                                 visibility="followers")
    carol = world.mastodon.add_account("carol")
    assert (await world.mastodon.fetch(post.uri, signed=False)).status_code == 404
    assert (await world.mastodon.fetch(post.uri, account=carol)).status_code == 404
    answer = await world.mastodon.fetch(post.uri, account=world.bob)
    assert answer.status_code == 200
    assert answer.json()["to"] == [world.member.followers_uri]


async def _member_follows_bob(world: World) -> Actor:
    bob = await relations.find_remote_account(world.federation, world.mastodon.handle(world.bob))
    await relations.follow(world.federation, world.member, bob)

    async def accepted() -> bool:
        return await follow_store.is_following(world.kinhaven.db, world.member.id, bob.id)

    await wait_until(accepted, what="Mastodon's Accept")
    return bob


async def test_profile_update_block_and_boost_of_a_remote_post(world: World) -> None:
    bob = await _member_follows_bob(world)
    update = world.mastodon.update_actor(world.bob, name="Bob <b>Updated</b>",
                                         summary="<p>new bio<script>x</script></p>")
    await world.deliver(update)
    await world.processed(update["id"])
    stored = await get_actor_by_uri(world.kinhaven.db, world.bob.id)
    assert stored is not None
    assert stored.display_name == "Bob <b>Updated</b>", "names are text, escaped when shown"
    assert stored.summary_html == "<p>new bio</p>"
    carol = world.mastodon.add_account("carol")
    carols = world.mastodon.public_note(carol, "carol's post")
    boost = world.mastodon.announce(world.bob, carols["object"]["id"])
    await world.deliver(boost)
    assert await world.processed(boost["id"]) == ("done", None)
    fetched = await post_store.get_post_by_uri(world.kinhaven.db, carols["object"]["id"])
    assert fetched is not None and "carol" in fetched.content_html
    assert await interactions.count_interactions(world.kinhaven.db, "boost", fetched.id) == 1
    block = world.mastodon.block(world.bob, world.member.uri)
    await world.deliver(block)
    await world.processed(block["id"])
    assert not await follow_store.is_following(world.kinhaven.db, world.member.id, bob.id)


async def test_accept_naming_only_the_follow_id(world: World) -> None:
    bob = await relations.find_remote_account(world.federation, world.mastodon.handle(world.bob))
    locked = world.mastodon.add_account("locked", locked=True)
    target = await relations.find_remote_account(world.federation,
                                                 world.mastodon.handle(locked))
    follow = await relations.follow(world.federation, world.member, target)
    await world.mastodon.wait_for(lambda a: a["type"] == "Follow" and a["object"] == locked.id)
    accept = {"@context": "https://www.w3.org/ns/activitystreams",
              "id": f"{locked.id}#accepts/follows/1", "type": "Accept", "actor": locked.id,
              "object": follow.uri}
    response = await world.mastodon.deliver(locked, world.inbox, accept)
    assert response.status_code == 202
    await world.processed(accept["id"])
    assert await follow_store.is_following(world.kinhaven.db, world.member.id, target.id)
    assert not await follow_store.is_following(world.kinhaven.db, world.member.id, bob.id)


@pytest.mark.parametrize("public", [PUBLIC, "as:Public", "Public"])
async def test_public_spellings_and_string_audiences(world: World, public: str) -> None:
    create = _mention_note(world)
    create["to"] = public
    create["object"]["to"] = public
    create["object"]["cc"] = world.member.uri
    assert await world.deliver(create) == 202
    await world.processed(create["id"])
    stored = await post_store.get_post_by_uri(world.kinhaven.db, create["object"]["id"])
    assert stored is not None and stored.visibility == "public"


async def test_unknown_key_is_refused(world: World) -> None:
    """A keyId whose actor does not exist: the fetch fails, the request gets 401."""
    create = _mention_note(world)
    body = json.dumps(create).encode()
    headers = sign_request(method="POST", url=world.inbox, body=body,
                           key_id=f"{world.mastodon.base_url}/ap/users/999#main-key",
                           private_key_pem=generate_key_pair().private_pem)
    response = await world.kinhaven.client.post("/inbox", content=body, headers=headers)
    assert response.status_code == 401
    assert "unknown key" in response.json()["error"]
    await _nothing_stored(world, create)


async def test_rfc9421_only_server_gets_our_deliveries_after_one_fallback(
    tmp_path: Path,
) -> None:
    """A server that refuses draft-cavage with 401 (as a Mastodon that only takes RFC 9421
    would) receives our Follow signed with RFC 9421 and an RFC 9530 Content-Digest, checked
    by an independent implementation of RFC 9421."""
    async with run_instance(tmp_path) as kinhaven, \
            run_fake_mastodon(signature_scheme="rfc9421") as mastodon:
        member = await get_actor(kinhaven.db, await kinhaven.add_member("alice"))
        assert member is not None
        federation: Federation = kinhaven.app.state.federation
        carol = mastodon.add_account("carol")
        remote = await relations.find_remote_account(federation, mastodon.handle(carol))
        await relations.follow(federation, member, remote)
        follow = await mastodon.wait_for(lambda a: a["type"] == "Follow")
        assert follow["actor"] == member.uri
        attempts = [r for r in mastodon.inbox if r.activity and r.activity["type"] == "Follow"]
        assert [r.signature_ok for r in attempts] == [False, True]
        assert "signature-input" not in attempts[0].headers
        accepted = attempts[1]
        assert accepted.headers["content-digest"].startswith("sha-256=:")
        assert "keyid=" in accepted.headers["signature-input"]

        async def following() -> bool:
            return await follow_store.is_following(kinhaven.db, member.id, remote.id)

        await wait_until(following, what="the Accept from the RFC 9421 server")
