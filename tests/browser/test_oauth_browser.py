"""Allowing an app in a real browser with JavaScript off: sign in from the app's link,
read what the app may do, allow it, copy the code; then see it in settings and sign it
out. Each page is checked with axe-core."""

from __future__ import annotations

from urllib.parse import urlencode

from playwright.async_api import Page

from server.services import oauth
from server.storage import oauth as oauth_store
from tests.browser.conftest import CheckPage, NewPage
from tests.browsing import PASSWORD
from tests.instances import RunningInstance


async def test_a_member_allows_an_app_and_later_signs_it_out(
    kinhaven: RunningInstance, new_page: NewPage, check_page: CheckPage,
) -> None:
    alice_id = await kinhaven.add_member("alice")
    registered = await oauth.register_app(kinhaven.db, name="Calm Reader", website=None,
                                          redirect_uris=oauth.OUT_OF_BAND, scopes="read write")
    query = urlencode({"client_id": registered.app.client_id, "response_type": "code",
                       "redirect_uri": oauth.OUT_OF_BAND, "scope": "read"})
    page: Page = await new_page(javascript=False, viewport={"width": 360, "height": 740})
    await page.goto(f"{kinhaven.base_url}/oauth/authorize?{query}")
    await page.get_by_label("Username").fill("alice")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{kinhaven.base_url}/oauth/authorize?*")
    assert await page.get_by_role("heading", name="Allow Calm Reader to use your account?"
                                  ).is_visible()
    assert await page.get_by_text("See everything in your account").is_visible()
    await check_page(page, "oauth consent")

    await page.get_by_role("button", name="Allow").click()
    await page.wait_for_url(f"{kinhaven.base_url}/oauth/authorize")
    code = (await page.locator("code.oauth-code").inner_text()).strip()
    grant = await oauth_store.find_code(kinhaven.db, code)
    assert grant is not None and grant.scopes == ("read",)
    await check_page(page, "oauth code")
    await oauth.exchange_code(kinhaven.db, registered.app, code=code,
                              redirect_uri=oauth.OUT_OF_BAND, code_verifier=None)

    await page.goto(f"{kinhaven.base_url}/settings/apps")
    assert await page.get_by_role("heading", name="Calm Reader").is_visible()
    await check_page(page, "settings apps")
    await page.get_by_role("button", name="Sign Calm Reader out").click()
    await page.wait_for_url(f"{kinhaven.base_url}/settings/apps?saved=1")
    assert await page.get_by_text("No apps can use your account.").is_visible()
    assert await oauth_store.authorized_apps(kinhaven.db, alice_id) == []
