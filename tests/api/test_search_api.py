"""Search v2 through Mastodon.py: a member of a second Kinhaven instance found through
WebFinger, a post fetched by its address through the inbound moderation pipeline,
and nothing shown to someone not entitled to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from moderation.keywords import KeywordAction, KeywordRule
from server.storage import keywords as keyword_store
from server.storage import posts as post_store
from server.storage.decisions import recent_decisions
from tests.api import bearer, call, mastodon, token_for
from tests.api.members import follows, member, post
from tests.instances import RunningInstance, run_instance


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[tuple[RunningInstance, RunningInstance]]:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with run_instance(tmp_path / "a") as a, run_instance(tmp_path / "b") as b:
        yield a, b


async def test_resolve_finds_a_member_and_posts_elsewhere(
    pair: tuple[RunningInstance, RunningInstance],
) -> None:
    a, b = pair
    amy = await member(a, "amy")
    bob = await member(b, "bob")
    await keyword_store.add_rule(
        a.db, KeywordRule(id=0, text="casino", action=KeywordAction.HOLD),
        by_id=amy.id, by_name="@amy")
    public = await post(b, bob, "hello from the other side #Hope")
    hidden = await post(b, bob, "followers only", visibility="followers")
    held = await post(b, bob, "win at the casino")
    client = mastodon(a, await token_for(a, "amy", "read"))
    handle = f"bob@{b.settings.domain}"

    assert (await call(client.search_v2, handle, resolve=False))["accounts"] == []
    found = await call(client.search_v2, f"@{handle}", resolve=True)
    assert [acc["acct"] for acc in found["accounts"]] == [handle]
    again = await call(client.search_v2, "bo", resolve=False, result_type="accounts")
    assert [acc["acct"] for acc in again["accounts"]] == [handle]

    statuses = (await call(client.search_v2, public.uri, resolve=True))["statuses"]
    assert [s["uri"] for s in statuses] == [public.uri]
    assert "hello from the other side" in statuses[0]["content"]
    assert statuses[0]["account"]["acct"] == handle
    for refused in (hidden, held):
        answer = await call(client.search_v2, refused.uri, resolve=True)
        assert answer["statuses"] == [], refused.uri
        assert await post_store.get_post_by_uri(a.db, refused.uri) is None
    decisions = await recent_decisions(a.db)
    assert [(d.subject_uri, d.action) for d in decisions] == [(held.uri, "hold")]
    unresolved = await call(client.search_v2, f"{public.uri}x", resolve=False)
    assert unresolved["statuses"] == []


async def test_local_addresses_and_hashtags_respect_who_may_see(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        await member(kinhaven, "amy")
        ben, cal = await member(kinhaven, "ben"), await member(kinhaven, "cal")
        await follows(kinhaven, cal, ben)
        public = await post(kinhaven, ben, "for everyone #hopeful")
        private = await post(kinhaven, ben, "for followers #hopeful", visibility="followers")
        direct = await post(kinhaven, ben, "@cal quietly", visibility="direct")
        base = kinhaven.base_url
        tokens = {name: await token_for(kinhaven, name, "read") for name in ("amy", "cal")}

        async def statuses(name: str, address: str) -> list[str]:
            client = mastodon(kinhaven, tokens[name])
            found = await call(client.search_v2, address, resolve=True)
            return [s["id"] for s in found["statuses"]]

        for address in (f"{base}/posts/{public.id}", public.uri, f"{base}/@ben/{public.id}"):
            assert await statuses("amy", address) == [str(public.id)], address
        for hidden in (private, direct):
            assert await statuses("amy", f"{base}/posts/{hidden.id}") == []
            assert await statuses("amy", hidden.uri) == []
            assert await statuses("cal", hidden.uri) == [str(hidden.id)]
        client = mastodon(kinhaven, tokens["amy"])
        tags = await call(client.search_v2, "#hope", result_type="hashtags")
        assert [t["name"] for t in tags["hashtags"]] == ["hopeful"]
        people = await call(client.search_v2, "ben")
        assert [p["username"] for p in people["accounts"]] == ["ben"]
        assert people["statuses"] == [] and people["hashtags"] == []


async def test_bad_searches(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        await member(kinhaven, "amy")
        reader = bearer(await token_for(kinhaven, "amy", "read:search"))
        writer = bearer(await token_for(kinhaven, "amy", "write"))
        client = kinhaven.client

        async def status(query: str, headers: dict[str, str] = reader) -> int:
            answer = await client.get(f"/api/v2/search?{query}", headers=headers)
            assert "error" in answer.json() or answer.status_code == 200
            return answer.status_code

        assert (await client.get("/api/v2/search?q=amy")).status_code == 401
        assert await status("q=amy", writer) == 403
        assert await status("") == 400
        assert await status("q=%20") == 400
        assert await status("q=" + "a" * 301) == 422
        assert await status("q=amy&limit=0") == 422
        assert await status("q=amy&offset=abc") == 422
        assert await status("q=amy&resolve=maybe") == 422
        assert await status("q=amy&limit=100000") == 200
        junk = await client.get("/api/v2/search?q=amy&type=junk", headers=reader)
        assert junk.json() == {"accounts": [], "statuses": [], "hashtags": []}
        for query in ("q=@@@", "q=a@b@c", "q=http://", "q=https://127.0.0.1:1/x&resolve=true",
                      "q=%00", "q=amy@127.0.0.1:1&resolve=true"):
            assert await status(query) == 200, query
        mine = await client.get("/api/v2/search?q=amy", headers=reader)
        assert [a["username"] for a in mine.json()["accounts"]] == ["amy"]
