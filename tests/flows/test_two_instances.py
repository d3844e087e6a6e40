"""Two Kinhaven instances on loopback ports, federating through their real inboxes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from server.activitypub.context import Federation
from server.services import posting, reactions, relations
from server.services.closing import delete_account
from server.storage import follows as follow_store
from server.storage import interactions
from server.storage import notifications as notification_store
from server.storage import posts as post_store
from server.storage.actors import Actor, get_actor, get_actor_by_uri
from tests.instances import RunningInstance, run_instance
from tests.waiting import wait_until


@dataclass
class Side:
    instance: RunningInstance
    member: Actor

    @property
    def federation(self) -> Federation:
        federation: Federation = self.instance.app.state.federation
        return federation

    @property
    def db(self):  # type: ignore[no-untyped-def]
        return self.instance.db


async def _side(instance: RunningInstance, username: str) -> Side:
    actor_id = await instance.add_member(username)
    actor = await get_actor(instance.db, actor_id)
    assert actor is not None
    return Side(instance, actor)


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[tuple[Side, Side]]:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with run_instance(tmp_path / "a") as a, run_instance(tmp_path / "b") as b:
        yield await _side(a, "alice"), await _side(b, "bob")


async def _remote(side: Side, other: Side) -> Actor:
    """`other`'s member as `side` knows it, found through WebFinger like a member would."""
    return await relations.find_remote_account(
        side.federation, f"{other.member.username}@{other.instance.settings.domain}"
    )


async def _follow(follower: Side, followee: Side) -> None:
    target = await _remote(follower, followee)
    await relations.follow(follower.federation, follower.member, target)

    async def request_arrived() -> list[follow_store.Follow]:
        return await follow_store.pending_requests(followee.db, followee.member.id)

    requests = await wait_until(request_arrived, what="the follow request")
    await relations.accept_request(followee.federation, requests[0])

    async def accepted() -> bool:
        return await follow_store.is_following(follower.db, follower.member.id, target.id)

    await wait_until(accepted, what="the Accept")


async def _arrived(side: Side, uri: str) -> post_store.Post:
    async def probe() -> post_store.Post | None:
        return await post_store.get_post_by_uri(side.db, uri)

    return await wait_until(probe, what=f"{uri} to arrive")


async def test_follow_request_approved_then_posts_flow_both_ways(
    pair: tuple[Side, Side],
) -> None:
    a, b = pair
    await _follow(a, b)
    notes = await notification_store.list_notifications(b.db, b.member.id)
    assert [n.kind for n in notes] == ["follow_request"]

    post = await posting.publish(b.federation, b.member, "Hello from B #Hope",
                                 visibility="public", summary="greetings")
    seen = await _arrived(a, post.uri)
    assert seen.visibility == "public"
    assert seen.summary == "greetings"
    assert seen.sensitive is True
    assert "Hello from B" in seen.content_html
    assert await post_store.tags_of(a.db, seen.id) == ["hope"]

    b_at_a = await get_actor_by_uri(a.db, b.member.uri)
    assert b_at_a is not None
    reply = await posting.publish(a.federation, a.member,
                                  f"@bob@{b.instance.settings.domain} thank you",
                                  visibility="public", in_reply_to=post.uri)
    arrived = await _arrived(b, reply.uri)
    assert arrived.in_reply_to_id == post.id

    async def mentioned() -> list[str]:
        found = await notification_store.list_notifications(b.db, b.member.id)
        return [n.kind for n in found if n.kind == "mention"]

    await wait_until(mentioned, what="the mention notification")


async def test_like_boost_and_their_undo(pair: tuple[Side, Side]) -> None:
    a, b = pair
    await _follow(a, b)
    post = await posting.publish(b.federation, b.member, "Something to like",
                                 visibility="public")
    seen = await _arrived(a, post.uri)
    await reactions.like(a.federation, a.member, seen)
    await reactions.boost(a.federation, a.member, seen)

    async def counts() -> tuple[int, int] | None:
        likes = await interactions.count_interactions(b.db, "like", post.id)
        boosts = await interactions.count_interactions(b.db, "boost", post.id)
        return (likes, boosts) if (likes, boosts) == (1, 1) else None

    await wait_until(counts, what="the like and boost")

    async def told() -> bool:  # the notification is written just after the interaction
        kinds = {n.kind for n in await notification_store.list_notifications(b.db, b.member.id)}
        return {"favourite", "reblog"} <= kinds

    await wait_until(told, what="b's member told of the like and the boost")
    await reactions.unlike(a.federation, a.member, seen)
    await reactions.unboost(a.federation, a.member, seen)

    async def undone() -> bool:
        return (await interactions.count_interactions(b.db, "like", post.id),
                await interactions.count_interactions(b.db, "boost", post.id)) == (0, 0)

    await wait_until(undone, what="the undo of like and boost")


async def test_edit_and_delete_reach_followers(pair: tuple[Side, Side]) -> None:
    a, b = pair
    await _follow(a, b)
    post = await posting.publish(b.federation, b.member, "First version", visibility="public")
    await _arrived(a, post.uri)
    await posting.edit(b.federation, b.member, post, "Second version")

    async def edited() -> bool:
        found = await post_store.get_post_by_uri(a.db, post.uri)
        return found is not None and "Second version" in found.content_html

    await wait_until(edited, what="the edit")
    current = await post_store.get_post_by_uri(b.db, post.uri)
    assert current is not None
    await posting.delete(b.federation, b.member, current)

    async def deleted() -> bool:
        return await post_store.get_post_by_uri(a.db, post.uri) is None

    await wait_until(deleted, what="the delete")
    assert await post_store.is_tombstoned(a.db, post.uri)


async def test_private_visibilities_reach_only_their_audience(pair: tuple[Side, Side]) -> None:
    a, b = pair
    await _follow(a, b)
    members_only = await posting.publish(b.federation, b.member, "Members only here",
                                         visibility="local")
    followers_only = await posting.publish(b.federation, b.member, "For followers",
                                           visibility="followers")
    seen = await _arrived(a, followers_only.uri)
    assert seen.visibility == "followers"
    assert await post_store.get_post_by_uri(a.db, members_only.uri) is None
    fetched = await a.instance.client.get(
        members_only.uri, headers={"Accept": "application/activity+json"}
    )
    assert fetched.status_code == 404
    unsigned = await a.instance.client.get(
        followers_only.uri, headers={"Accept": "application/activity+json"}
    )
    assert unsigned.status_code == 404


async def test_unfollow_and_reject(pair: tuple[Side, Side]) -> None:
    a, b = pair
    await _follow(a, b)
    await relations.unfollow(a.federation, a.member, await _remote(a, b))

    async def gone() -> bool:
        return await follow_store.count_followers(b.db, b.member.id) == 0

    await wait_until(gone, what="the Undo Follow")
    a_at_b = await _remote(b, a)
    await relations.follow(b.federation, b.member, a_at_b)

    async def requested() -> list[follow_store.Follow]:
        return await follow_store.pending_requests(a.db, a.member.id)

    request = (await wait_until(requested, what="the follow request"))[0]
    await relations.reject_request(a.federation, request)

    async def rejected() -> bool:
        return await follow_store.get_follow(b.db, b.member.id, a_at_b.id) is None

    await wait_until(rejected, what="the Reject")


async def test_account_deletion_reaches_the_other_side(pair: tuple[Side, Side]) -> None:
    a, b = pair
    await _follow(a, b)
    post = await posting.publish(b.federation, b.member, "Goodbye", visibility="public")
    await _arrived(a, post.uri)
    await delete_account(b.federation, b.member)

    async def gone() -> bool:
        actor = await get_actor_by_uri(a.db, b.member.uri)
        return actor is not None and actor.deleted_at is not None

    await wait_until(gone, what="the account Delete")
    assert await post_store.get_post_by_uri(a.db, post.uri) is None
    answer = await a.instance.client.get(b.member.uri,
                                         headers={"Accept": "application/activity+json"})
    assert answer.status_code in (404, 410)
