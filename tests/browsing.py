"""Using the members' web as a browser without JavaScript would: fetch a page, take the
CSRF token its form carries, post the form back with the cookies the site set."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from tests.instances import RunningInstance

PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_in(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


async def submit(client: httpx.AsyncClient, page: str, action: str,
                 data: dict[str, Any] | None = None, **options: Any) -> httpx.Response:
    """Open `page`, then post `data` with the page's CSRF token to `action`."""
    opened = await client.get(page)
    assert opened.status_code == 200, (page, opened.status_code)
    fields = {"csrf_token": csrf_in(opened.text), **(data or {})}
    return await client.post(action, data=fields, **options)


@asynccontextmanager
async def browser_session(kinhaven: RunningInstance) -> AsyncIterator[httpx.AsyncClient]:
    """A separate cookie jar on the same instance: one person's browser."""
    async with httpx.AsyncClient(base_url=kinhaven.base_url, timeout=10) as client:
        yield client


async def sign_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> None:
    response = await submit(client, "/login", "/login",
                            {"username": username, "password": password, "next": "/home"})
    assert response.status_code == 303, (response.status_code, response.text[:500])


@asynccontextmanager
async def member_browser(kinhaven: RunningInstance, username: str,
                         password: str = PASSWORD) -> AsyncIterator[httpx.AsyncClient]:
    """A browser signed in as `username` (who must exist and be approved)."""
    async with browser_session(kinhaven) as client:
        await sign_in(client, username, password)
        yield client
