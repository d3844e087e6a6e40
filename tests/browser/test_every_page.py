"""Every page of the members' web, with real content on it, through axe-core: as a visitor,
as a member and as an admin, light and dark; and the same pages with JavaScript off."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest_asyncio
from playwright.async_api import Page

from server.activitypub.context import Federation
from server.services import posting, reactions, relations
from server.storage import accounts as account_store
from server.storage import policy as policy_store
from server.storage import reports as report_store
from server.storage.actors import Actor, get_local_actor_by_username
from tests.browser.conftest import CheckPage, NewPage
from tests.browsing import PASSWORD
from tests.instances import RunningInstance, run_instance
from tests.moderating import sanction_account

VISITOR_PAGES = ["/", "/login", "/signup", "/about", "/about/moderated-servers", "/help",
                 "/community", "/tags/gardening",
                 "/@ada", "/not-a-page"]
MEMBER_PAGES = [
    "/home", "/community", "/federated", "/tags/gardening", "/compose", "/notifications",
    "/notifications/waiting", "/people", "/people/search?q=ada", "/follow-requests",
    "/@ada", "/@ada/followers", "/@ada/following", "/@bea", "/settings", "/settings/profile",
    "/settings/privacy", "/settings/password", "/settings/break", "/settings/muted-words",
    "/settings/export", "/settings/delete", "/settings/moderation", "/settings/apps", "/help",
]
ADMIN_PAGES = ["/admin", "/admin/applications", "/admin/settings", "/admin/reports",
               "/admin/audit", "/admin/members", "/admin/domains",
               "/admin/domains/unblock?domain=spam.example", "/admin/accounts",
               "/admin/decisions"]


@dataclass
class Community:
    instance: RunningInstance
    remote_handle: str
    post_id: int
    warned_id: int
    """A member with a warning and a limit in their history."""


def _federation(instance: RunningInstance) -> Federation:
    federation: Federation = instance.app.state.federation
    return federation


async def _member(instance: RunningInstance, name: str, **options: object) -> Actor:
    await instance.add_member(name, **options)
    actor = await get_local_actor_by_username(instance.db, name)
    assert actor is not None
    return actor


@pytest_asyncio.fixture(loop_scope="session")
async def community(kinhaven: RunningInstance, tmp_path: Path) -> AsyncIterator[Community]:
    """A small lived-in community: posts of every kind, a reply, a like, a pending request,
    a remote follower, and an application waiting for review."""
    (tmp_path / "remote").mkdir()
    async with run_instance(tmp_path / "remote") as remote:
        ada = await _member(kinhaven, "ada", role="admin")
        bea = await _member(kinhaven, "bea")
        await _member(kinhaven, "cal", approved=False)
        dan = await _member(remote, "dan")
        here, there = _federation(kinhaven), _federation(remote)
        first = await posting.publish(here, ada, "Planting bulbs today #gardening",
                                      visibility="public")
        await posting.publish(here, ada, "It was a hard night.", visibility="local",
                              summary="low mood")
        await posting.publish(here, bea, "@ada how are you? #gardening", visibility="public",
                              in_reply_to=first.uri)
        await reactions.like(here, bea, first)
        await policy_store.block_domain(kinhaven.db, "spam.example", severity="suspend",
                                        reason="Spam", obfuscate=True,
                                        by_id=None, by_name="tests")
        await policy_store.allow_domain(kinhaven.db, "friends.example", by_id=None,
                                        by_name="tests")
        await report_store.file_report(kinhaven.db, reporter_id=bea.id, target_actor_id=ada.id,
                                       category="welfare", comment="She seems low lately.",
                                       object_uris=[first.uri])
        await relations.follow(here, bea, await relations.find_remote_account(
            here, f"dan@{remote.settings.domain}"))
        ada_there = await relations.find_remote_account(
            there, f"ada@{kinhaven.settings.domain}")
        await relations.follow(there, dan, ada_there)
        await sanction_account(kinhaven.db, bea.id, "warning", reason="Please be gentle.")
        await sanction_account(kinhaven.db, bea.id, "limit", duration="7d")
        yield Community(kinhaven, f"@dan@{remote.settings.domain}", first.id, bea.id)


async def _sign_in(page: Page, base_url: str, username: str) -> None:
    await page.goto(f"{base_url}/login")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{base_url}/home")


async def _visit_all(page: Page, check_page: CheckPage, base_url: str, paths: list[str],
                     label: str) -> None:
    for path in paths:
        response = await page.goto(f"{base_url}{path}")
        assert response is not None
        assert response.status in (200, 404), (path, response.status)
        assert await page.locator("h1").count() == 1, f"{path} needs exactly one h1"
        assert await page.locator("main").count() == 1, path
        await check_page(page, f"{label} {path}")


async def test_every_page_as_visitor_member_and_admin(
    community: Community, page: Page, new_page: NewPage, check_page: CheckPage,
) -> None:
    base = community.instance.base_url
    pages = [*VISITOR_PAGES, f"/posts/{community.post_id}"]
    await _visit_all(page, check_page, base, pages, "visitor")

    member = await new_page()
    await _sign_in(member, base, "bea")
    member_pages = [*MEMBER_PAGES, f"/posts/{community.post_id}",
                    f"/compose?reply_to={community.post_id}", f"/{community.remote_handle}",
                    f"/report?post={community.post_id}", "/report?account=1"]
    await _visit_all(member, check_page, base, member_pages, "member")

    admin = await new_page(color_scheme="dark")
    await _sign_in(admin, base, "ada")
    await _visit_all(admin, check_page, base,
                     [*ADMIN_PAGES, f"/admin/accounts/{community.warned_id}",
                      f"/posts/{community.post_id}/edit", "/notifications",
                      "/follow-requests", "/home"], "admin dark")


async def test_pages_work_without_javascript(
    community: Community, new_page: NewPage, check_page: CheckPage,
) -> None:
    """Sign in, write a post with a content warning, read it back: no script anywhere."""
    base = community.instance.base_url
    page = await new_page(javascript=False, viewport={"width": 360, "height": 740})
    await _sign_in(page, base, "bea")
    await page.goto(f"{base}/compose")
    await page.get_by_label("Your post").fill("Written with scripts switched off.")
    await page.get_by_label("Content warning (optional)").fill("a small test")
    await page.get_by_role("button", name="Post", exact=True).click()
    await page.wait_for_url(f"{base}/posts/*")
    await page.get_by_text("Content warning: a small test").click()
    assert await page.get_by_text("Written with scripts switched off.").is_visible()
    await check_page(page, "no script post")
    await page.goto(f"{base}/help")
    assert await page.get_by_role("heading", name="Need help now?").is_visible()
    await check_page(page, "no script help")
    account = await account_store.get_account_by_username(community.instance.db, "bea")
    assert account is not None and account.approved
