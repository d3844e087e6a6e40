"""Bookmarks and favourites lists: paging by Link header, and only what the member may
still see."""

from __future__ import annotations

from pathlib import Path

from server.services import posting
from tests.api import bearer, call, mastodon, token_for
from tests.api.members import federation_of, member, post
from tests.instances import run_instance


async def test_bookmarks_page_by_link_header(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        amy = await member(kinhaven, "amy")
        await member(kinhaven, "ben")
        written = [await post(kinhaven, amy, f"post {n}") for n in range(5)]
        client = mastodon(kinhaven, await token_for(kinhaven, "ben", "read write"))
        for item in written:
            await call(client.status_bookmark, item.id)
        newest = [str(item.id) for item in reversed(written)]
        first = await call(client.bookmarks, limit=2)
        assert [s["id"] for s in first] == newest[:2]
        assert all(s["bookmarked"] for s in first)
        second = await call(client.fetch_next, first)
        assert second is not None and [s["id"] for s in second] == newest[2:4]
        third = await call(client.fetch_next, second)
        assert third is not None and [s["id"] for s in third] == newest[4:]
        back = await call(client.fetch_previous, second)
        assert back is not None and [s["id"] for s in back] == newest[:2]


async def test_lists_show_only_what_the_member_may_see(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        amy = await member(kinhaven, "amy")
        await member(kinhaven, "ben")
        kept = await post(kinhaven, amy, "stays")
        gone = await post(kinhaven, amy, "goes")
        client = mastodon(kinhaven, await token_for(kinhaven, "ben", "read write"))
        for item in (kept, gone):
            await call(client.status_bookmark, item.id)
            await call(client.status_favourite, item.id)
        await posting.delete(federation_of(kinhaven), amy, gone)
        assert [s["id"] for s in await call(client.bookmarks)] == [str(kept.id)]
        assert [s["id"] for s in await call(client.favourites)] == [str(kept.id)]
        amys = mastodon(kinhaven, await token_for(kinhaven, "amy", "read"))
        assert await call(amys.bookmarks) == []  # bookmarks are each member's own


async def test_scopes_and_bad_paging(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        await member(kinhaven, "ben")
        http = kinhaven.client
        assert (await http.get("/api/v1/bookmarks")).status_code == 401
        narrow = bearer(await token_for(kinhaven, "ben", "read:favourites"))
        assert (await http.get("/api/v1/bookmarks", headers=narrow)).status_code == 403
        assert (await http.get("/api/v1/favourites", headers=narrow)).status_code == 200
        for query in ("limit=zero", "max_id=abc", "limit=-1"):
            answer = await http.get(f"/api/v1/favourites?{query}", headers=narrow)
            assert answer.status_code == 422 and "error" in answer.json()
