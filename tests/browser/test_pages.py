"""The public pages in a real browser: axe-core clean, working without JavaScript, dark mode."""

from __future__ import annotations

from playwright.async_api import Page

from server.services import posting
from server.storage.actors import get_local_actor_by_username
from tests.browser.conftest import CheckPage, NewPage
from tests.instances import RunningInstance


async def _alice_with_posts(kinhaven: RunningInstance) -> None:
    await kinhaven.add_member("alice")
    alice = await get_local_actor_by_username(kinhaven.db, "alice")
    assert alice is not None
    federation = kinhaven.app.state.federation
    await posting.publish(federation, alice, "Slept well for once.", visibility="public")
    await posting.publish(federation, alice, "A rough week, but I am still here.",
                          visibility="public", summary="low mood")


async def test_home_page(kinhaven: RunningInstance, page: Page, check_page: CheckPage) -> None:
    response = await page.goto(f"{kinhaven.base_url}/")
    assert response is not None and response.status == 200
    assert kinhaven.settings.domain in await page.locator("h1").inner_text()
    screenshot = await check_page(page, "home")
    assert screenshot.name == "01-home.png" and screenshot.stat().st_size > 0


async def test_profile_page(kinhaven: RunningInstance, page: Page, check_page: CheckPage) -> None:
    await _alice_with_posts(kinhaven)
    await page.goto(f"{kinhaven.base_url}/")
    await check_page(page, "home")
    response = await page.goto(f"{kinhaven.base_url}/@alice")
    assert response is not None and response.status == 200
    await page.get_by_text("low mood").click()
    assert await page.get_by_text("A rough week").is_visible()
    screenshot = await check_page(page, "profile")
    assert screenshot.name == "02-profile.png"


async def test_not_found_page(kinhaven: RunningInstance, page: Page,
                              check_page: CheckPage) -> None:
    response = await page.goto(f"{kinhaven.base_url}/@nobody")
    assert response is not None and response.status == 404
    assert await page.locator("h1").is_visible()
    await check_page(page, "not found")


async def test_profile_works_without_javascript(kinhaven: RunningInstance, new_page: NewPage,
                                                check_page: CheckPage) -> None:
    await _alice_with_posts(kinhaven)
    page = await new_page(javascript=False)
    await page.goto(f"{kinhaven.base_url}/@alice")
    assert (await page.locator("h1").inner_text()).strip() == "alice"
    assert await page.get_by_text("Slept well for once.").is_visible()
    # A content warning opens with <details>, no script needed.
    await page.get_by_text("low mood").click()
    assert await page.get_by_text("A rough week").is_visible()
    await check_page(page, "profile without javascript")


async def test_dark_mode(kinhaven: RunningInstance, new_page: NewPage,
                         check_page: CheckPage) -> None:
    await _alice_with_posts(kinhaven)
    page = await new_page(color_scheme="dark")
    await page.goto(f"{kinhaven.base_url}/@alice")
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    red, green, blue = (int(part) for part in background[4:-1].split(","))
    assert max(red, green, blue) < 64, f"the dark scheme's background is {background}"
    await check_page(page, "profile dark")
