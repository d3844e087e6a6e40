"""The page checks fail for what they promise to catch, and say where."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from tests.browser.conftest import CheckPage
from tests.instances import RunningInstance


async def _failure(kinhaven: RunningInstance, page: Page, check_page: CheckPage, body: str,
                   headers: dict[str, str] | None = None) -> str:
    """Serve `body` at a loopback URL of the instance and return what the check complains of."""
    url = f"{kinhaven.base_url}/checked"
    await page.route(url, lambda route: route.fulfill(
        content_type="text/html", headers=headers or {}, body=body))
    await page.goto(url)
    with pytest.raises(AssertionError) as failure:
        await check_page(page, "checked")
    return str(failure.value)


async def test_serious_axe_violations_are_listed_with_their_nodes(
    kinhaven: RunningInstance, page: Page, check_page: CheckPage
) -> None:
    message = await _failure(kinhaven, page, check_page,
                             "<!doctype html><html><title>t</title><main><button></button></main>")
    assert "axe button-name (critical)" in message
    assert "at button: <button></button>" in message
    assert "axe html-has-lang (serious)" in message
    assert "01-checked.png" in message


async def test_what_the_policy_blocks_and_broken_resources_are_reported(
    kinhaven: RunningInstance, page: Page, check_page: CheckPage
) -> None:
    policy = (await kinhaven.client.get("/")).headers["content-security-policy"]
    message = await _failure(
        kinhaven, page, check_page,
        '<!doctype html><html lang="en"><title>t</title><main><h1 style="color: red">Inline</h1>'
        '<img src="/static/missing.png" alt=""></main>',
        headers={"content-security-policy": policy},
    )
    assert "blocked by the Content-Security-Policy" in message
    assert "image answered 404" in message
    assert "axe" not in message
