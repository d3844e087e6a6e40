"""Moderators warning, limiting, marking sensitive and suspending accounts from the
web, and what that does for members and for accounts on other servers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from server.storage import audit
from server.storage import follows as follow_store
from server.storage import inbound as inbound_store
from server.storage import posts as post_store
from server.storage import sanctions as sanction_store
from server.storage.actors import Actor, get_actor_by_uri, get_local_actor_by_username
from tests.browsing import browser_session, member_browser, sign_in, submit
from tests.fake_mastodon import FakeAccount, FakeMastodon, run_fake_mastodon
from tests.federating import accepted_follower
from tests.instances import RunningInstance, run_instance
from tests.moderating import end_sanctions_now, open_follows, sanction_account
from tests.waiting import wait_until


@pytest.fixture
async def kinhaven(tmp_path: Path) -> AsyncIterator[RunningInstance]:
    async with run_instance(tmp_path) as instance:
        await instance.add_member("boss", role="admin")
        await instance.add_member("mod", role="moderator")
        await instance.add_member("mod2", role="moderator")
        await instance.add_member("amy")
        await instance.add_member("ben")
        yield instance


async def _actor(kinhaven: RunningInstance, name: str) -> Actor:
    actor = await get_local_actor_by_username(kinhaven.db, name)
    assert actor is not None
    return actor


async def _act(client: httpx.AsyncClient, target: Actor, **fields: str) -> httpx.Response:
    page = f"/admin/accounts/{target.id}"
    return await submit(client, page, f"{page}/sanction",
                        {"duration": "7d", "reason": "", "note": "", **fields})


async def _post(kinhaven: RunningInstance, name: str, text: str) -> int:
    async with member_browser(kinhaven, name) as client:
        answer = await submit(client, "/compose", "/compose",
                              {"text": text, "visibility": "public"})
        assert answer.status_code == 303, answer.text[:300]
        return int(answer.headers["location"].rsplit("/", 1)[1])


async def test_a_warning_reaches_the_member_and_stays_in_their_history(
    kinhaven: RunningInstance,
) -> None:
    amy = await _actor(kinhaven, "amy")
    async with member_browser(kinhaven, "mod") as moderator:
        answer = await _act(moderator, amy, kind="warning",
                            reason="Please keep advice about medication general.",
                            note="Second time this month")
        assert answer.status_code == 303
        page = (await moderator.get(f"/admin/accounts/{amy.id}")).text
        assert "History (1)" in page and "Second time this month" in page
        assert "account.warning" in (await moderator.get("/admin/audit")).text
    async with member_browser(kinhaven, "amy") as member:
        notes = (await member.get("/notifications")).text
        assert "The moderators sent you a message" in notes
        own = (await member.get("/settings/moderation")).text
        assert "Please keep advice about medication general." in own
        assert "Second time this month" not in own, "the team's note stays with the team"
    assert (await sanction_store.standing_by_id(kinhaven.db, amy.id)).suspended is False


async def test_a_suspension_signs_out_hides_posts_and_ends_by_itself(
    kinhaven: RunningInstance,
) -> None:
    amy = await _actor(kinhaven, "amy")
    post_id = await _post(kinhaven, "amy", "marker-amy-post")
    async with browser_session(kinhaven) as member:
        await sign_in(member, "amy")
        assert (await member.get("/home")).status_code == 200
        async with member_browser(kinhaven, "mod") as moderator:
            answer = await _act(moderator, amy, kind="suspend", duration="1d",
                                reason="Sharing others' private messages.")
            assert answer.status_code == 303
        signed_out = await member.get("/home")
        assert signed_out.status_code == 303 and "/login" in signed_out.headers["location"]
    async with browser_session(kinhaven) as again:
        refused = await submit(again, "/login", "/login",
                               {"username": "amy", "password": "correct horse battery"})
        assert refused.status_code == 403
        assert "suspended until" in refused.text and "private messages" in refused.text
    assert "marker-amy-post" not in (await kinhaven.client.get("/community")).text
    assert (await kinhaven.client.get(f"/posts/{post_id}")).status_code == 404
    assert (await kinhaven.client.get("/@amy")).status_code == 410

    # A day passes: the suspension is over without anyone lifting it.
    await end_sanctions_now(kinhaven.db, amy.id)
    assert (await kinhaven.client.get(f"/posts/{post_id}")).status_code == 200
    async with member_browser(kinhaven, "amy") as back:
        assert (await back.get("/home")).status_code == 200


async def test_lifting_a_suspension_early(kinhaven: RunningInstance) -> None:
    amy = await _actor(kinhaven, "amy")
    await sanction_account(kinhaven.db, amy.id, "suspend")
    async with member_browser(kinhaven, "mod") as moderator:
        page = f"/admin/accounts/{amy.id}"
        lifted = await submit(moderator, page, f"{page}/lift", {"kind": "suspend"})
        assert lifted.status_code == 303
        again = await submit(moderator, page, f"{page}/lift", {"kind": "suspend"})
        assert again.status_code == 422 and "no suspend sanction is in force" in again.text
        history = (await moderator.get(page)).text
        assert "Lifted" in history and "by @mod" in history
    assert not (await sanction_store.standing_by_id(kinhaven.db, amy.id)).suspended
    async with member_browser(kinhaven, "amy") as member:
        assert (await member.get("/home")).status_code == 200


async def test_a_limited_member_is_seen_by_followers_only_and_must_ask_to_follow(
    kinhaven: RunningInstance,
) -> None:
    amy, ben = await _actor(kinhaven, "amy"), await _actor(kinhaven, "ben")
    await follow_store.record_follow(kinhaven.db, uri=f"{ben.uri}#follows/1", follower_id=ben.id,
                                     followee_id=amy.id, accepted=True)
    await sanction_account(kinhaven.db, amy.id, "limit")
    await _post(kinhaven, "amy", "marker-limited-post")
    assert "marker-limited-post" not in (await kinhaven.client.get("/community")).text
    async with member_browser(kinhaven, "mod") as stranger:
        assert "marker-limited-post" not in (await stranger.get("/community")).text
        assert "marker-limited-post" not in (await stranger.get("/@amy")).text
    async with member_browser(kinhaven, "ben") as follower:
        assert "marker-limited-post" in (await follower.get("/home")).text
        assert "marker-limited-post" in (await follower.get("/community")).text
    async with member_browser(kinhaven, "amy") as limited:
        assert "marker-limited-post" in (await limited.get("/@amy")).text
        mod = await _actor(kinhaven, "mod")
        await open_follows(kinhaven.db, mod.id)
        await submit(limited, "/@mod", "/people/follow", {"actor_id": str(mod.id)})
    follow = await follow_store.get_follow(kinhaven.db, amy.id, mod.id)
    assert follow is not None and follow.state == "pending"


async def test_a_sensitive_member_posts_behind_a_content_warning(
    kinhaven: RunningInstance,
) -> None:
    amy = await _actor(kinhaven, "amy")
    await sanction_account(kinhaven.db, amy.id, "sensitive")
    post = await post_store.get_post(kinhaven.db, await _post(kinhaven, "amy", "graphic words"))
    assert post is not None and post.sensitive
    assert post.summary == "Marked sensitive by the moderators"


@pytest.mark.parametrize(("actor", "fields", "message"), [
    ("mod", {"kind": "banish"}, "unknown sanction"),
    ("mod", {"kind": "suspend", "duration": "forever"}, "unknown duration"),
    ("mod", {"kind": "warning", "reason": "  "}, "a warning needs a message"),
    ("mod", {"kind": "limit", "reason": "x" * 2001}, "limited to 2000 characters"),
    ("mod", {"kind": "limit", "note": "x" * 2001}, "limited to 2000 characters"),
    ("mod", {"kind": "limit", "report_id": "999"}, "no longer exists"),
    ("mod", {"kind": "limit", "report_id": "abc"}, "no longer exists"),
])
async def test_bad_sanctions_change_nothing(kinhaven: RunningInstance, actor: str,
                                            fields: dict[str, str], message: str) -> None:
    amy = await _actor(kinhaven, "amy")
    entries = len(await audit.recent(kinhaven.db))
    async with member_browser(kinhaven, actor) as moderator:
        answer = await _act(moderator, amy, **fields)
    assert answer.status_code == 422 and message in answer.text
    assert "Nothing was changed" in answer.text or "no longer exists" in answer.text
    assert await sanction_store.history(kinhaven.db, amy.id) == []
    assert len(await audit.recent(kinhaven.db)) == entries


@pytest.mark.parametrize(("actor", "target", "message"), [
    ("mod", "mod", "your own account"),
    ("mod", "mod2", "only an admin can sanction a moderator"),
    ("mod", "boss", "admins cannot be sanctioned"),
    ("boss", "boss", "your own account"),
])
async def test_who_may_sanction_whom(kinhaven: RunningInstance, actor: str, target: str,
                                     message: str) -> None:
    victim = await _actor(kinhaven, target)
    async with member_browser(kinhaven, actor) as moderator:
        answer = await _act(moderator, victim, kind="suspend")
    assert answer.status_code == 422 and message in answer.text
    assert await sanction_store.history(kinhaven.db, victim.id) == []


async def test_admins_may_sanction_moderators(kinhaven: RunningInstance) -> None:
    mod2 = await _actor(kinhaven, "mod2")
    async with member_browser(kinhaven, "boss") as admin:
        assert (await _act(admin, mod2, kind="limit")).status_code == 303
    assert (await sanction_store.standing_by_id(kinhaven.db, mod2.id)).limited


async def test_members_visitors_and_forged_forms_are_turned_away(
    kinhaven: RunningInstance,
) -> None:
    amy = await _actor(kinhaven, "amy")
    page = f"/admin/accounts/{amy.id}"
    anonymous = await kinhaven.client.get(page)
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
    async with member_browser(kinhaven, "ben") as member:
        assert (await member.get(page)).status_code == 403
        assert (await member.get("/admin/accounts")).status_code == 403
    async with member_browser(kinhaven, "mod") as moderator:
        forged = await moderator.post(f"{page}/sanction", data={
            "csrf_token": "forged", "kind": "suspend", "duration": "7d"})
        assert forged.status_code == 403
        assert (await moderator.get("/admin/accounts/99999")).status_code == 404
        missing = await submit(moderator, "/admin/accounts", "/admin/accounts/99999/sanction",
                               {"kind": "warning", "reason": "hi", "duration": "7d"})
        assert missing.status_code == 404
    assert await sanction_store.history(kinhaven.db, amy.id) == []


async def test_finding_accounts_by_handle(kinhaven: RunningInstance) -> None:
    amy = await _actor(kinhaven, "amy")
    await sanction_account(kinhaven.db, amy.id, "limit", duration="3d")
    async with member_browser(kinhaven, "mod") as moderator:
        found = await moderator.get("/admin/accounts", params={"handle": "@AMY"})
        assert found.status_code == 303 and found.headers["location"].endswith(f"/{amy.id}")
        unknown = await moderator.get("/admin/accounts", params={"handle": "nobody@nowhere"})
        assert unknown.status_code == 404 and "No account with that name" in unknown.text
        listing = (await moderator.get("/admin/accounts")).text
        assert "@amy" in listing and "Limited until" in listing


async def _remote(kinhaven: RunningInstance, mastodon: FakeMastodon, account: FakeAccount,
                  text: str) -> str:
    """Deliver a public note from `account` mentioning amy; its URI once processed."""
    amy = await _actor(kinhaven, "amy")
    note = mastodon.public_note(account, f"<p>{text}</p>",
                                mentions=[(f"@amy@{kinhaven.settings.domain}", amy.uri)])
    assert (await mastodon.deliver(account, f"{kinhaven.base_url}/inbox", note)).status_code == 202

    async def processed() -> bool:
        state = await inbound_store.state_of(kinhaven.db, note["id"])
        return state is not None and state[0] != "new"

    await wait_until(processed, what=f"{text} to be processed")
    return str(note["object"]["id"])


async def test_a_suspended_remote_account_is_cut_off(kinhaven: RunningInstance) -> None:
    amy = await _actor(kinhaven, "amy")
    async with run_fake_mastodon() as mastodon:
        bob = mastodon.add_account("bob")
        await accepted_follower(kinhaven, mastodon, bob, amy)
        before = await _remote(kinhaven, mastodon, bob, "marker-before")
        remote = await get_actor_by_uri(kinhaven.db, bob.id)
        assert remote is not None
        async with member_browser(kinhaven, "mod") as moderator:
            answer = await _act(moderator, remote, kind="suspend", duration="lifted",
                                note="spam account")
            assert answer.status_code == 303
        assert await follow_store.get_follow(kinhaven.db, remote.id, amy.id) is None
        after = await _remote(kinhaven, mastodon, bob, "marker-after")
        assert await post_store.get_post_by_uri(kinhaven.db, after) is None
        assert await post_store.get_post_by_uri(kinhaven.db, before) is not None
        assert "marker-before" not in (await kinhaven.client.get("/federated")).text
        async with member_browser(kinhaven, "amy") as member:
            assert (await member.get(f"/@bob@{mastodon.domain}")).status_code == 404


async def test_a_sensitive_remote_account_arrives_behind_a_warning(
    kinhaven: RunningInstance,
) -> None:
    async with run_fake_mastodon() as mastodon:
        bob = mastodon.add_account("bob")
        await _remote(kinhaven, mastodon, bob, "first")
        remote = await get_actor_by_uri(kinhaven.db, bob.id)
        assert remote is not None
        await sanction_account(kinhaven.db, remote.id, "sensitive")
        uri = await _remote(kinhaven, mastodon, bob, "marker-sensitive")
        stored = await post_store.get_post_by_uri(kinhaven.db, uri)
        assert stored is not None and stored.sensitive
        assert stored.summary == "Marked sensitive by the moderators"


async def test_notifications_from_limited_wait_and_from_suspended_go(
    kinhaven: RunningInstance,
) -> None:
    async with run_fake_mastodon() as mastodon:
        bob, cat = mastodon.add_account("bob"), mastodon.add_account("cat")
        await _remote(kinhaven, mastodon, bob, "from bob")
        await _remote(kinhaven, mastodon, cat, "from cat")
        async with member_browser(kinhaven, "amy") as member:
            quiet_off = await submit(member, "/settings/privacy", "/settings/privacy", {
                "manually_approves_followers": "on", "default_visibility": "local"})
            assert quiet_off.status_code == 303
            main = (await member.get("/notifications")).text
            assert "@bob@" in main and "@cat@" in main
            for account, kind in ((bob, "limit"), (cat, "suspend")):
                remote = await get_actor_by_uri(kinhaven.db, account.id)
                assert remote is not None
                await sanction_account(kinhaven.db, remote.id, kind)
            main = (await member.get("/notifications")).text
            waiting = (await member.get("/notifications/waiting")).text
            assert "@bob@" not in main and "@bob@" in waiting, "a limited account waits"
            assert "@cat@" not in main and "@cat@" not in waiting, "a suspended one is gone"
