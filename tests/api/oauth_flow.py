"""Signing in to an instance the way a Mastodon app does: Mastodon.py registers the app
and builds the authorization link, the member allows it on the consent page (driven as
a browser without JavaScript would), and Mastodon.py exchanges the code for a token."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from mastodon import Mastodon

from tests.api import call
from tests.browsing import member_browser
from tests.instances import RunningInstance

CALLBACK = "https://app.example/callback"
_HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


def hidden_fields(page: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in _HIDDEN.findall(page)}


async def signed_in_app(kinhaven: RunningInstance, username: str, scopes: list[str],
                        *, name: str = "Calm Reader") -> Mastodon:
    """Mastodon.py holding a token `username` gave it through the whole OAuth flow."""
    client_id, client_secret = await call(
        Mastodon.create_app, name, scopes=scopes, redirect_uris=[CALLBACK],
        api_base_url=kinhaven.base_url)
    app = Mastodon(client_id=client_id, client_secret=client_secret,
                   api_base_url=kinhaven.base_url, version_check_mode="none",
                   request_timeout=10)
    url = await call(app.auth_request_url, redirect_uris=CALLBACK, scopes=scopes,
                     state="journey", allow_http=True)
    async with member_browser(kinhaven, username) as browser:
        page = await browser.get(url)
        assert page.status_code == 200, page.text[:300]
        allowed = await browser.post("/oauth/authorize",
                                     data={**hidden_fields(page.text), "decision": "allow"})
    assert allowed.status_code == 302, allowed.text[:300]
    returned = parse_qs(urlsplit(allowed.headers["location"]).query)
    assert returned["state"] == ["journey"]
    await call(app.log_in, code=returned["code"][0], redirect_uri=CALLBACK, scopes=scopes,
               allow_http=True)
    return app
