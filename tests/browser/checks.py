"""What every browser test checks on each page of its flow: axe-core, page health, a screenshot.

A test opens pages through `Browsing.new_page` and calls `Browsing.check` (the `check_page`
fixture) on each page it reaches. The check saves a full-page screenshot as
`test-output/<test name>/<NN>-<name>.png`, runs axe-core when the page has JavaScript, and fails
listing every serious or critical axe violation, every request the Content-Security-Policy
refused, every script error and every broken sub-resource.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import axe_playwright_python
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, Request, Response

AXE_SCRIPT = Path(axe_playwright_python.__file__).with_name("axe.min.js")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
FAILING_IMPACTS = ("serious", "critical")
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
# Chromium asks for it on its own; Kinhaven pages do not link one.
IGNORED_PATHS = {"/favicon.ico"}


def safe_name(name: str) -> str:
    """A test or page name as a file name: `test_x[dark mode]` becomes `test_x-dark_mode`."""
    return re.sub(r"[^\w.-]+", "_", name.replace("[", "-").replace("]", "")).strip("_")


@dataclass
class Watched:
    """What one page's listeners saw: the problems a check reports, and its JavaScript setting."""

    javascript: bool
    problems: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        # Chromium reports what the page's Content-Security-Policy blocked on the console.
        if "Content Security Policy" in message.text:
            self.problems.append(f"blocked by the Content-Security-Policy: {message.text}")

    def on_page_error(self, error: Exception) -> None:
        self.problems.append(f"script error: {error}")

    def on_request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https") and parts.hostname not in LOOPBACK_HOSTS:
            self.problems.append(f"request off loopback: {request.method} {request.url}")

    def on_request_failed(self, request: Request) -> None:
        if urlsplit(request.url).path not in IGNORED_PATHS:
            self.problems.append(f"request failed ({request.failure}): {request.url}")

    def on_response(self, response: Response) -> None:
        # The page itself may be a 404 on purpose; what it loads must not be.
        kind = response.request.resource_type
        path = urlsplit(response.url).path
        if response.status >= 400 and kind != "document" and path not in IGNORED_PATHS:
            self.problems.append(f"{kind} answered {response.status}: {response.url}")


def describe_violations(violations: list[dict[str, Any]]) -> list[str]:
    """One block per violation: rule, impact, help and the offending nodes."""
    lines = []
    for violation in violations:
        lines.append(
            f"axe {violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            html = node["html"] if len(node["html"]) <= 200 else node["html"][:200] + "…"
            lines.append(f"    at {', '.join(map(str, node['target']))}: {html}")
    return lines


@cache
def axe_source() -> str:
    return AXE_SCRIPT.read_text(encoding="utf-8")


async def run_axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page, every impact.

    axe is evaluated through the DevTools protocol, which the page's Content-Security-Policy
    does not govern (`add_script_tag` is refused by `default-src 'none'`). So the checking
    context keeps the real policy (no `bypass_csp`), and a page that depends on something the
    policy blocks looks broken here exactly as it would for a member.
    """
    await page.evaluate(axe_source())
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    results = await page.evaluate("options => axe.run(document, options)", options)
    violations: list[dict[str, Any]] = results["violations"]
    return violations


@dataclass
class Browsing:
    """One test's use of the shared browser: its contexts, its output folder, its page counter."""

    browser: Browser
    output: Path
    contexts: list[BrowserContext] = field(default_factory=list)
    watched: dict[int, Watched] = field(default_factory=dict)
    checked: int = 0

    async def new_page(self, *, javascript: bool = True, **context_options: Any) -> Page:
        """A page in a fresh context (own cookies), e.g. `javascript=False` to prove a page
        works without scripts, or `color_scheme="dark"`. axe needs JavaScript, so pages
        without it get the screenshot and the health checks only."""
        context = await self.browser.new_context(java_script_enabled=javascript, **context_options)
        self.contexts.append(context)
        page = await context.new_page()
        watched = Watched(javascript=javascript)
        page.on("console", watched.on_console)
        page.on("pageerror", watched.on_page_error)
        page.on("request", watched.on_request)
        page.on("requestfailed", watched.on_request_failed)
        page.on("response", watched.on_response)
        self.watched[id(page)] = watched
        return page

    async def check(self, page: Page, name: str) -> Path:
        """Screenshot the page as the next step of the flow, then fail on anything wrong."""
        watched = self.watched[id(page)]
        self.checked += 1
        self.output.mkdir(parents=True, exist_ok=True)
        stem = f"{self.checked:02d}-{safe_name(name)}"
        screenshot = self.output / f"{stem}.png"
        await page.screenshot(path=screenshot, full_page=True)
        problems = list(watched.problems)
        watched.problems.clear()
        if watched.javascript:
            violations = await run_axe(page)
            if violations:
                report = json.dumps(violations, indent=2, ensure_ascii=False)
                (self.output / f"{stem}.axe.json").write_text(report, encoding="utf-8")
            failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
            problems.extend(describe_violations(failing))
        if problems:
            listed = "\n  ".join(problems)
            raise AssertionError(f"page {name!r} ({page.url}, see {screenshot}):\n  {listed}")
        return screenshot

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()
