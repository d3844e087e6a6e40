"""Reported posts hidden while no moderator is on duty, through the real pages: the
reports that hide a post, the duty hours that keep it up, and the queue's decisions
on a post that was already published and delivered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from moderation.duty import DEFAULT_TIMEZONE
from server.activitypub.context import Federation
from server.duty_hours import load_duty_hours
from server.local_posts import load_local_choices
from server.policies import mention_threshold
from server.services import posting
from server.storage import audit
from server.storage import holds as hold_store
from server.storage import posts as post_store
from server.storage import reports as report_store
from server.storage.actors import Actor, get_local_actor_by_username
from server.storage.posts import Post
from tests.browsing import csrf_in, member_browser, submit
from tests.fake_mastodon import FakeAccount, FakeMastodon, run_fake_mastodon
from tests.federating import accepted_follower
from tests.instances import RunningInstance, run_instance
from tests.waiting import wait_until

REPORTERS = ("rae", "sam", "tia", "uma")


@dataclass
class World:
    kinhaven: RunningInstance
    mastodon: FakeMastodon
    bob: FakeAccount
    amy: Actor

    @property
    def federation(self) -> Federation:
        federation: Federation = self.kinhaven.app.state.federation
        return federation

    async def publish(self, text: str) -> Post:
        """Amy's public post, once it has reached bob's server."""
        post = await posting.publish(self.federation, self.amy, text, visibility="public")
        await self.mastodon.wait_for(
            lambda a: a["type"] == "Create" and a["object"]["id"] == post.uri)
        return post

    def creates_of(self, post: Post) -> int:
        return sum(1 for r in self.mastodon.inbox if r.activity
                   and r.activity.get("type") == "Create"
                   and r.activity["object"]["id"] == post.uri)


async def _member(kinhaven: RunningInstance, name: str, **options: object) -> Actor:
    await kinhaven.add_member(name, **options)
    actor = await get_local_actor_by_username(kinhaven.db, name)
    assert actor is not None
    return actor


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    """Amy, followed from a fake Mastodon by bob; four other members; a moderator and an
    admin. No duty hours are set, so nobody is on duty."""
    async with run_instance(tmp_path) as kinhaven, run_fake_mastodon() as mastodon:
        amy = await _member(kinhaven, "amy")
        await _member(kinhaven, "mod", role="moderator")
        await _member(kinhaven, "ada", role="admin")
        for name in REPORTERS:
            await _member(kinhaven, name)
        bob = mastodon.add_account("bob")
        await accepted_follower(kinhaven, mastodon, bob, amy)
        yield World(kinhaven, mastodon, bob, amy)


async def _report(kinhaven: RunningInstance, reporter: str, post_id: int,
                  times: int = 1) -> None:
    async with member_browser(kinhaven, reporter) as browser:
        for _ in range(times):
            sent = await submit(browser, f"/report?post={post_id}", "/report",
                                {"post": str(post_id), "category": "harassment"})
            assert sent.status_code == 200, sent.text[:300]


async def _seen_by(kinhaven: RunningInstance, name: str, post_id: int) -> int:
    async with member_browser(kinhaven, name) as browser:
        return (await browser.get(f"/posts/{post_id}")).status_code


async def test_three_members_reporting_hide_a_post_until_a_moderator_shows_it_again(
    world: World,
) -> None:
    kinhaven = world.kinhaven
    post = await world.publish("Something people found unkind")
    for name in REPORTERS[:2]:
        await _report(kinhaven, name, post.id)
    assert (await kinhaven.client.get(f"/posts/{post.id}")).status_code == 200, "two is not enough"
    await _report(kinhaven, REPORTERS[2], post.id)

    hidden = await post_store.get_post(kinhaven.db, post.id)
    assert hidden is not None and hidden.held_at is not None
    assert (await kinhaven.client.get(f"/posts/{post.id}")).status_code == 404
    assert "found unkind" not in (await kinhaven.client.get("/@amy")).text
    assert await _seen_by(kinhaven, REPORTERS[0], post.id) == 404
    async with member_browser(kinhaven, REPORTERS[3]) as late:
        assert (await late.get(f"/report?post={post.id}")).status_code == 404
    async with member_browser(kinhaven, "amy") as amy:
        own = (await amy.get(f"/posts/{post.id}")).text
        assert "Hidden until a moderator has looked at it" in own

    async with run_fake_mastodon() as newcomers:
        # Someone elsewhere follows amy while the post is hidden: a post sent again
        # on approval would reach them.
        await accepted_follower(kinhaven, newcomers, newcomers.add_account("cy"), world.amy)
        await _hidden_then_shown(world, post, newcomers)


async def _hidden_then_shown(world: World, post: Post, newcomers: FakeMastodon) -> None:
    kinhaven = world.kinhaven
    waiting = await hold_store.waiting(kinhaven.db)
    assert [(h.post_id, h.policy) for h in waiting] == [(post.id, "reports")]
    hold = waiting[0]
    assert hold.reason == "Reported by 3 members while no moderator was on duty"
    async with member_browser(kinhaven, "mod") as moderator:
        queue = (await moderator.get("/admin/queue")).text
        assert "Reported by 3 members while no moderator was on duty" in queue
        assert "found unkind" in queue and f"Show hold {hold.id} again" in queue
        log = (await moderator.get("/admin/audit")).text
        assert "Kinhaven (automatic)" in log and "hold.hide" in log
        shown = await submit(moderator, "/admin/queue", f"/admin/queue/{hold.id}/approve")
        assert shown.status_code == 303

    assert (await kinhaven.client.get(f"/posts/{post.id}")).status_code == 200
    later = await world.publish("A later post, to know the delivery queue has moved on")
    assert world.creates_of(later) == 1
    await newcomers.wait_for(lambda a: a["type"] == "Create" and a["object"]["id"] == later.uri)
    assert world.creates_of(post) == 1, "approving a hidden post must not send it again"
    assert not [r for r in newcomers.inbox if r.activity and r.activity.get("type") == "Create"
                and r.activity["object"]["id"] == post.uri], "nor send it to new followers"

    # A moderator has decided: more reports wait for the team and do not hide it again.
    await _report(kinhaven, REPORTERS[3], post.id)
    again = await post_store.get_post(kinhaven.db, post.id)
    assert again is not None and again.held_at is None
    assert await hold_store.waiting(kinhaven.db) == []


async def test_five_reports_hide_a_post_and_removing_it_deletes_it_everywhere(
    world: World,
) -> None:
    kinhaven = world.kinhaven
    post = await world.publish("Reported over and over")
    await _report(kinhaven, REPORTERS[0], post.id, times=3)
    await _report(kinhaven, REPORTERS[1], post.id)
    assert (await kinhaven.client.get(f"/posts/{post.id}")).status_code == 200
    await _report(kinhaven, REPORTERS[1], post.id)
    hold = (await hold_store.waiting(kinhaven.db))[0]
    assert hold.reason == "Reported 5 times while no moderator was on duty"

    async with member_browser(kinhaven, "mod") as moderator:
        removed = await submit(moderator, "/admin/queue", f"/admin/queue/{hold.id}/reject",
                               {f"note-{hold.id}": "This broke rule 2: be kind."})
        assert removed.status_code == 303
    delete = await world.mastodon.wait_for(lambda a: a["type"] == "Delete")
    assert delete["object"]["id"] == post.uri and delete["actor"] == world.amy.uri
    assert await post_store.get_post(kinhaven.db, post.id) is None
    assert await post_store.is_tombstoned(kinhaven.db, post.uri)
    async with member_browser(kinhaven, "amy") as amy:
        assert (await amy.get(f"/posts/{post.id}")).status_code == 404
        told = (await amy.get("/notifications")).text
    assert "A moderator removed one of your posts" in told
    assert "This broke rule 2: be kind." in told and 'href="/help"' in told
    assert "hold.reject" in [entry.action for entry in await audit.recent(kinhaven.db)]


async def test_while_a_moderator_is_on_duty_reported_posts_stay_up(world: World) -> None:
    kinhaven = world.kinhaven
    async with member_browser(kinhaven, "ada") as admin:
        page = (await admin.get("/admin/safety")).text
        assert "No hours are set, so nobody counts as on duty" in page
        saved = await submit(admin, "/admin/safety", "/admin/safety", {
            "risk_response": "publish_with_note", "risk_terms": "hopeless",
            "posts_to_review": "0", "duty_hours": "daily 00:00-24:00",
            "duty_timezone": "Europe/London", "mention_threshold": "3"})
        assert saved.status_code == 303
        assert "A moderator is on duty now" in (await admin.get("/admin/safety")).text
    post = await world.publish("Reported while the team is watching")
    for name in REPORTERS[:3]:
        await _report(kinhaven, name, post.id)
    stays = await post_store.get_post(kinhaven.db, post.id)
    assert stays is not None and stays.held_at is None
    assert await hold_store.waiting(kinhaven.db) == []
    assert len(await report_store.open_queue(kinhaven.db)) == 3


async def test_a_hidden_remote_post_removed_is_only_marked_deleted_here(world: World) -> None:
    kinhaven = world.kinhaven
    mention = (f"@amy@{kinhaven.settings.domain}", world.amy.uri)
    create = world.mastodon.public_note(world.bob, "<p>A remote post people report</p>",
                                        mentions=[mention])
    delivered = await world.mastodon.deliver(world.bob, f"{kinhaven.base_url}/inbox", create)
    assert delivered.status_code == 202

    async def stored() -> Post | None:
        return await post_store.get_post_by_uri(kinhaven.db, create["object"]["id"])

    remote = await wait_until(stored, what="bob's post")
    for name in REPORTERS[:3]:
        await _report(kinhaven, name, remote.id)
    hold = (await hold_store.waiting(kinhaven.db))[0]
    assert hold.post_id == remote.id
    async with member_browser(kinhaven, "mod") as moderator:
        queue = (await moderator.get("/admin/queue")).text
        assert "A remote post people report" in queue
        removed = await submit(moderator, "/admin/queue", f"/admin/queue/{hold.id}/reject")
        assert removed.status_code == 303
    gone = await post_store.get_post(kinhaven.db, remote.id)
    assert gone is not None and gone.deleted_at is not None
    assert await _seen_by(kinhaven, REPORTERS[0], remote.id) == 404
    async with member_browser(kinhaven, "mod") as moderator:
        reports = (await moderator.get("/admin/reports")).text
        assert "A remote post people report" in reports, "the reports still show what was said"
    assert not [r for r in world.mastodon.inbox
                if r.activity and r.activity.get("type") == "Delete"]


async def test_safety_settings_refuse_bad_hours_timezones_and_thresholds(
    world: World,
) -> None:
    kinhaven = world.kinhaven
    good = {"risk_response": "hold", "risk_terms": "hopeless", "posts_to_review": "1",
            "duty_hours": "Mon-Fri 09:00-17:00", "duty_timezone": "Europe/London",
            "mention_threshold": "4"}
    before = (await load_local_choices(kinhaven.db), await load_duty_hours(kinhaven.db),
              await mention_threshold(kinhaven.db))
    async with member_browser(kinhaven, "ada") as admin:
        for changes, field, says in (
            ({"duty_hours": "Mon-Fry 09:00-17:00"}, "duty_hours", "“Fry” is not a day"),
            ({"duty_hours": "Mon 9am-5pm"}, "duty_hours", "“9am” is not a time"),
            ({"duty_hours": "Sat"}, "duty_hours", "Each entry needs days and a time range"),
            ({"duty_hours": "daily 09:00-17:00, " * 40}, "duty_hours", "under 500 characters"),
            ({"duty_timezone": "Mars/Olympus"}, "duty_timezone",
             "“Mars/Olympus” is not a timezone name"),
            ({"mention_threshold": "-1"}, "mention_threshold", "from 0 to 100"),
            ({"mention_threshold": "many"}, "mention_threshold", "from 0 to 100"),
            ({"mention_threshold": "101"}, "mention_threshold", "from 0 to 100"),
        ):
            answer = await submit(admin, "/admin/safety", "/admin/safety", {**good, **changes})
            assert answer.status_code == 422, changes
            assert f'id="{field}-error"' in answer.text, changes
            assert says in answer.text, (says, answer.text[:2000])
            assert str(next(iter(changes.values())))[:30] in answer.text, "the input is kept"
        after = (await load_local_choices(kinhaven.db), await load_duty_hours(kinhaven.db),
                 await mention_threshold(kinhaven.db))
        assert after == before, "nothing is saved from a refused form"
        saved = await submit(admin, "/admin/safety", "/admin/safety",
                             {**good, "duty_timezone": "america/new_york"})
        assert saved.status_code == 303
    hours = await load_duty_hours(kinhaven.db)
    assert hours.text == "Mon-Fri 09:00-17:00" and hours.timezone == "America/New_York"
    assert await mention_threshold(kinhaven.db) == 4
    assert before[1].timezone == DEFAULT_TIMEZONE and before[2] == 3


async def test_members_and_moderators_cannot_change_the_duty_hours(world: World) -> None:
    for name in ("mod", REPORTERS[0]):
        async with member_browser(world.kinhaven, name) as browser:
            assert (await browser.get("/admin/safety")).status_code == 403
            forged = await _post_safety(browser, world.kinhaven)
            assert forged.status_code == 403
    assert (await load_duty_hours(world.kinhaven.db)).text == ""


async def _post_safety(browser: httpx.AsyncClient, kinhaven: RunningInstance) -> httpx.Response:
    """A safety form sent with a valid token of another page: refused for non-admins."""
    home = (await browser.get("/home")).text
    return await browser.post("/admin/safety", data={
        "csrf_token": csrf_in(home), "duty_hours": "daily 00:00-24:00"})
