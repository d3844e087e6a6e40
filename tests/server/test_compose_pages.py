"""Writing through the pages: posts, content warnings, images, visibility, and the
small forms under posts. A refused form keeps nothing; members-only never leaves."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from server.storage import interactions
from server.storage import media as media_store
from server.storage import posts as post_store
from server.storage.actors import get_actor
from tests.browsing import csrf_in, member_browser
from tests.fake_mastodon import FakeMastodon, run_fake_mastodon
from tests.federating import accepted_follower
from tests.instances import RunningInstance, run_instance


@pytest.fixture
async def kinhaven(tmp_path: Path) -> AsyncIterator[RunningInstance]:
    async with run_instance(tmp_path) as instance:
        await instance.add_member("alice")
        await instance.add_member("bea")
        yield instance


def _png(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (120, 160, 200)).save(out, "PNG")
    return out.getvalue()


async def _compose(client: httpx.AsyncClient, fields: dict[str, str],
                   files: dict[str, tuple[str, bytes, str]] | None = None,
                   page: str = "/compose") -> httpx.Response:
    opened = await client.get(page)
    assert opened.status_code == 200
    data = {"visibility": "public", **fields, "csrf_token": csrf_in(opened.text)}
    return await client.post("/compose", data=data, files=files or {})


async def _counts(kinhaven: RunningInstance) -> tuple[int, int, int]:
    db = kinhaven.db
    return (
        await db.fetch_value("SELECT count(*) FROM posts"),
        await db.fetch_value("SELECT count(*) FROM media_attachments"),
        await db.fetch_value("SELECT count(*) FROM delivery_jobs"),
    )


async def _only_post(kinhaven: RunningInstance) -> post_store.Post:
    post_id = await kinhaven.db.fetch_value("SELECT max(id) FROM posts")
    post = await post_store.get_post(kinhaven.db, post_id)
    assert post is not None
    return post


async def test_post_with_content_warning_and_described_image(kinhaven: RunningInstance) -> None:
    async with member_browser(kinhaven, "alice") as alice:
        answer = await _compose(
            alice, {"text": "A walk by the river today #selfcare", "summary": "long day",
                    "alt_1": "A grey river under a pale sky"},
            {"image_1": ("river.png", _png(), "image/png")},
        )
    assert answer.status_code == 303
    post = await _only_post(kinhaven)
    assert answer.headers["location"] == f"/posts/{post.id}"
    assert post.summary == "long day" and post.sensitive
    assert post.visibility == "public"
    assert 'href="' in post.content_html and "selfcare" in post.content_html
    attached = (await media_store.attachments_for(kinhaven.db, [post.id]))[post.id]
    assert [a.description for a in attached] == ["A grey river under a pale sky"]


async def test_the_default_visibility_is_members_only(kinhaven: RunningInstance) -> None:
    async with member_browser(kinhaven, "alice") as alice:
        page = await alice.get("/compose")
        assert '<option value="local" selected>' in page.text
        answer = await alice.post("/compose", data={
            "text": "hello, community", "visibility": "local",
            "csrf_token": csrf_in(page.text)})
    assert answer.status_code == 303
    assert (await _only_post(kinhaven)).visibility == "local"


@pytest.mark.parametrize(
    ("fields", "files", "field", "message"),
    [
        ({"text": ""}, None, "text", "Please write something"),
        ({"text": "   \n  "}, None, "text", "Please write something"),
        ({"text": "x" * 5001}, None, "text", "up to 5000 characters"),
        ({"text": "hi", "summary": "w" * 501}, None, "summary", "up to 500"),
        ({"text": "hi", "visibility": "everyone"}, None, "visibility", "choose who can see"),
        ({"text": "hi"}, {"image_1": ("a.png", _png(), "image/png")}, "alt_1",
         "Please describe this image"),
        ({"text": "hi", "alt_1": "words"}, {"image_1": ("a.png", b"not an image", "image/png")},
         "image_1", "not an image we can use"),
        ({"text": "hi", "alt_1": "a"}, {"image_1": ("big.png", b"\x89PNG" + b"0" * 10_500_000,
                                                    "image/png")},
         "image_1", "10 MB or smaller"),
    ],
)
async def test_bad_posts_are_refused_next_to_the_field_and_nothing_is_kept(
    kinhaven: RunningInstance, fields: dict[str, str],
    files: dict[str, tuple[str, bytes, str]] | None, field: str, message: str,
) -> None:
    before = await _counts(kinhaven)
    async with member_browser(kinhaven, "alice") as alice:
        answer = await _compose(alice, fields, files)
    assert answer.status_code == 422
    assert f'id="{field}-error"' in answer.text
    assert message in answer.text
    assert await _counts(kinhaven) == before


async def test_a_good_image_with_a_bad_one_keeps_neither(kinhaven: RunningInstance) -> None:
    before = await _counts(kinhaven)
    async with member_browser(kinhaven, "alice") as alice:
        answer = await _compose(
            alice, {"text": "two pictures", "alt_1": "one", "alt_2": "two"},
            {"image_1": ("a.png", _png(), "image/png"),
             "image_2": ("b.png", b"GIF89a broken", "image/gif")},
        )
    assert answer.status_code == 422 and 'id="image_2-error"' in answer.text
    assert await _counts(kinhaven) == before


async def test_an_image_may_go_without_a_description_when_the_member_says_so(
    kinhaven: RunningInstance,
) -> None:
    async with member_browser(kinhaven, "alice") as alice:
        answer = await _compose(alice, {"text": "", "no_alt_1": "on"},
                                {"image_1": ("a.png", _png(), "image/png")})
    assert answer.status_code == 303


async def test_oversized_form_and_wrong_token_keep_nothing(kinhaven: RunningInstance) -> None:
    before = await _counts(kinhaven)
    async with member_browser(kinhaven, "alice") as alice:
        page = await alice.get("/compose")
        huge = await alice.post("/compose", data={"csrf_token": csrf_in(page.text), "text": "hi"},
                                files={"image_1": ("a.png", b"0" * (13 * 1024 * 1024),
                                                   "image/png")})
        assert huge.status_code == 413
        wrong = await alice.post("/compose", data={"csrf_token": "0" * 40, "text": "hi",
                                                   "visibility": "public"})
        assert wrong.status_code == 403
    assert await _counts(kinhaven) == before
    anonymous = await kinhaven.client.post("/compose", data={"text": "hi"})
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login?next=/home"
    assert await _counts(kinhaven) == before


async def _post_form(client: httpx.AsyncClient, action: str, data: dict[str, str] | None = None,
                     page: str = "/compose") -> httpx.Response:
    token = csrf_in((await client.get(page)).text)
    return await client.post(action, data={"csrf_token": token, **(data or {})})


async def test_reply_edit_delete_like_and_boost(kinhaven: RunningInstance) -> None:
    async with member_browser(kinhaven, "alice") as alice, \
            member_browser(kinhaven, "bea") as bea:
        await _compose(alice, {"text": "first post", "visibility": "public"})
        first = await _only_post(kinhaven)
        reply_page = await bea.get(f"/compose?reply_to={first.id}")
        assert "Replying to" in reply_page.text and "first post" in reply_page.text
        replied = await _compose(
            bea, {"text": "welcome!", "in_reply_to": str(first.id), "visibility": "public"},
            page=f"/compose?reply_to={first.id}",
        )
        assert replied.status_code == 303
        reply = await _only_post(kinhaven)
        assert reply.in_reply_to_id == first.id

        assert (await _post_form(bea, f"/posts/{first.id}/like")).status_code == 303
        assert (await _post_form(bea, f"/posts/{first.id}/boost")).status_code == 303
        assert await interactions.count_interactions(kinhaven.db, "like", first.id) == 1
        assert await interactions.count_interactions(kinhaven.db, "boost", first.id) == 1
        assert (await _post_form(bea, f"/posts/{first.id}/unlike")).status_code == 303
        assert (await _post_form(bea, f"/posts/{first.id}/unboost")).status_code == 303
        assert await interactions.count_interactions(kinhaven.db, "like", first.id) == 0
        assert await interactions.count_interactions(kinhaven.db, "boost", first.id) == 0

        # Only the author edits or deletes, and only posts they can see exist for others.
        assert (await bea.get(f"/posts/{first.id}/edit")).status_code == 404
        assert (await _post_form(bea, f"/posts/{first.id}/delete")).status_code == 404
        edit_page = await alice.get(f"/posts/{first.id}/edit")
        assert "first post" in edit_page.text
        empty = await _post_form(alice, f"/posts/{first.id}/edit", {"text": ""},
                                 page=f"/posts/{first.id}/edit")
        assert empty.status_code == 422 and 'id="text-error"' in empty.text
        edited = await _post_form(alice, f"/posts/{first.id}/edit",
                                  {"text": "first post, edited", "summary": ""},
                                  page=f"/posts/{first.id}/edit")
        assert edited.status_code == 303
        changed = await post_store.get_post(kinhaven.db, first.id)
        assert changed is not None and "edited" in changed.content_html
        assert changed.edited_at is not None
        deleted = await _post_form(alice, f"/posts/{first.id}/delete",
                                   page=f"/posts/{first.id}/edit")
        assert deleted.status_code == 303
        gone = await post_store.get_post(kinhaven.db, first.id)
        assert gone is None or gone.deleted_at is not None


async def test_private_posts_cannot_be_boosted_or_reached_by_others(
    kinhaven: RunningInstance,
) -> None:
    async with member_browser(kinhaven, "alice") as alice, \
            member_browser(kinhaven, "bea") as bea:
        await _compose(alice, {"text": "just for followers", "visibility": "followers"})
        private = await _only_post(kinhaven)
        # bea does not follow alice: the post does not exist for her.
        assert (await _post_form(bea, f"/posts/{private.id}/like")).status_code == 404
        assert (await bea.get(f"/compose?reply_to={private.id}")).status_code == 404
        refused = await _post_form(alice, f"/posts/{private.id}/boost")
        assert refused.status_code == 422
    assert await interactions.count_interactions(kinhaven.db, "like", private.id) == 0
    assert await interactions.count_interactions(kinhaven.db, "boost", private.id) == 0


@pytest.fixture
async def followed_by_mastodon(
    kinhaven: RunningInstance,
) -> AsyncIterator[tuple[FakeMastodon, Any]]:
    async with run_fake_mastodon() as mastodon:
        bob = mastodon.add_account("bob")
        alice = await get_actor(kinhaven.db, await kinhaven.db.fetch_value(
            "SELECT actor_id FROM accounts a JOIN actors r ON r.id = a.actor_id"
            " WHERE r.username = 'alice'"))
        assert alice is not None
        await accepted_follower(kinhaven, mastodon, bob, alice)
        yield mastodon, bob


async def test_members_only_posts_from_the_form_never_leave(
    kinhaven: RunningInstance, followed_by_mastodon: tuple[FakeMastodon, Any],
) -> None:
    mastodon, _ = followed_by_mastodon
    async with member_browser(kinhaven, "alice") as alice:
        await _compose(alice, {"text": "only for us", "visibility": "local"})
        secret = await _only_post(kinhaven)
        await _compose(alice, {"text": "hello fediverse", "visibility": "public",
                               "summary": "intro"})
        public = await _only_post(kinhaven)
    create = await mastodon.wait_for(lambda a: a["type"] == "Create")
    assert create["object"]["summary"] == "intro"
    assert create["object"]["sensitive"] is True
    everything = json.dumps([r.activity for r in mastodon.inbox])
    assert public.uri in everything
    assert secret.uri not in everything and "only for us" not in everything
    assert (await mastodon.fetch(secret.uri)).status_code == 404
    outbox = await kinhaven.client.get("/users/alice/outbox?page=true",
                                       headers={"Accept": "application/activity+json"})
    assert "only for us" not in outbox.text
    assert await kinhaven.db.fetch_value(
        "SELECT count(*) FROM delivery_jobs WHERE body LIKE ?", (f"%{secret.uri}%",)) == 0
