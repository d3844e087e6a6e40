"""The settings pages in a real browser: axe-core clean, on a phone's width too, and the
forms work without JavaScript."""

from __future__ import annotations

from playwright.async_api import Page

from tests.browser.conftest import CheckPage, NewPage
from tests.browsing import PASSWORD
from tests.instances import RunningInstance

PAGES = {
    "/settings": "settings",
    "/settings/profile": "profile settings",
    "/settings/privacy": "privacy settings",
    "/settings/password": "password settings",
    "/settings/break": "break settings",
    "/settings/export": "export settings",
    "/settings/delete": "delete settings",
}


async def _sign_in(kinhaven: RunningInstance, page: Page) -> None:
    await page.goto(f"{kinhaven.base_url}/login")
    await page.get_by_label("Username").fill("alice")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{kinhaven.base_url}/home")


async def test_settings_pages(kinhaven: RunningInstance, page: Page,
                              check_page: CheckPage) -> None:
    await kinhaven.add_member("alice")
    await _sign_in(kinhaven, page)
    for path, name in PAGES.items():
        response = await page.goto(f"{kinhaven.base_url}{path}")
        assert response is not None and response.status == 200, path
        await check_page(page, name)


async def test_settings_on_a_phone_without_javascript(
    kinhaven: RunningInstance, new_page: NewPage, check_page: CheckPage,
) -> None:
    await kinhaven.add_member("alice")
    page = await new_page(javascript=False, viewport={"width": 360, "height": 740})
    await _sign_in(kinhaven, page)
    await page.goto(f"{kinhaven.base_url}/settings/break")
    await page.get_by_label("3 days").check()
    await page.get_by_role("button", name="Start my break").click()
    assert await page.get_by_role("button", name="End my break now").is_visible()
    await check_page(page, "break on a phone")
    await page.goto(f"{kinhaven.base_url}/settings/profile")
    await page.get_by_label("Display name").fill("n" * 40)
    assert await page.get_by_label("Display name").input_value() == "n" * 30, "maxlength"
    await page.get_by_label("Choose a new picture").set_input_files(
        files=[{"name": "me.png", "mimeType": "image/png", "buffer": b"not an image"}])
    await page.get_by_role("button", name="Save profile").click()
    assert await page.locator("#avatar-error").is_visible()
    await check_page(page, "profile error on a phone")
