"""Statuses through Mastodon.py: posting with a content warning and an image, reading,
editing, deleting, threads, reactions, and who may see which post."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError
from PIL import Image

from moderation.keywords import KeywordAction, KeywordRule
from server.services import posting
from server.storage import keywords as keyword_store
from tests.api import bearer, call, mastodon, token_for
from tests.api.members import federation_of, follows, member, post
from tests.instances import RunningInstance, run_instance


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 60)).save(buffer, "PNG")
    return buffer.getvalue()


async def test_post_with_a_content_warning_and_an_image(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        await member(kinhaven, "amy")
        client = mastodon(kinhaven, await token_for(kinhaven, "amy", "read write"))
        media = await call(client.media_post, png(), "image/png",
                           description="an orange square")
        assert media["type"] == "image" and media["description"] == "an orange square"
        assert media["meta"]["original"]["width"] == 40
        status = await call(client.status_post, "A hard day, and a small win #hope",
                            spoiler_text="low mood", media_ids=[media], visibility="public",
                            language="en")
        assert status["spoiler_text"] == "low mood" and status["sensitive"] is True
        assert status["visibility"] == "public" and status["language"] == "en"
        assert [m["id"] for m in status["media_attachments"]] == [media["id"]]
        assert status["media_attachments"][0]["description"] == "an orange square"
        assert status["tags"][0]["name"] == "hope"
        assert status["favourited"] is False and status["bookmarked"] is False
        image = await kinhaven.client.get(status["media_attachments"][0]["url"])
        assert image.status_code == 200 and image.headers["content-type"].startswith("image/")

        again = await call(client.status, status["id"])
        assert again["content"] == status["content"]
        anonymous = await kinhaven.client.get(f"/api/v1/statuses/{status['id']}")
        assert anonymous.status_code == 200 and "favourited" not in anonymous.json()


async def test_visibility_names_local_only_and_the_member_default(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        await member(kinhaven, "amy")
        token = await token_for(kinhaven, "amy", "write:statuses")

        async def posted(**body: object) -> dict[str, object]:
            answer = await kinhaven.client.post("/api/v1/statuses", headers=bearer(token),
                                                json={"status": "hello", **body})
            assert answer.status_code == 200, answer.text
            result: dict[str, object] = answer.json()
            return result

        local = await posted(local_only=True)
        assert local["kinhaven_visibility"] == "local" and local["visibility"] == "private"
        private = await posted(visibility="private")
        assert private["kinhaven_visibility"] == "followers"
        assert (await posted(visibility="unlisted"))["kinhaven_visibility"] == "unlisted"
        default = await posted()
        assert default["kinhaven_visibility"] == "local"  # Kinhaven's default for members
        reply = await posted(in_reply_to_id=private["id"])
        assert reply["kinhaven_visibility"] == "followers"  # no wider than its parent
        assert reply["in_reply_to_id"] == private["id"]
        assert (await posted(in_reply_to_id=private["id"], visibility="public")
                )["kinhaven_visibility"] == "public"  # the member's own choice stands
        mixed = await kinhaven.client.post(
            "/api/v1/statuses", headers=bearer(token),
            json={"status": "hi", "visibility": "direct", "local_only": True})
        assert mixed.status_code == 422


async def test_an_idempotency_key_makes_one_status(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        await member(kinhaven, "amy")
        client = mastodon(kinhaven, await token_for(kinhaven, "amy", "read write"))
        first = await call(client.status_post, "only once", idempotency_key="abc-123")
        second = await call(client.status_post, "only once", idempotency_key="abc-123")
        other = await call(client.status_post, "only once", idempotency_key="abc-124")
        assert first["id"] == second["id"] != other["id"]
        count = await kinhaven.db.fetch_value("SELECT count(*) FROM posts")
        assert count == 2

        headers = {**bearer(str(client.access_token)), "Idempotency-Key": "at-once"}
        together = await asyncio.gather(*[kinhaven.client.post(
            "/api/v1/statuses", headers=headers, json={"status": "sent twice at once"})
            for _ in range(3)])
        assert len({answer.json()["id"] for answer in together}) == 1
        assert await kinhaven.db.fetch_value("SELECT count(*) FROM posts") == 3


async def test_edit_delete_source_and_history(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        await member(kinhaven, "amy")
        await member(kinhaven, "ben")
        client = mastodon(kinhaven, await token_for(kinhaven, "amy", "read write"))
        status = await call(client.status_post, "first words", visibility="public")
        edited = await call(client.status_update, status["id"], "better words",
                            spoiler_text="a warning")
        assert "better words" in edited["content"] and edited["edited_at"] is not None
        assert edited["spoiler_text"] == "a warning"
        source = await call(client.status_source, status["id"])
        assert source["text"] == "better words" and source["spoiler_text"] == "a warning"
        history = await call(client.status_history, status["id"])
        assert len(history) == 1 and "better words" in history[0]["content"]

        too_long = await kinhaven.client.put(
            f"/api/v1/statuses/{status['id']}", json={"status": "x", "spoiler_text": "x" * 501},
            headers=bearer(str(client.access_token)))
        assert too_long.status_code == 422
        bens = mastodon(kinhaven, await token_for(kinhaven, "ben", "read write"))
        with pytest.raises(MastodonNotFoundError):
            await call(bens.status_update, status["id"], "not yours")
        with pytest.raises(MastodonNotFoundError):
            await call(bens.status_delete, status["id"])

        deleted = await call(client.status_delete, status["id"])
        assert deleted["text"] == "better words" and deleted["id"] == status["id"]
        with pytest.raises(MastodonNotFoundError):
            await call(client.status, status["id"])


async def test_favourites_reblogs_and_bookmarks(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        amy = await member(kinhaven, "amy")
        await member(kinhaven, "ben")
        public = await post(kinhaven, amy, "worth keeping")
        members_only = await post(kinhaven, amy, "for members", visibility="local")
        client = mastodon(kinhaven, await token_for(kinhaven, "ben", "read write"))

        liked = await call(client.status_favourite, public.id)
        assert liked["favourited"] is True and liked["favourites_count"] == 1
        who = await call(client.status_favourited_by, public.id)
        assert [a["username"] for a in who] == ["ben"]
        assert [s["id"] for s in await call(client.favourites)] == [str(public.id)]
        unliked = await call(client.status_unfavourite, public.id)
        assert unliked["favourited"] is False and unliked["favourites_count"] == 0
        assert await call(client.favourites) == []

        boost = await call(client.status_reblog, public.id)
        assert boost["id"].startswith("b") and boost["reblog"]["id"] == str(public.id)
        assert boost["account"]["username"] == "ben" and boost["reblog"]["reblogged"] is True
        assert (await call(client.status, boost["id"]))["reblog"]["id"] == str(public.id)
        assert [a["username"] for a in await call(client.status_reblogged_by, public.id)] \
            == ["ben"]
        undone = await call(client.status_unreblog, boost["id"])
        assert undone["id"] == str(public.id) and undone["reblogged"] is False
        with pytest.raises(MastodonNotFoundError):
            await call(client.status, boost["id"])
        with pytest.raises(MastodonAPIError) as refused:
            await call(client.status_reblog, members_only.id)
        assert refused.value.args[1] == 403

        saved = await call(client.status_bookmark, members_only.id)
        assert saved["bookmarked"] is True
        assert [s["id"] for s in await call(client.bookmarks)] == [str(members_only.id)]
        await call(client.status_unbookmark, members_only.id)
        assert await call(client.bookmarks) == []


async def _held_rule(kinhaven: RunningInstance, author_id: int) -> None:
    await keyword_store.add_rule(
        kinhaven.db, KeywordRule(id=0, text="casino", action=KeywordAction.HOLD),
        by_id=author_id, by_name="@mod")


async def test_privacy_of_followers_only_direct_and_held_posts(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        amy, cal = await member(kinhaven, "amy"), await member(kinhaven, "cal")
        await member(kinhaven, "ben")
        await follows(kinhaven, cal, amy)
        await _held_rule(kinhaven, amy.id)
        root = await post(kinhaven, amy, "a public start")
        federation = federation_of(kinhaven)
        followers = await posting.publish(federation, amy, "for followers",
                                          visibility="followers", in_reply_to=root.uri)
        direct = await posting.publish(federation, amy, "@ben just us", visibility="direct",
                                       in_reply_to=root.uri)
        amys = mastodon(kinhaven, await token_for(kinhaven, "amy", "read write"))
        held = await call(amys.status_post, "come to the casino", visibility="public",
                          in_reply_to_id=root.id)
        assert held["kinhaven_held"] is True
        assert (await call(amys.status, held["id"]))["id"] == held["id"]

        def ids(statuses: list[dict[str, object]]) -> set[object]:
            return {s["id"] for s in statuses}

        readers = {name: mastodon(kinhaven, await token_for(kinhaven, name, "read write"))
                   for name in ("ben", "cal")}
        for name, entitled in (("ben", {str(direct.id)}), ("cal", {str(followers.id)})):
            client = readers[name]
            for hidden in {str(followers.id), str(direct.id), held["id"]} - entitled:
                with pytest.raises(MastodonNotFoundError):
                    await call(client.status, hidden)
                with pytest.raises(MastodonNotFoundError):
                    await call(client.status_favourite, hidden)
                with pytest.raises(MastodonNotFoundError):
                    await call(client.status_post, "replying", in_reply_to_id=hidden)
            for shown in entitled:
                assert (await call(client.status, shown))["id"] == shown
            context = await call(client.status_context, root.id)
            assert ids(context["descendants"]) == entitled
        for hidden in (followers.id, direct.id, held["id"]):
            answer = await kinhaven.client.get(f"/api/v1/statuses/{hidden}")
            assert answer.status_code == 404 and answer.json() == {"error": "Record not found"}
        anonymous = await kinhaven.client.get(f"/api/v1/statuses/{root.id}/context")
        assert anonymous.json()["descendants"] == []
        many = await kinhaven.client.get(
            "/api/v1/statuses", params=[("id[]", str(i)) for i in (
                root.id, followers.id, direct.id, held["id"], "junk")],
            headers=bearer(str(readers["cal"].access_token)))
        assert [s["id"] for s in many.json()] == [str(root.id), str(followers.id)]
        members_only = await post(kinhaven, amy, "members", visibility="local")
        assert (await kinhaven.client.get(f"/api/v1/statuses/{members_only.id}")
                ).status_code == 404
        own = await call(amys.status_context, root.id)
        assert ids(own["descendants"]) == {str(followers.id), str(direct.id), held["id"]}


async def test_a_rejected_post_is_a_422_with_the_reason(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        amy = await member(kinhaven, "amy")
        await keyword_store.add_rule(
            kinhaven.db, KeywordRule(id=0, text="spamword", action=KeywordAction.REJECT),
            by_id=amy.id, by_name="@mod")
        answer = await kinhaven.client.post(
            "/api/v1/statuses", json={"status": "buy spamword now"},
            headers=bearer(await token_for(kinhaven, "amy", "write")))
        assert answer.status_code == 422 and "cannot be published" in answer.json()["error"]
        assert await kinhaven.db.fetch_value("SELECT count(*) FROM posts") == 0


async def test_bad_requests(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        amy, ben = await member(kinhaven, "amy"), await member(kinhaven, "ben")
        token = await token_for(kinhaven, "amy", "read write")
        bens_media = await call(mastodon(kinhaven, await token_for(kinhaven, "ben", "write")
                                         ).media_post, png(), "image/png")
        existing = await post(kinhaven, ben, "hello")
        http = kinhaven.client

        async def create(body: object = None, *, raw: str | None = None) -> int:
            if raw is None:
                answer = await http.post("/api/v1/statuses", headers=bearer(token), json=body)
            else:
                answer = await http.post("/api/v1/statuses", content=raw, headers={
                    **bearer(token), "content-type": "application/json"})
            assert "error" in answer.json() or answer.status_code == 200
            return answer.status_code

        assert await create({"status": ""}) == 422
        assert await create({"status": "x" * 5001}) == 422
        assert await create({"status": "hi", "visibility": "everyone"}) == 422
        assert await create({"status": ["a list"]}) == 422
        assert await create({"status": "hi", "sensitive": "maybe"}) == 422
        assert await create({"status": "hi", "media_ids": ["1", "2", "3", "4", "5"]}) \
            == 422
        assert await create({"status": "hi", "media_ids": [bens_media["id"]]}) == 422
        assert await create({"status": "hi", "media_ids": ["junk"]}) == 422
        assert await create({"status": "hi", "in_reply_to_id": "999999"}) == 404
        assert await create({"status": "hi", "language": "not a language"}) == 422
        assert await create(raw="{not json") == 400
        assert await create({"status": "hi", "scheduled_at": "2030-01-01T00:00:00Z"}) == 422
        assert await create({"status": "hi", "poll": {"options": ["a", "b"]}}) == 422
        assert await kinhaven.db.fetch_value(
            "SELECT count(*) FROM posts WHERE actor_id = ?", (amy.id,)) == 0

        for junk in ("abc", "99999999", "9" * 40, "b", "b99", "-1"):
            answer = await http.get(f"/api/v1/statuses/{junk}", headers=bearer(token))
            assert answer.status_code == 404, junk
            answer = await http.post(f"/api/v1/statuses/{junk}/favourite",
                                     headers=bearer(token))
            assert answer.status_code == 404, junk

        unauthenticated = await http.post("/api/v1/statuses", json={"status": "hi"})
        assert unauthenticated.status_code == 401
        reader = bearer(await token_for(kinhaven, "amy", "read"))
        assert (await http.post("/api/v1/statuses", headers=reader,
                                json={"status": "hi"})).status_code == 403
        assert (await http.post(f"/api/v1/statuses/{existing.id}/favourite",
                                headers=reader)).status_code == 403
        assert (await http.get(f"/api/v1/statuses/{existing.id}",
                               headers=bearer("not-a-token"))).status_code == 401
        paged = await http.get(f"/api/v1/statuses/{existing.id}/favourited_by?limit=zero")
        assert paged.status_code == 422
