"""The timelines through Mastodon.py: paging by Link header, since_id and min_id, boosts
as Statuses of their own, and who sees which post."""

from __future__ import annotations

from pathlib import Path

from moderation.keywords import KeywordAction, KeywordRule
from server.services import reactions
from server.storage import keywords as keyword_store
from server.storage.settings import set_setting
from server.web.timelines import FEDERATED_SETTING
from tests.api import bearer, call, mastodon, token_for
from tests.api.members import federation_of, follows, member, post
from tests.instances import run_instance


async def test_home_pages_by_link_header_since_id_and_min_id(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        amy, ben, cal = [await member(kinhaven, name) for name in ("amy", "ben", "cal")]
        await follows(kinhaven, amy, ben)
        written = [await post(kinhaven, ben, f"post number {n}") for n in range(25)]
        newest = [str(p.id) for p in reversed(written)]
        client = mastodon(kinhaven, await token_for(kinhaven, "amy", "read"))

        first = await call(client.timeline_home, limit=10)
        assert [s["id"] for s in first] == newest[:10]
        second = await call(client.fetch_next, first)
        assert second is not None and [s["id"] for s in second] == newest[10:20]
        third = await call(client.fetch_next, second)
        assert third is not None and [s["id"] for s in third] == newest[20:]
        back = await call(client.fetch_previous, second)
        assert back is not None and [s["id"] for s in back] == newest[:10]

        after = await call(client.timeline_home, min_id=newest[15], limit=5)
        assert [s["id"] for s in after] == newest[10:15]
        since = await call(client.timeline_home, since_id=newest[15], limit=5)
        assert [s["id"] for s in since] == newest[:5]

        cals = await post(kinhaven, cal, "worth passing on")
        await reactions.boost(federation_of(kinhaven), ben, cals)
        top = await call(client.timeline_home, limit=3)
        assert top[0]["id"].startswith("b")
        assert top[0]["reblog"]["id"] == str(cals.id)
        assert top[0]["reblog"]["account"]["username"] == "cal"
        assert top[0]["account"]["username"] == "ben"
        assert [s["id"] for s in top[1:]] == newest[:2]
        older = await call(client.timeline_home, max_id=top[0]["id"], limit=2)
        assert [s["id"] for s in older] == newest[:2]
        newer = await call(client.timeline_home, min_id=newest[0])
        assert [s["id"] for s in newer] == [top[0]["id"]]


async def test_privacy_holds_on_every_timeline(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        amy, ben, cal = [await member(kinhaven, n) for n in ("amy", "ben", "cal")]
        await member(kinhaven, "dan")
        await follows(kinhaven, amy, ben)
        await follows(kinhaven, cal, ben)
        await keyword_store.add_rule(
            kinhaven.db, KeywordRule(id=0, text="casino", action=KeywordAction.HOLD),
            by_id=ben.id, by_name="@ben")
        public = await post(kinhaven, ben, "open to all #hope")
        members = await post(kinhaven, ben, "members only #hope", visibility="local")
        followers = await post(kinhaven, ben, "followers only #hope", visibility="followers")
        direct = await post(kinhaven, ben, "@amy just us #hope", visibility="direct")
        held = await post(kinhaven, ben, "come to the casino #hope")
        assert held.held_at is not None

        async def ids(name: str, method: str, **options: object) -> set[str]:
            client = mastodon(kinhaven, await token_for(kinhaven, name, "read"))
            return {s["id"] for s in await call(getattr(client, method), **options)}

        assert await ids("amy", "timeline_home") == {
            str(p.id) for p in (public, members, followers, direct)}
        assert await ids("cal", "timeline_home") == {str(p.id) for p in (
            public, members, followers)}
        assert await ids("dan", "timeline_home") == set()
        assert str(held.id) in await ids("ben", "timeline_home")
        for name in ("amy", "cal", "dan"):
            assert await ids(name, "timeline_local") == {str(public.id), str(members.id)}
            assert await ids(name, "timeline_public") == {str(public.id)}
            assert await ids(name, "timeline_hashtag", hashtag="hope") == {
                str(public.id), str(members.id)}
        assert await ids("ben", "timeline_local") == {
            str(p.id) for p in (public, members, held)}

        for path in ("/api/v1/timelines/public?local=true", "/api/v1/timelines/public",
                     "/api/v1/timelines/tag/hope"):
            answer = await kinhaven.client.get(path)
            assert answer.status_code == 200, path
            assert [s["id"] for s in answer.json()] == [str(public.id)], path


async def test_public_and_hashtag_filters(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        amy, ben = await member(kinhaven, "amy"), await member(kinhaven, "ben")
        await follows(kinhaven, amy, ben)
        mine = await post(kinhaven, ben, "here #Hope #calm")
        other = await post(kinhaven, ben, "also here #hope")
        client = mastodon(kinhaven, await token_for(kinhaven, "amy", "read"))
        assert await call(client.timeline_public, remote=True) == []
        assert await call(client.timeline_public, only_media=True) == []
        found = await call(client.timeline_hashtag, "calm")
        assert [s["id"] for s in found] == [str(mine.id)]
        assert [s["id"] for s in await call(client.timeline_hashtag, "hope", local=True)
                ] == [str(other.id), str(mine.id)]

        async def tagged(query: str) -> list[str]:
            answer = await kinhaven.client.get(f"/api/v1/timelines/tag/{query}")
            assert answer.status_code == 200, answer.text
            return [s["id"] for s in answer.json()]

        assert await tagged("hope?none[]=calm") == [str(other.id)]
        assert await tagged("nothing?any[]=calm") == [str(mine.id)]
        assert await tagged("hope?all[]=calm&all[]=hope") == [str(mine.id)]
        assert await tagged("hope?only_media=true") == []


async def test_bad_requests_are_refused_in_mastodons_shape(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        amy, ben = await member(kinhaven, "amy"), await member(kinhaven, "ben")
        await follows(kinhaven, amy, ben)
        for n in range(3):
            await post(kinhaven, ben, f"number {n}")
        reader = bearer(await token_for(kinhaven, "amy", "read"))
        writer = bearer(await token_for(kinhaven, "amy", "write"))
        client = kinhaven.client
        assert (await client.get("/api/v1/timelines/home")).status_code == 401
        assert (await client.get("/api/v1/timelines/home", headers=writer)).status_code == 403
        bad = bearer("not-a-token")
        assert (await client.get("/api/v1/timelines/public", headers=bad)).status_code == 401
        for query in ("limit=0", "limit=-1", "limit=ten", "max_id=abc", "since_id=b",
                      "min_id=1.5", "max_id=b12x"):
            for path in ("/api/v1/timelines/home", "/api/v1/timelines/public",
                         "/api/v1/timelines/tag/hope"):
                answer = await client.get(f"{path}?{query}", headers=reader)
                assert answer.status_code == 422, (path, query)
                assert "error" in answer.json()
        huge = await client.get("/api/v1/timelines/home?limit=99999999999999999999999",
                                headers=reader)
        assert huge.status_code == 200 and len(huge.json()) == 3
        far = await client.get("/api/v1/timelines/home?max_id=99999999999999999999",
                               headers=reader)
        assert far.status_code == 200 and len(far.json()) == 3
        gone = await client.get("/api/v1/timelines/home?max_id=b999", headers=reader)
        assert gone.status_code == 200
        assert (await client.get("/api/v1/timelines/tag/hope?any[]=" + "x" * 101,
                                 headers=reader)).status_code == 422
        assert (await client.get("/api/v1/timelines/tag/" + "x" * 200)).status_code == 404
        assert (await client.get("/api/v1/timelines/list/1", headers=reader)).status_code == 404
        link = (await client.get("/api/v1/timelines/home?limit=2", headers=reader)).headers
        assert 'rel="next"' in link["link"] and "max_id=" in link["link"]

        await set_setting(kinhaven.db, FEDERATED_SETTING, "off")
        off = await client.get("/api/v1/timelines/public", headers=reader)
        assert off.status_code == 404 and "error" in off.json()
        local = await client.get("/api/v1/timelines/public?local=true", headers=reader)
        assert local.status_code == 200 and len(local.json()) == 3
