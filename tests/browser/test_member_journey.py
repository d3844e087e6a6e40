"""A member's whole journey in a real browser, across two Kinhaven instances on loopback:
apply, be approved, sign in, post with a content warning, follow someone on another
server, see their reply arrive, approve a follow request, export, and leave.

Every page on the way is checked with axe-core and kept as a screenshot."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from playwright.async_api import Page

from server.activitypub.context import Federation
from server.services import posting, relations
from server.storage import follows as follow_store
from server.storage.actors import get_actor_by_uri, get_local_actor_by_username
from tests.browser.conftest import CheckPage, NewPage
from tests.browsing import PASSWORD
from tests.instances import RunningInstance, run_instance
from tests.waiting import wait_until


@pytest_asyncio.fixture(loop_scope="session")
async def other_server(tmp_path: Path) -> AsyncIterator[RunningInstance]:
    (tmp_path / "other").mkdir()
    async with run_instance(tmp_path / "other") as running:
        yield running


def _federation(instance: RunningInstance) -> Federation:
    federation: Federation = instance.app.state.federation
    return federation


async def _sign_in(page: Page, base_url: str, username: str) -> None:
    await page.goto(f"{base_url}/login")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{base_url}/home")


async def _reload_until(page: Page, text: str | re.Pattern[str], what: str) -> None:
    """Reload (as a person would) until `text` shows; the background work is federation."""

    async def shown() -> bool:
        await page.reload()
        return await page.get_by_text(text).count() > 0

    await wait_until(shown, what=what, timeout=20)


async def test_a_members_journey(
    kinhaven: RunningInstance, other_server: RunningInstance, page: Page,
    new_page: NewPage, check_page: CheckPage,
) -> None:
    base = kinhaven.base_url
    await kinhaven.add_member("ada", role="admin")
    await other_server.add_member("bob")
    bob = await get_local_actor_by_username(other_server.db, "bob")
    assert bob is not None

    # A person applies.
    await page.goto(f"{base}/signup")
    await check_page(page, "apply")
    await page.get_by_label("Username").fill("cara")
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_label("Password again").fill(PASSWORD)
    await page.get_by_label("Why would you like to join?").fill("A friend said it helps.")
    await page.get_by_role("button", name="Send my application").click()
    await page.get_by_role("heading", name="Thank you for applying").wait_for()
    await check_page(page, "applied")

    # An admin approves.
    admin = await new_page()
    await _sign_in(admin, base, "ada")
    await admin.goto(f"{base}/admin/applications")
    await check_page(admin, "applications")
    await admin.get_by_role("button", name="Approve @cara").click()
    await admin.get_by_text("No applications are waiting.").wait_for()
    await check_page(admin, "approved")

    # The member signs in and posts with a content warning.
    await _sign_in(page, base, "cara")
    await check_page(page, "home")
    await page.goto(f"{base}/compose")
    await check_page(page, "compose")
    await page.get_by_label("Your post").fill("First day here. Hello, everyone.")
    await page.get_by_label("Content warning (optional)").fill("feeling nervous")
    await page.get_by_label("Who can see this?").select_option("public")
    await page.get_by_role("button", name="Post", exact=True).click()
    await page.wait_for_url(f"{base}/posts/*")
    warning = page.locator("details", has_text="feeling nervous").first
    assert await warning.get_attribute("open") is None, "content warnings start collapsed"
    await check_page(page, "posted")

    # They find bob on the other server and ask to follow; bob accepts there.
    handle = f"@bob@{other_server.settings.domain}"
    await page.goto(f"{base}/people")
    await page.get_by_label("Find someone: @name@server").fill(handle)
    await page.get_by_role("button", name="Search").click()
    await check_page(page, "search")
    await page.get_by_role("button", name="Ask to follow").first.click()
    await check_page(page, "follow requested")

    async def request_arrived() -> list[follow_store.Follow] | None:
        return await follow_store.pending_requests(other_server.db, bob.id) or None

    requests = await wait_until(request_arrived, what="cara's follow request at bob's server")
    await relations.accept_request(_federation(other_server), requests[0])

    # Cara writes to bob; his server gets it, he replies, and follows her back (a request
    # she approves).
    await page.goto(f"{base}/compose")
    await page.get_by_label("Your post").fill(f"{handle} thank you for the follow back.")
    await page.get_by_label("Who can see this?").select_option("public")
    await page.get_by_role("button", name="Post", exact=True).click()
    await page.wait_for_url(f"{base}/posts/*")
    cara_post_url = page.url
    cara_post_uri = await kinhaven.db.fetch_value(
        "SELECT uri FROM posts WHERE id = ?", (int(cara_post_url.rsplit("/", 1)[1]),))

    async def post_arrived() -> bool:
        return await other_server.db.fetch_value(
            "SELECT 1 FROM posts WHERE uri = ?", (cara_post_uri,)) is not None

    await wait_until(post_arrived, what="cara's post at bob's server")
    await posting.publish(
        _federation(other_server), bob,
        f"@cara@{kinhaven.settings.domain} welcome! Glad you're here.",
        visibility="public", in_reply_to=cara_post_uri,
    )
    cara_remote = await relations.find_remote_account(
        _federation(other_server), f"cara@{kinhaven.settings.domain}")
    await relations.follow(_federation(other_server), bob, cara_remote)
    cara = await get_local_actor_by_username(kinhaven.db, "cara")
    assert cara is not None

    await page.goto(f"{base}/notifications")
    await _reload_until(page, re.compile("replied to your post|mentioned you"),
                        "bob's reply in cara's notifications")
    await check_page(page, "notifications")
    await page.goto(cara_post_url)
    await _reload_until(page, "Glad you're here", "bob's reply in the thread")
    await check_page(page, "thread")

    await page.goto(f"{base}/follow-requests")
    await _reload_until(page, handle.removeprefix("@"), "bob's follow request")
    await check_page(page, "follow requests")
    await page.get_by_role("button", name="Approve").first.click()

    async def bob_follows() -> bool:
        remote_bob = await get_actor_by_uri(kinhaven.db, bob.uri)
        return remote_bob is not None and await follow_store.is_following(
            kinhaven.db, remote_bob.id, cara.id)

    await wait_until(bob_follows, what="bob's follow to be approved")
    await check_page(page, "request approved")

    # Export everything, as files Mastodon can import.
    await page.goto(f"{base}/settings/export")
    await check_page(page, "export")
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Download").first.click()
    download = await download_info.value
    archive = zipfile.ZipFile(io.BytesIO(Path(await download.path()).read_bytes()))
    following = list(csv.reader(io.StringIO(
        archive.read("following_accounts.csv").decode("utf-8"))))
    assert following[0][0] == "Account address"
    assert [row[0] for row in following[1:]] == [handle.removeprefix("@")]
    outbox = json.loads(archive.read("outbox.json"))
    assert any("First day here" in item["object"]["content"]
               for item in outbox["orderedItems"])

    # And leave: the other server is told.
    await page.goto(f"{base}/settings/delete")
    await check_page(page, "delete")
    await page.get_by_label("Your password").fill(PASSWORD)
    await page.get_by_label("Type your username to confirm").fill("cara")
    await page.get_by_role("button", name="Delete my account for good").click()
    await page.get_by_role("heading", name="Your account has been deleted").wait_for()
    await check_page(page, "deleted")

    async def gone_there() -> bool:
        known = await get_actor_by_uri(other_server.db, cara.uri)
        return known is None or known.deleted_at is not None

    await wait_until(gone_there, what="the Delete to reach bob's server", timeout=20)
    await _sign_in_refused(page, base)


async def _sign_in_refused(page: Page, base_url: str) -> None:
    await page.goto(f"{base_url}/login")
    await page.get_by_label("Username").fill("cara")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.locator("#password-error", has_text="do not match").wait_for()
