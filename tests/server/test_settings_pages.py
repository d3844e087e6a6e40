"""A member's settings through the pages: real HTTP, real SQLite, and a fake Mastodon
that follows the member and records what reaches it."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from server.activitypub.context import Federation
from server.clock import from_text, now
from server.services import posting, relations
from server.storage import accounts as account_store
from server.storage import follows as follow_store
from server.storage import interactions
from server.storage.accounts import Account
from server.storage.actors import Actor, get_actor
from server.web import auth
from tests.browsing import PASSWORD, browser_session, member_browser, sign_in, submit
from tests.fake_mastodon import FakeAccount, FakeMastodon, run_fake_mastodon
from tests.instances import RunningInstance, run_instance
from tests.waiting import wait_until

PAGES = ("/settings", "/settings/profile", "/settings/privacy", "/settings/password",
         "/settings/break", "/settings/export", "/settings/delete")
ACTIVITY_JSON = "application/activity+json"


@dataclass
class World:
    kinhaven: RunningInstance
    mastodon: FakeMastodon
    alice: Actor

    @property
    def federation(self) -> Federation:
        federation: Federation = self.kinhaven.app.state.federation
        return federation

    async def actor(self) -> Actor:
        actor = await get_actor(self.kinhaven.db, self.alice.id)
        assert actor is not None
        return actor

    async def account(self) -> Account:
        account = await account_store.get_account(self.kinhaven.db, self.alice.id)
        assert account is not None
        return account

    async def remote_follower(self, username: str = "bob") -> FakeAccount:
        """Someone on the fake Mastodon whose follow of alice she has accepted."""
        bob = self.mastodon.add_account(username)
        follow = self.mastodon.follow(bob, self.alice.uri)
        sent = await self.mastodon.deliver(bob, f"{self.kinhaven.base_url}/inbox", follow)
        assert sent.status_code == 202
        db = self.kinhaven.db
        requests = await wait_until(lambda: follow_store.pending_requests(db, self.alice.id),
                                    what="the follow request")
        await relations.accept_request(self.federation, requests[0])
        await self.mastodon.wait_for(lambda a: a["type"] == "Accept" and a["object"]["actor"]
                                     == bob.id)
        return bob


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with run_instance(tmp_path) as kinhaven, run_fake_mastodon() as mastodon:
        alice = await get_actor(kinhaven.db, await kinhaven.add_member("alice"))
        assert alice is not None
        yield World(kinhaven, mastodon, alice)


@pytest.fixture(autouse=True)
def fresh_attempt_limits() -> None:
    """The sign-in limits are per process; every test starts with none used."""
    auth.per_account._failures.clear()
    auth.per_address._failures.clear()


def field_error(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', html)
    assert found, f"no message next to {field}"
    return found.group(1)


def is_checked(html: str, field: str) -> bool:
    found = re.search(rf'<input id="{field}"[^>]*>', html)
    assert found, f"no control {field}"
    return " checked" in found.group(0)


def png(size: tuple[int, int] = (80, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (40, 120, 110)).save(out, "PNG")
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Maker"  # Make
    exif[0x0131] = "TrackMe 1.0"  # Software
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 90, 40)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


async def post_profile(client: httpx.AsyncClient, data: dict[str, str],
                       files: dict[str, tuple[str, bytes, str]] | None = None) -> httpx.Response:
    return await submit(client, "/settings/profile", "/settings/profile", data,
                        files=files or {"avatar": ("", b"", "application/octet-stream")})


async def test_every_page_renders_for_a_member_and_sends_visitors_to_sign_in(
    world: World,
) -> None:
    async with member_browser(world.kinhaven, "alice") as browser:
        for path in PAGES:
            page = await browser.get(path)
            assert page.status_code == 200, path
            assert page.text.count("<h1") == 1, path
            assert "style=" not in page.text and "<script" not in page.text, path
        index = (await browser.get("/settings")).text
        for path in (*PAGES[1:], "/settings/muted-words"):
            assert f'href="{path}"' in index
    async with browser_session(world.kinhaven) as visitor:
        for path in PAGES:
            page = await visitor.get(path)
            assert page.status_code == 303, path
            assert page.headers["location"] == f"/login?next={path}"


async def test_profile_is_saved_and_sent_to_followers_as_an_update(world: World) -> None:
    bob = await world.remote_follower()
    async with member_browser(world.kinhaven, "alice") as browser:
        saved = await post_profile(browser, {
            "display_name": "Alice in Haven",
            "bio": "Gardening and #calm walks.\nMore at https://example.org/alice",
        })
        assert saved.status_code == 303
        page = await browser.get(saved.headers["location"])
        assert "Your profile is saved" in page.text
        assert "Gardening and #calm walks." in page.text, "the bio is offered for editing"
    actor = await world.actor()
    assert actor.display_name == "Alice in Haven"
    assert 'class="mention hashtag" rel="tag"' in actor.summary_html
    assert '<a href="https://example.org/alice"' in actor.summary_html
    update = await world.mastodon.wait_for(
        lambda a: a["type"] == "Update" and a["object"]["name"] == "Alice in Haven")
    assert update["actor"] == world.alice.uri
    assert update["object"]["type"] == "Person"
    assert update["object"]["id"] == world.alice.uri
    assert update["object"]["summary"] == actor.summary_html
    received = [r for r in world.mastodon.inbox
                if r.activity and r.activity["type"] == "Update"]
    assert received[0].signature_ok and received[0].signer == world.alice.uri
    assert bob.id  # the follower whose server was told


async def test_a_hostile_bio_is_shown_as_text(world: World) -> None:
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)"> "quoted" & more'
    async with member_browser(world.kinhaven, "alice") as browser:
        saved = await post_profile(browser, {"display_name": "<b>Al</b>", "bio": hostile})
        assert saved.status_code == 303
        page = (await browser.get("/settings/profile")).text
    actor = await world.actor()
    assert "<script" not in actor.summary_html and "<img" not in actor.summary_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in actor.summary_html
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "<b>Al</b>" not in page and "&lt;b&gt;Al&lt;/b&gt;" in page
    document = await world.kinhaven.client.get("/users/alice", headers={"Accept": ACTIVITY_JSON})
    assert document.json()["summary"] == actor.summary_html


async def test_avatar_is_processed_stored_and_served_here(world: World) -> None:
    photo = jpeg_with_exif()
    async with member_browser(world.kinhaven, "alice") as browser:
        saved = await post_profile(browser, {"display_name": "Alice", "bio": ""},
                                   {"avatar": ("me.jpg", photo, "image/jpeg")})
        assert saved.status_code == 303
    actor = await world.actor()
    assert actor.icon_url is not None
    assert actor.icon_url.startswith(f"{world.kinhaven.base_url}/media/")
    served = await world.kinhaven.client.get(actor.icon_url)
    assert served.status_code == 200
    assert served.headers["content-type"] == actor.icon_media_type == "image/jpeg"
    assert b"SpyCam" not in served.content and b"TrackMe" not in served.content
    with Image.open(io.BytesIO(served.content)) as kept:
        assert not kept.getexif()
        assert max(kept.size) <= 400
    document = await world.kinhaven.client.get("/users/alice", headers={"Accept": ACTIVITY_JSON})
    assert document.json()["icon"]["url"] == actor.icon_url

    async with member_browser(world.kinhaven, "alice") as browser:
        replaced = await post_profile(browser, {"display_name": "Alice", "bio": ""},
                                      {"avatar": ("new.png", png(), "image/png")})
        assert replaced.status_code == 303
    newer = await world.actor()
    assert newer.icon_url != actor.icon_url and newer.icon_media_type == "image/jpeg"
    assert (await world.kinhaven.client.get(actor.icon_url)).status_code == 404, "old file gone"


async def test_a_file_that_is_not_an_image_is_refused_next_to_the_field(world: World) -> None:
    async with member_browser(world.kinhaven, "alice") as browser:
        refused = await post_profile(browser, {"display_name": "Changed", "bio": "new"},
                                     {"avatar": ("me.png", b"%PDF-1.7 not an image", "image/png")})
    assert refused.status_code == 422
    assert "not an image" in field_error(refused.text, "avatar")
    actor = await world.actor()
    assert actor.icon_url is None and actor.display_name == "alice", "nothing was saved"


async def test_over_long_name_and_bio_are_refused_next_to_them(world: World) -> None:
    async with member_browser(world.kinhaven, "alice") as browser:
        refused = await post_profile(browser, {"display_name": "n" * 31, "bio": "b" * 501})
    assert refused.status_code == 422
    assert "30 characters" in field_error(refused.text, "display_name")
    assert "500 characters" in field_error(refused.text, "bio")
    assert "n" * 31 in refused.text, "what was typed is kept in the form"
    assert (await world.actor()).display_name == "alice"


async def test_privacy_starts_closed_and_changes_persist_and_federate(world: World) -> None:
    await world.remote_follower()
    async with member_browser(world.kinhaven, "alice") as browser:
        page = (await browser.get("/settings/privacy")).text
        for closed in ("manually_approves_followers", "noindex", "hide_network", "quiet_mode",
                       "default_visibility-local"):
            assert is_checked(page, closed), closed
        for opened in ("discoverable", "default_visibility-public",
                       "default_visibility-unlisted", "default_visibility-followers"):
            assert not is_checked(page, opened), opened
        assert "default_visibility-direct" not in page
        refused = await submit(browser, "/settings/privacy", "/settings/privacy",
                               {"default_visibility": "direct", "discoverable": "on"})
        assert refused.status_code == 422
        assert field_error(refused.text, "default_visibility")
        assert not (await world.actor()).discoverable
        saved = await submit(browser, "/settings/privacy", "/settings/privacy",
                             {"discoverable": "on", "default_visibility": "followers"})
        assert saved.status_code == 303
        page = (await browser.get("/settings/privacy")).text
        assert is_checked(page, "discoverable") and is_checked(page, "default_visibility-followers")
        assert not is_checked(page, "noindex") and not is_checked(page, "quiet_mode")
    actor, account = await world.actor(), await world.account()
    assert actor.discoverable and not actor.manually_approves_followers
    assert not account.noindex and not account.hide_network and not account.quiet_mode
    assert account.default_visibility == "followers"
    update = await world.mastodon.wait_for(lambda a: a["type"] == "Update")
    assert update["object"]["discoverable"] is True
    assert update["object"]["manuallyApprovesFollowers"] is False


async def test_a_wrong_current_password_changes_nothing(world: World) -> None:
    before = (await world.account()).password_hash
    async with member_browser(world.kinhaven, "alice") as browser:
        refused = await submit(browser, "/settings/password", "/settings/password", {
            "current_password": "not my password", "new_password": "a new long password",
            "new_password_again": "a new long password",
        })
        assert refused.status_code == 422
        assert "not your current password" in field_error(refused.text, "current_password")
        weak = await submit(browser, "/settings/password", "/settings/password", {
            "current_password": PASSWORD, "new_password": "short",
            "new_password_again": "shorter",
        })
        assert weak.status_code == 422
        assert "at least 8" in field_error(weak.text, "new_password")
        assert field_error(weak.text, "new_password_again")
    assert (await world.account()).password_hash == before


async def test_wrong_passwords_here_count_against_the_sign_in_limit(world: World) -> None:
    async with member_browser(world.kinhaven, "alice") as browser:
        for _ in range(auth.per_account.attempts):
            await submit(browser, "/settings/password", "/settings/password",
                         {"current_password": "guess", "new_password": "x" * 12,
                          "new_password_again": "x" * 12})
        blocked = await submit(browser, "/settings/password", "/settings/password",
                               {"current_password": PASSWORD, "new_password": "x" * 12,
                                "new_password_again": "x" * 12})
        assert blocked.status_code == 429
        assert "wait" in field_error(blocked.text, "current_password")
    async with browser_session(world.kinhaven) as elsewhere:
        login = await submit(elsewhere, "/login", "/login",
                             {"username": "alice", "password": PASSWORD})
        assert login.status_code == 429, "signing in is held back too"


async def test_a_new_password_signs_out_every_other_browser(world: World) -> None:
    new = "a calmer and longer password"
    async with member_browser(world.kinhaven, "alice") as other, \
            member_browser(world.kinhaven, "alice") as browser:
        changed = await submit(browser, "/settings/password", "/settings/password", {
            "current_password": PASSWORD, "new_password": new, "new_password_again": new,
        })
        assert changed.status_code == 303
        assert "is changed" in (await browser.get(changed.headers["location"])).text
        assert (await other.get("/settings")).status_code == 303, "signed out"
        assert (await browser.get("/settings")).status_code == 200, "this one stays"
    async with browser_session(world.kinhaven) as fresh:
        old = await submit(fresh, "/login", "/login", {"username": "alice", "password": PASSWORD})
        assert old.status_code == 401
        await sign_in(fresh, "alice", new)


async def test_a_break_is_set_shown_and_ended(world: World) -> None:
    async with member_browser(world.kinhaven, "alice") as browser:
        refused = await submit(browser, "/settings/break", "/settings/break", {"duration": "9y"})
        assert refused.status_code == 422 and field_error(refused.text, "duration")
        started = await submit(browser, "/settings/break", "/settings/break", {"duration": "1w"})
        assert started.status_code == 303
        until = (await world.account()).break_until
        assert until is not None
        assert 6.9 < (from_text(until) - now()).total_seconds() / 86400 <= 7
        page = (await browser.get("/settings/break")).text
        assert "You are on a break" in page and "End my break now" in page
        async with browser_session(world.kinhaven) as visitor:
            assert (await visitor.get("/@alice")).status_code == 404, "the profile is hidden"
        document = await world.kinhaven.client.get("/users/alice",
                                                   headers={"Accept": ACTIVITY_JSON})
        assert document.status_code == 200, "remote follows keep working"
        assert account_store.on_break(await world.account())

        await submit(browser, "/settings/break", "/settings/break", {"duration": "open"})
        assert (await world.account()).break_until == account_store.UNTIL_I_COME_BACK
        assert "until you end it" in (await browser.get("/settings/break")).text

        ended = await submit(browser, "/settings/break", "/settings/break/end")
        assert ended.status_code == 303
        assert "Welcome back" in (await browser.get(ended.headers["location"])).text
    account = await world.account()
    assert account.break_until is None and not account_store.on_break(account)


async def _connected_alice(world: World) -> dict[str, Any]:
    """Alice follows carol, is followed by bob, blocks dan, and has posts of every kind."""
    await world.remote_follower("bob")
    carol = world.mastodon.add_account("carol")
    found = await relations.find_remote_account(world.federation,
                                                world.mastodon.handle(carol))
    await relations.follow(world.federation, world.alice, found)
    db = world.kinhaven.db
    await wait_until(lambda: follow_store.is_following(db, world.alice.id, found.id),
                     what="carol's Accept")
    dan = await relations.find_remote_account(
        world.federation, world.mastodon.handle(world.mastodon.add_account("dan")))
    await interactions.record_block(db, uri=f"{world.alice.uri}#blocks/1",
                                    actor_id=world.alice.id, target_id=dan.id)
    posts = {}
    for visibility in ("local", "public", "followers"):
        posts[visibility] = await posting.publish(
            world.federation, world.alice, f"A {visibility} thought", visibility=visibility)
    return {"carol": carol, "dan": dan, "posts": posts}


async def test_export_bundles_everything_in_mastodon_formats(world: World) -> None:
    connected = await _connected_alice(world)
    domain = world.mastodon.domain
    async with member_browser(world.kinhaven, "alice") as browser:
        page = await browser.get("/settings/export")
        assert "kinhaven-export-alice.zip" in page.text
        download = await browser.get("/settings/export/archive.zip")
        single = await browser.get("/settings/export/following_accounts.csv")
        missing = await browser.get("/settings/export/passwords.csv")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    assert download.headers["content-disposition"] == (
        'attachment; filename="kinhaven-export-alice.zip"')
    assert "no-store" in download.headers["cache-control"]
    bundle = zipfile.ZipFile(io.BytesIO(download.content))
    names = set(bundle.namelist())
    assert {"following_accounts.csv", "followers.csv", "blocked_accounts.csv", "outbox.json",
            "actor.json"} <= names
    following = bundle.read("following_accounts.csv").decode()
    assert following.splitlines()[0] == "Account address,Show boosts,Notify on new posts,Languages"
    assert list(csv.reader(io.StringIO(following)))[1] == [f"carol@{domain}", "true", "false", ""]
    assert bundle.read("blocked_accounts.csv").decode() == f"dan@{domain}\n"
    assert bundle.read("followers.csv").decode().splitlines() == [
        "Account address", f"bob@{domain}"]
    if "muted_accounts.csv" in names:
        header = bundle.read("muted_accounts.csv").decode().splitlines()[0]
        assert header == "Account address,Hide notifications"
    outbox = json.loads(bundle.read("outbox.json"))
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 3
    assert {item["type"] for item in outbox["orderedItems"]} == {"Create"}
    by_id = {item["object"]["id"]: item["object"] for item in outbox["orderedItems"]}
    members_only = by_id[connected["posts"]["local"].uri]
    assert "A local thought" in members_only["content"]
    assert members_only["to"] == [] and members_only["cc"] == [], "addressed to nobody else"
    assert "A followers thought" in by_id[connected["posts"]["followers"].uri]["content"]
    actor = json.loads(bundle.read("actor.json"))
    assert actor["id"] == world.alice.uri and actor["type"] == "Person"
    assert single.status_code == 200
    assert single.headers["content-type"].startswith("text/csv")
    assert single.headers["content-disposition"] == (
        'attachment; filename="following_accounts.csv"')
    assert single.text == following
    assert missing.status_code == 404


async def test_deleting_the_account_needs_the_password_and_the_username(world: World) -> None:
    await world.remote_follower()
    async with member_browser(world.kinhaven, "alice") as browser:
        wrong = await submit(browser, "/settings/delete", "/settings/delete",
                             {"password": "not it", "confirm_username": "alice"})
        assert wrong.status_code == 422
        assert "not your current password" in field_error(wrong.text, "password")
        mistyped = await submit(browser, "/settings/delete", "/settings/delete",
                                {"password": PASSWORD, "confirm_username": "alicia"})
        assert mistyped.status_code == 422
        assert "type your username" in field_error(mistyped.text, "confirm_username")
        assert (await world.account()).approved, "nothing deleted"

        done = await submit(browser, "/settings/delete", "/settings/delete",
                            {"password": PASSWORD, "confirm_username": "@Alice"})
        assert done.status_code == 303
        goodbye = await browser.get(done.headers["location"])
        assert goodbye.status_code == 200
        assert "Your account has been deleted" in goodbye.text
        assert 'href="/help"' in goodbye.text
        assert (await browser.get("/settings")).status_code == 303, "signed out"
    delete = await world.mastodon.wait_for(lambda a: a["type"] == "Delete")
    assert delete["actor"] == world.alice.uri and delete["object"] == world.alice.uri
    assert (await world.actor()).deleted_at is not None
    async with browser_session(world.kinhaven) as fresh:
        login = await submit(fresh, "/login", "/login",
                             {"username": "alice", "password": PASSWORD})
        assert login.status_code == 401


async def test_the_only_admin_cannot_delete_their_account(world: World) -> None:
    await world.kinhaven.add_member("ada", role="admin")
    async with member_browser(world.kinhaven, "ada") as browser:
        refused = await submit(browser, "/settings/delete", "/settings/delete",
                               {"password": PASSWORD, "confirm_username": "ada"})
    assert refused.status_code == 409
    assert "only admin" in field_error(refused.text, "password")


async def test_forms_without_their_token_change_nothing(world: World) -> None:
    async with member_browser(world.kinhaven, "alice") as browser:
        await browser.get("/settings")
        attempts = {
            "/settings/profile": {"display_name": "Forged", "bio": ""},
            "/settings/privacy": {"discoverable": "on", "default_visibility": "public"},
            "/settings/password": {"current_password": PASSWORD, "new_password": "x" * 12,
                                   "new_password_again": "x" * 12},
            "/settings/break": {"duration": "1d"},
            "/settings/delete": {"password": PASSWORD, "confirm_username": "alice"},
        }
        for action, data in attempts.items():
            forged = await browser.post(action, data=data)
            assert forged.status_code == 403, action
            assert "Nothing was saved" in forged.text
    actor, account = await world.actor(), await world.account()
    assert actor.display_name == "alice" and not actor.discoverable
    assert account.break_until is None and account.approved and actor.deleted_at is None
    async with member_browser(world.kinhaven, "alice"):
        pass  # the password is unchanged: signing in with it still works


async def test_a_break_hides_the_profile_at_every_address(tmp_path: Path) -> None:
    """The profile page answers the same at /@name and /users/name for browsers."""
    async with run_instance(tmp_path) as kinhaven:
        actor_id = await kinhaven.add_member("rest")
        await account_store.set_break(kinhaven.db, actor_id, account_store.UNTIL_I_COME_BACK)
        for path in ("/@rest", "/users/rest"):
            page = await kinhaven.client.get(path, headers={"Accept": "text/html"})
            assert page.status_code == 404, path
        document = await kinhaven.client.get(
            "/users/rest", headers={"Accept": "application/activity+json"})
        assert document.status_code == 200
