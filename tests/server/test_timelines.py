"""Timelines, profiles, muting and the front page over real HTTP on a real SQLite file."""

from __future__ import annotations

import asyncio
import re
from contextlib import AsyncExitStack

import httpx

from server.storage import interactions
from server.storage import mutes as mute_store
from server.storage import policy as policy_store
from server.storage.settings import set_setting
from tests.browsing import csrf_in
from tests.instances import RunningInstance
from tests.server.reading import follow, member, post, remote_person, remote_post, sign_in

_NUMBERED = re.compile(r"numbered-post-(\d+)\b")
_OLDER = re.compile(r'href="([^"]+)" rel="next">Older posts')


async def _walk(client: httpx.AsyncClient, path: str) -> list[list[int]]:
    """Every page of a list, following "Older posts" links: the numbers on each page."""
    pages = []
    while True:
        answer = await client.get(path)
        assert answer.status_code == 200
        pages.append([int(n) for n in _NUMBERED.findall(answer.text)])
        older = _OLDER.search(answer.text)
        if older is None:
            return pages
        path = older[1].replace("&amp;", "&")
        assert "max_id=" in path and "offset" not in path


async def test_keyset_pages_have_no_duplicates_or_gaps(kinhaven: RunningInstance) -> None:
    ana = await member(kinhaven, "ana")
    numbers = []
    for n in range(53):
        # Hidden posts between the visible ones must not cost a page its fullness.
        visibility = "direct" if n % 4 == 3 else "public"
        await post(kinhaven, ana, f"numbered-post-{n}", visibility=visibility, tags=["walk"])
        if visibility == "public":
            numbers.append(n)
    for path in ("/community", "/tags/walk", "/@ana", "/federated"):
        pages = await _walk(kinhaven.client, path)
        assert [len(page) for page in pages[:-1]] == [20] * (len(pages) - 1), path
        flat = [n for page in pages for n in page]
        assert flat == sorted(numbers, reverse=True), path
    assert (await kinhaven.client.get("/community?max_id=garbage")).status_code == 200


async def test_home_merges_posts_and_boosts_and_pages_them(kinhaven: RunningInstance) -> None:
    ana = await member(kinhaven, "ana")
    fran = await member(kinhaven, "fran")
    sam = await member(kinhaven, "sam")
    await follow(kinhaven, ana, fran)
    strangers_post = await post(kinhaven, sam, "numbered-post-1000 by a stranger")
    for n in range(25):
        await post(kinhaven, fran, f"numbered-post-{n}")
        if n == 10:
            await asyncio.sleep(0.005)  # arrival times are kept to the millisecond
            await interactions.record_interaction(
                kinhaven.db, "boost", uri="urn:boost:1", actor_id=fran.id,
                post_id=strangers_post.id)
            await asyncio.sleep(0.005)
    await post(kinhaven, ana, "numbered-post-500 of my own")
    await post(kinhaven, sam, "numbered-post-2000 not followed")
    async with AsyncExitStack() as stack:
        client = await sign_in(stack, kinhaven, "ana")
        first = (await client.get("/home")).text
        assert '<a href="/@fran">fran</a> boosted' in first
        pages = await _walk(client, "/home")
    flat = [n for page in pages for n in page]
    expected = [500, *range(24, 10, -1), 1000, *range(10, -1, -1)]
    assert flat == expected
    assert len(pages[0]) == 20


async def test_home_needs_signing_in(kinhaven: RunningInstance) -> None:
    answer = await kinhaven.client.get("/home?max_id=5")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/home%3Fmax_id%3D5"


async def test_front_page_welcomes_visitors_and_sends_members_home(
        kinhaven: RunningInstance) -> None:
    await member(kinhaven, "ana")
    page = await kinhaven.client.get("/")
    assert page.status_code == 200
    assert 'href="/login"' in page.text and 'href="/signup"' in page.text
    assert kinhaven.settings.domain in page.text
    async with AsyncExitStack() as stack:
        client = await sign_in(stack, kinhaven, "ana")
        answer = await client.get("/")
        assert answer.status_code == 303 and answer.headers["location"] == "/home"


async def test_muted_words_hide_posts_everywhere(kinhaven: RunningInstance) -> None:
    ana = await member(kinhaven, "ana")
    fran = await member(kinhaven, "fran")
    await follow(kinhaven, ana, fran)
    await post(kinhaven, fran, "a rough Relapse story")
    await post(kinhaven, fran, "feeling calm", summary="relapse mention")
    await post(kinhaven, fran, "relapsed is a different word")
    await post(kinhaven, ana, "my own relapse post")
    await post(kinhaven, fran, "a calm evening", tags=["evening"])
    async with AsyncExitStack() as stack:
        client = await sign_in(stack, kinhaven, "ana")
        settings = await client.get("/settings/muted-words")
        token = csrf_in(settings.text)
        added = await client.post("/settings/muted-words",
                                  data={"csrf_token": token, "phrase": "  relapse "})
        assert added.status_code == 303
        for path in ("/home", "/community", "/@fran"):
            text = (await client.get(path)).text
            assert "rough Relapse" not in text and "feeling calm" not in text, path
            assert "relapsed is a different word" in text, path
        # A member's own posts are never hidden from them by their own muted words.
        assert "my own relapse post" in (await client.get("/home")).text

        empty = await client.post("/settings/muted-words", data={"csrf_token": token,
                                                                  "phrase": "   "})
        assert empty.status_code == 400
        assert 'aria-describedby="phrase-error"' in empty.text
        long = await client.post("/settings/muted-words", data={"csrf_token": token,
                                                                 "phrase": "x" * 101})
        assert long.status_code == 400 and "at most 100 characters" in long.text
        forged = await client.post("/settings/muted-words", data={"csrf_token": "nope",
                                                                   "phrase": "calm"})
        assert forged.status_code == 403
        listed = await client.get("/settings/muted-words")
        assert ">relapse</span>" in listed.text
        (word,) = await mute_store.muted_words(kinhaven.db, ana.id)
        removed = await client.post("/settings/muted-words/remove",
                                    data={"csrf_token": token, "word_id": str(word.id)})
        assert removed.status_code == 303
        assert "rough Relapse" in (await client.get("/home")).text


async def test_at_most_200_muted_words(kinhaven: RunningInstance) -> None:
    ana = await member(kinhaven, "ana")
    for n in range(mute_store.MAX_PHRASES):
        await mute_store.add_muted_word(kinhaven.db, ana.id, f"word{n}")
    async with AsyncExitStack() as stack:
        client = await sign_in(stack, kinhaven, "ana")
        token = csrf_in((await client.get("/settings/muted-words")).text)
        refused = await client.post("/settings/muted-words",
                                    data={"csrf_token": token, "phrase": "one more"})
        assert refused.status_code == 400 and "at most 200 words" in refused.text
        again = await client.post("/settings/muted-words",
                                  data={"csrf_token": token, "phrase": "WORD7"})
        assert again.status_code == 303
    assert len(await mute_store.muted_words(kinhaven.db, ana.id)) == mute_store.MAX_PHRASES


async def test_mute_and_unmute_from_a_profile(kinhaven: RunningInstance) -> None:
    ana = await member(kinhaven, "ana")
    fran = await member(kinhaven, "fran")
    await post(kinhaven, fran, "fran-speaks")
    async with AsyncExitStack() as stack:
        client = await sign_in(stack, kinhaven, "ana")
        profile = await client.get("/@fran")
        assert "Mute @fran" in profile.text
        token = csrf_in(profile.text)
        muted = await client.post(f"/people/{fran.id}/mute", data={"csrf_token": token})
        assert muted.status_code == 303 and muted.headers["location"] == "/@fran"
        assert await mute_store.is_muted(kinhaven.db, actor_id=ana.id, target_id=fran.id)
        assert "fran-speaks" not in (await client.get("/community")).text
        profile = await client.get("/@fran")
        assert "You have muted this person" in profile.text and "fran-speaks" not in profile.text
        await client.post(f"/people/{fran.id}/unmute", data={"csrf_token": token})
        assert "fran-speaks" in (await client.get("/community")).text
        refused = await client.post(f"/people/{fran.id}/mute", data={"csrf_token": "x"})
        assert refused.status_code == 403
    anonymous = await kinhaven.client.post(f"/people/{fran.id}/mute", data={})
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


async def test_remote_profile_shows_what_we_know(kinhaven: RunningInstance) -> None:
    await member(kinhaven, "ana")
    rita = await remote_person(kinhaven, "rita", "far.example")
    await remote_post(kinhaven, rita, "rita-public", number=1)
    await remote_post(kinhaven, rita, "rita-followers", visibility="followers", number=2)
    await remote_post(kinhaven, rita, "rita-tagged", number=3, tags=["kin"])
    page = await kinhaven.client.get("/@rita@far.example")
    assert page.status_code == 200
    assert "Rita Elsewhere" in page.text and "@rita@far.example" in page.text
    assert "rita-public" in page.text and "rita-followers" not in page.text
    # Her avatar comes through the media proxy, never straight from her server.
    assert "https://far.example/avatars" not in page.text
    assert "/media/proxy/" in page.text
    assert "rita-tagged" in (await kinhaven.client.get("/tags/kin")).text
    assert "rita-public" in (await kinhaven.client.get("/federated")).text
    assert "rita-public" not in (await kinhaven.client.get("/community")).text
    assert (await kinhaven.client.get("/@nobody@far.example")).status_code == 404

    await policy_store.block_domain(kinhaven.db, "example", severity="suspend",
                                    by_id=None, by_name="tests")
    assert (await kinhaven.client.get("/@rita@far.example")).status_code == 404
    assert "rita-public" not in (await kinhaven.client.get("/federated")).text


async def test_federated_timeline_can_be_turned_off(kinhaven: RunningInstance) -> None:
    ana = await member(kinhaven, "ana")
    await post(kinhaven, ana, "numbered-post-1")
    assert (await kinhaven.client.get("/federated")).status_code == 200
    await set_setting(kinhaven.db, "federated_timeline", "off")
    off = await kinhaven.client.get("/federated")
    assert off.status_code == 404
    assert "turned off" in off.text and "numbered-post-1" not in off.text
    assert 'href="/federated"' not in (await kinhaven.client.get("/")).text


async def test_post_card_shows_author_time_warning_and_actions(
        kinhaven: RunningInstance) -> None:
    ana = await member(kinhaven, "ana")
    fran = await member(kinhaven, "fran")
    mine = await post(kinhaven, ana, "behind-a-warning", summary="hard day",
                      visibility="local")
    theirs = await post(kinhaven, fran, "plain-post")
    await interactions.record_interaction(kinhaven.db, "like", uri="urn:like:1",
                                          actor_id=ana.id, post_id=theirs.id)
    async with AsyncExitStack() as stack:
        client = await sign_in(stack, kinhaven, "ana")
        page = (await client.get("/community")).text
    assert "<details" in page and "<summary>Content warning: hard day</summary>" in page
    assert f'datetime="{mine.published_at}"' in page
    assert "Members only" in page and ">@ana<" in page
    assert f'href="/posts/{mine.id}/edit"' in page  # editing, and deleting after a question
    assert f'href="/posts/{theirs.id}/edit"' not in page
    assert "/delete" not in page
    assert f'action="/posts/{theirs.id}/unlike"' in page
    assert f'action="/posts/{mine.id}/like"' in page
    assert f'href="/compose?reply_to={theirs.id}"' in page
    forms = page.count('method="post"')
    assert page.count('name="csrf_token"') == forms
    assert "style=" not in page and "<script" not in page


async def test_local_post_address_leads_to_its_thread(kinhaven: RunningInstance) -> None:
    ana = await member(kinhaven, "ana")
    shown = await post(kinhaven, ana, "a-public-post")
    hidden = await post(kinhaven, ana, "a-direct-post", visibility="direct")
    answer = await kinhaven.client.get(f"/@ana/{shown.id}")
    assert answer.status_code == 301 and answer.headers["location"] == f"/posts/{shown.id}"
    assert (await kinhaven.client.get(f"/@ana/{hidden.id}")).status_code == 404
    assert (await kinhaven.client.get(f"/@someone/{shown.id}")).status_code == 404
