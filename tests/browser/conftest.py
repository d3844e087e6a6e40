"""Browser tests: Debian's Chromium, headless, driven by Playwright's async API.

One browser serves the whole session (starting Playwright and Chromium costs about a second;
a fresh context per page costs a few tens of milliseconds). Playwright's objects belong to the
event loop that started them, so every test in this folder, and every async fixture it uses,
runs in the session's loop: a new async fixture here needs `loop_scope="session"`, or it runs
in a loop that is idle while the test runs.

    async def test_profile(kinhaven: RunningInstance, page: Page, check_page: CheckPage) -> None:
        await kinhaven.add_member("alice")
        await page.goto(f"{kinhaven.base_url}/@alice")
        await check_page(page, "profile")
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright

from tests.browser.checks import Browsing, safe_name
from tests.instances import RunningInstance, run_instance

HERE = Path(__file__).resolve().parent
CheckPage = Callable[[Page, str], Awaitable[Path]]
NewPage = Callable[..., Awaitable[Page]]
output_names = pytest.StashKey[set[str]]()

CHROMIUM_ARGS = [
    # Containers often give /dev/shm only 64 MiB, too little for Chromium's shared memory.
    "--disable-dev-shm-usage",
    # Tests talk to loopback only: any other host name fails to resolve.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    session_loop = pytest.mark.asyncio(loop_scope="session")
    for item in items:
        if HERE in item.path.parents and pytest_asyncio.is_async_test(item):
            item.add_marker(session_loop, append=False)


def find_chromium() -> str:
    executable = os.environ.get("KINHAVEN_CHROMIUM") or shutil.which("chromium")
    if not executable:
        pytest.fail(
            "browser tests need Chromium: `apt-get install chromium` (`.ci/run` does it),"
            " or set KINHAVEN_CHROMIUM to a Chromium executable",
            pytrace=False,
        )
    return executable


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    executable = find_chromium()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture(loop_scope="session")
async def browsing(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Browsing]:
    """This test's contexts and its screenshot folder, `test-output/<test name>/`."""
    name = safe_name(request.node.name)
    used = request.config.stash.setdefault(output_names, set())
    assert name not in used, f"two browser tests would share test-output/{name}/; rename one"
    used.add(name)
    output = request.config.rootpath / "test-output" / name
    shutil.rmtree(output, ignore_errors=True)
    session = Browsing(browser=browser, output=output)
    try:
        yield session
    finally:
        await session.close()


@pytest.fixture
def new_page(browsing: Browsing) -> NewPage:
    """`await new_page(javascript=False, color_scheme="dark")`: a page in its own context."""
    return browsing.new_page


@pytest_asyncio.fixture(loop_scope="session")
async def page(browsing: Browsing) -> Page:
    """A page with JavaScript on (axe needs it), light colour scheme, 1280 by 720."""
    return await browsing.new_page()


@pytest.fixture
def check_page(browsing: Browsing) -> CheckPage:
    """`await check_page(page, "profile")`: screenshot, axe-core and page health."""
    return browsing.check


@pytest_asyncio.fixture(loop_scope="session")
async def kinhaven(tmp_path: Path) -> AsyncIterator[RunningInstance]:
    """The instance of tests/conftest.py, started in the session's loop with the browser."""
    async with run_instance(tmp_path) as running:
        yield running
