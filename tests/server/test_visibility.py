"""Every visibility against every kind of reader, on every list and on the thread page,
over real HTTP against a real SQLite file."""

from __future__ import annotations

from contextlib import AsyncExitStack

import httpx

from server.storage import interactions
from server.storage import mutes as mute_store
from server.storage.visibility import muted_words_pattern, plain_text
from tests.instances import RunningInstance
from tests.server.reading import follow, member, post, sign_in

VISIBILITIES = ("public", "unlisted", "local", "followers", "direct")
ALL = frozenset(VISIBILITIES)
NOTHING: frozenset[str] = frozenset()
PLACES = ("community", "federated", "tag", "profile", "thread", "home")

# What each kind of reader sees of Ana's posts (one of each visibility, each mentioning
# Mia, each tagged #kin), place by place. Home is None where it needs signing in.
EXPECTED: dict[str, dict[str, frozenset[str] | None]] = {
    "anonymous": {
        "community": frozenset({"public"}), "federated": frozenset({"public"}),
        "tag": frozenset({"public"}), "profile": frozenset({"public", "unlisted"}),
        "thread": frozenset({"public", "unlisted"}), "home": None,
    },
    "author": {
        "community": frozenset({"public", "local"}), "federated": frozenset({"public"}),
        "tag": frozenset({"public", "local"}),
        "profile": frozenset({"public", "unlisted", "local", "followers"}),
        "thread": ALL, "home": ALL,
    },
    "follower": {
        "community": frozenset({"public", "local"}), "federated": frozenset({"public"}),
        "tag": frozenset({"public", "local"}),
        "profile": frozenset({"public", "unlisted", "local", "followers"}),
        "thread": frozenset({"public", "unlisted", "local", "followers"}),
        "home": frozenset({"public", "unlisted", "local", "followers"}),
    },
    "pending follower": {
        "community": frozenset({"public", "local"}), "federated": frozenset({"public"}),
        "tag": frozenset({"public", "local"}),
        "profile": frozenset({"public", "unlisted", "local"}),
        "thread": frozenset({"public", "unlisted", "local"}), "home": NOTHING,
    },
    "stranger": {
        "community": frozenset({"public", "local"}), "federated": frozenset({"public"}),
        "tag": frozenset({"public", "local"}),
        "profile": frozenset({"public", "unlisted", "local"}),
        "thread": frozenset({"public", "unlisted", "local"}), "home": NOTHING,
    },
    "mentioned": {
        "community": frozenset({"public", "local"}), "federated": frozenset({"public"}),
        "tag": frozenset({"public", "local"}),
        "profile": frozenset({"public", "unlisted", "local", "followers"}),
        "thread": ALL, "home": NOTHING,
    },
    "blocked by author": dict.fromkeys(PLACES, NOTHING),
    "blocking author": dict.fromkeys(PLACES, NOTHING),
    "muting author": dict.fromkeys(PLACES, NOTHING),
}


def marker(visibility: str) -> str:
    return f"marker-{visibility}-post"


def seen(html: str) -> frozenset[str]:
    return frozenset(v for v in VISIBILITIES if marker(v) in html)


async def test_every_visibility_for_every_reader_everywhere(kinhaven: RunningInstance) -> None:
    ana = await member(kinhaven, "ana")
    fran = await member(kinhaven, "fran")
    penny = await member(kinhaven, "penny")
    await member(kinhaven, "sam")
    mia = await member(kinhaven, "mia")
    bo = await member(kinhaven, "bo")
    bea = await member(kinhaven, "bea")
    mo = await member(kinhaven, "mo")
    await follow(kinhaven, fran, ana)
    await follow(kinhaven, penny, ana, accepted=False)
    for blocked in (bo, bea, mo):
        await follow(kinhaven, blocked, ana)
    await interactions.record_block(kinhaven.db, uri="urn:block:1", actor_id=ana.id,
                                    target_id=bo.id)
    await interactions.record_block(kinhaven.db, uri="urn:block:2", actor_id=bea.id,
                                    target_id=ana.id)
    await mute_store.mute(kinhaven.db, actor_id=mo.id, target_id=ana.id)
    posts = {v: await post(kinhaven, ana, f"{marker(v)} for @mia", visibility=v,
                           mentions=[mia], tags=["kin"]) for v in VISIBILITIES}

    readers = {"anonymous": None, "author": "ana", "follower": "fran",
               "pending follower": "penny", "stranger": "sam", "mentioned": "mia",
               "blocked by author": "bo", "blocking author": "bea", "muting author": "mo"}
    wrong = []
    async with AsyncExitStack() as stack:
        for kind, username in readers.items():
            client = (kinhaven.client if username is None
                      else await sign_in(stack, kinhaven, username))
            pages = {"community": "/community", "federated": "/federated",
                     "tag": "/tags/kin", "profile": "/@ana", "home": "/home"}
            for place, path in pages.items():
                answer = await client.get(path)
                got: frozenset[str] | None
                if answer.status_code == 303:
                    assert answer.headers["location"] == f"/login?next={path}"
                    got = None
                else:
                    assert answer.status_code == 200, (kind, path, answer.status_code)
                    got = seen(answer.text)
                if got != EXPECTED[kind][place]:
                    wrong.append(f"{kind} on {place}: saw {sorted(got or [])}, expected "
                                 f"{sorted(EXPECTED[kind][place] or [])}")
            thread_seen = set()
            for visibility, stored in posts.items():
                answer = await client.get(f"/posts/{stored.id}")
                if answer.status_code == 200:
                    assert marker(visibility) in answer.text
                    thread_seen.add(visibility)
                else:
                    assert answer.status_code == 404
                    assert marker(visibility) not in answer.text
            if frozenset(thread_seen) != EXPECTED[kind]["thread"]:
                wrong.append(f"{kind} on thread: saw {sorted(thread_seen)}")
    assert not wrong, "\n".join(wrong)


async def test_replies_in_a_thread_follow_the_same_rules(kinhaven: RunningInstance) -> None:
    ana = await member(kinhaven, "ana")
    fran = await member(kinhaven, "fran")
    await member(kinhaven, "sam")
    await follow(kinhaven, fran, ana)
    root = await post(kinhaven, ana, "root-of-thread")
    private = await post(kinhaven, fran, "marker-direct-reply", visibility="direct",
                         reply_to=root, mentions=[ana])
    await post(kinhaven, ana, "reply-under-hidden", reply_to=private)
    public_reply = await post(kinhaven, fran, "marker-public-reply", reply_to=root)
    async with AsyncExitStack() as stack:
        sam = await sign_in(stack, kinhaven, "sam")
        page = (await sam.get(f"/posts/{root.id}")).text
        assert "marker-public-reply" in page
        assert "marker-direct-reply" not in page
        # A reply under a post the reader may not see would show a conversation half-told.
        assert "reply-under-hidden" not in page
        author = await sign_in(stack, kinhaven, "ana")
        page = (await author.get(f"/posts/{root.id}")).text
        assert "marker-direct-reply" in page and "reply-under-hidden" in page
        # From a reply, its ancestors come first.
        page = (await sam.get(f"/posts/{public_reply.id}")).text
        assert page.index("root-of-thread") < page.index("marker-public-reply")
    anonymous = (await kinhaven.client.get(f"/posts/{private.id}")).text
    assert "marker-direct-reply" not in anonymous


async def test_suspended_accounts_and_deleted_posts_are_hidden(kinhaven: RunningInstance
                                                                ) -> None:
    from server.storage import posts as post_store
    from tests.moderating import sanction_account

    ana = await member(kinhaven, "ana")
    sue = await member(kinhaven, "sue")
    kept = await post(kinhaven, ana, "marker-kept")
    gone = await post(kinhaven, ana, "marker-gone")
    hidden = await post(kinhaven, sue, "marker-suspended")
    await post_store.delete_post(kinhaven.db, gone.id, gone.uri)
    await sanction_account(kinhaven.db, sue.id, "suspend")
    for path in ("/community", "/federated", f"/posts/{hidden.id}", "/@sue"):
        text = (await kinhaven.client.get(path)).text
        assert "marker-suspended" not in text and "marker-gone" not in text
    assert "marker-kept" in (await kinhaven.client.get("/community")).text
    assert (await kinhaven.client.get(f"/posts/{kept.id}")).status_code == 200
    assert (await kinhaven.client.get(f"/posts/{gone.id}")).status_code == 404
    assert (await kinhaven.client.get("/@sue")).status_code == 410


async def test_pages_carry_no_marker_of_a_hidden_post(kinhaven: RunningInstance) -> None:
    """Not in links, counts or attributes either: the id of a direct post is not leaked
    through the community page's "Older posts" link or anywhere else."""
    ana = await member(kinhaven, "ana")
    secret = await post(kinhaven, ana, "marker-direct-post", visibility="direct")
    await post(kinhaven, ana, "marker-public-post")
    page = (await kinhaven.client.get("/community")).text
    assert f"/posts/{secret.id}" not in page
    assert "marker-direct-post" not in page


def test_muted_words_match_whole_words_ignoring_case() -> None:
    pattern = muted_words_pattern(["Sad", "bad day"])
    assert pattern is not None
    assert pattern.search("I am SAD today")
    assert pattern.search("what a bad   day")
    assert not pattern.search("saddle up")
    assert not pattern.search("a badday")
    assert muted_words_pattern([]) is None
    assert plain_text("<p>so <b>sad</b>&amp;tired</p>").split() == ["so", "sad", "&tired"]


async def test_federated_timeline_includes_public_only(kinhaven: RunningInstance) -> None:
    ana = await member(kinhaven, "ana")
    await post(kinhaven, ana, "marker-local-post", visibility="local")
    async with AsyncExitStack() as stack:
        client: httpx.AsyncClient = await sign_in(stack, kinhaven, "ana")
        assert seen((await client.get("/federated")).text) == NOTHING
