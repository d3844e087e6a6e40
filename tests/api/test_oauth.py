"""OAuth 2 as Mastodon apps use it: Mastodon.py registers an app, a member signs in and
allows it on the consent page (driven as a browser without JavaScript would), the app
exchanges the code and uses the token; PKCE, client credentials, revocation, the
member's list of allowed apps, and every way a request can be wrong."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonUnauthorizedError

from tests.api import Team, bearer, call, mastodon
from tests.api.oauth_flow import CALLBACK, hidden_fields
from tests.browsing import browser_session, csrf_in, member_browser, sign_in, submit
from tests.instances import RunningInstance

OOB = "urn:ietf:wg:oauth:2.0:oob"
SCOPES = ["read", "write", "follow"]
_CODE = re.compile(r'<code class="oauth-code">([^<]+)</code>')


def query_of(location: str) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(urlsplit(location).query).items()}


def s256(verifier: str) -> str:
    """RFC 7636's S256 challenge, worked out here rather than by the server's library."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


async def register(kinhaven: RunningInstance, **fields: Any) -> dict[str, Any]:
    answer = await kinhaven.client.post("/api/v1/apps", json={
        "client_name": "Calm Reader", "redirect_uris": f"{OOB}\n{CALLBACK}",
        "scopes": "read write follow", **fields})
    assert answer.status_code == 200, answer.text
    registered: dict[str, Any] = answer.json()
    return registered


async def consent(browser: httpx.AsyncClient, authorize_url: str,
                  decision: str = "allow") -> httpx.Response:
    page = await browser.get(authorize_url)
    assert page.status_code == 200, page.text[:300]
    return await browser.post("/oauth/authorize",
                              data={**hidden_fields(page.text), "decision": decision})


def authorize_path(client_id: str, **params: str) -> str:
    query = httpx.QueryParams({"client_id": client_id, "response_type": "code",
                               "redirect_uri": CALLBACK, "scope": "read write follow",
                               **params})
    return f"/oauth/authorize?{query}"


async def code_for(kinhaven: RunningInstance, client_id: str, **params: str) -> str:
    async with member_browser(kinhaven, "meg") as browser:
        allowed = await consent(browser, authorize_path(client_id, **params))
    assert allowed.status_code == 302, allowed.text[:300]
    return query_of(allowed.headers["location"])["code"]


async def test_mastodon_py_registers_an_app_and_signs_in_through_the_consent_page(
        team: Team) -> None:
    kinhaven = team.kinhaven
    client_id, client_secret = await call(
        Mastodon.create_app, "Calm Reader", scopes=SCOPES, redirect_uris=[OOB, CALLBACK],
        website="https://app.example", api_base_url=kinhaven.base_url)
    app = Mastodon(client_id=client_id, client_secret=client_secret,
                   api_base_url=kinhaven.base_url, version_check_mode="none",
                   request_timeout=10)
    url = await call(app.auth_request_url, redirect_uris=CALLBACK, scopes=SCOPES,
                     state="s-123", allow_http=True)
    assert url.startswith(f"{kinhaven.base_url}/oauth/authorize?")

    async with member_browser(kinhaven, "meg") as browser:
        page = await browser.get(url)
        assert page.status_code == 200
        assert "Allow Calm Reader to use your account?" in page.text
        assert "@meg" in page.text and "Follow and unfollow" in page.text
        assert "form-action 'self' https://app.example;" in page.headers[
            "content-security-policy"]
        allowed = await browser.post("/oauth/authorize",
                                     data={**hidden_fields(page.text), "decision": "allow"})
    assert allowed.status_code == 302
    location = allowed.headers["location"]
    assert location.startswith(f"{CALLBACK}?")
    returned = query_of(location)
    assert returned["state"] == "s-123" and len(returned["code"]) >= 40

    token = await call(app.log_in, code=returned["code"], redirect_uri=CALLBACK,
                       scopes=SCOPES, allow_http=True)
    assert (await call(app.account_verify_credentials))["username"] == "meg"
    assert (await call(app.app_verify_credentials))["name"] == "Calm Reader"
    async with member_browser(kinhaven, "meg") as browser:
        assert "Calm Reader" in (await browser.get("/settings/apps")).text
    posted = await call(app.status_post, "Hello from an app", visibility="public")
    assert posted["account"]["username"] == "meg"
    assert posted["application"] == {"name": "Calm Reader", "website": "https://app.example"}
    seen_by_ada = await kinhaven.client.get(f"/api/v1/statuses/{posted['id']}",
                                            headers=bearer(team.admin_token))
    assert seen_by_ada.status_code == 200 and seen_by_ada.json()["application"] is None

    await call(app.revoke_access_token, allow_http=True)
    with pytest.raises(MastodonUnauthorizedError):
        await call(mastodon(kinhaven, token).account_verify_credentials)


async def test_the_server_metadata_names_every_endpoint(team: Team) -> None:
    info = await call(Mastodon(api_base_url=team.kinhaven.base_url,
                               version_check_mode="none").oauth_authorization_server_info)
    base = team.kinhaven.base_url
    assert info["authorization_endpoint"] == f"{base}/oauth/authorize"
    assert info["token_endpoint"] == f"{base}/oauth/token"
    assert info["revocation_endpoint"] == f"{base}/oauth/revoke"
    assert info["app_registration_endpoint"] == f"{base}/api/v1/apps"
    assert info["code_challenge_methods_supported"] == ["S256"]
    assert set(info["grant_types_supported"]) == {"authorization_code", "client_credentials"}
    assert "write:statuses" in info["scopes_supported"]
    assert "admin" not in info["scopes_supported"]


async def test_pkce_needs_the_verifier_and_a_code_works_once(team: Team) -> None:
    kinhaven = team.kinhaven
    app = await register(kinhaven)
    verifier = secrets.token_urlsafe(48)
    code = await code_for(kinhaven, app["client_id"], code_challenge=s256(verifier),
                          code_challenge_method="S256")
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
                "client_id": app["client_id"], "client_secret": app["client_secret"]}
    missing = await kinhaven.client.post("/oauth/token", data=exchange)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_grant"
    wrong = await kinhaven.client.post(
        "/oauth/token", data={**exchange, "code_verifier": secrets.token_urlsafe(48)})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"

    basic = httpx.BasicAuth(app["client_id"], app["client_secret"])
    without_secret = {k: v for k, v in exchange.items() if not k.startswith("client_")}
    granted = await kinhaven.client.post(
        "/oauth/token", data={**without_secret, "code_verifier": verifier}, auth=basic)
    assert granted.status_code == 200, granted.text
    body = granted.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "read write follow"
    assert granted.headers["cache-control"] == "no-store"
    token = body["access_token"]
    assert (await kinhaven.client.get("/api/v1/accounts/verify_credentials",
                                      headers=bearer(token))).status_code == 200

    again = await kinhaven.client.post(
        "/oauth/token", data={**without_secret, "code_verifier": verifier}, auth=basic)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    revoked = await kinhaven.client.get("/api/v1/accounts/verify_credentials",
                                        headers=bearer(token))
    assert revoked.status_code == 401, "a code used twice takes back the token it gave"


async def test_out_of_band_shows_the_code_and_scopes_narrow(team: Team) -> None:
    kinhaven = team.kinhaven
    app = await register(kinhaven)
    path = authorize_path(app["client_id"], redirect_uri=OOB, scope="read:statuses")
    async with member_browser(kinhaven, "meg") as browser:
        shown = await consent(browser, path)
    assert shown.status_code == 200
    found = _CODE.search(shown.text)
    assert found, shown.text[:500]
    granted = await kinhaven.client.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": found.group(1), "redirect_uri": OOB,
        "client_id": app["client_id"], "client_secret": app["client_secret"]})
    assert granted.status_code == 200 and granted.json()["scope"] == "read:statuses"
    token = granted.json()["access_token"]
    headers = bearer(token)
    assert (await kinhaven.client.get("/api/v1/timelines/home",
                                      headers=headers)).status_code == 200
    refused = await kinhaven.client.get("/api/v1/accounts/verify_credentials", headers=headers)
    assert refused.status_code == 403 and "scopes" in refused.json()["error"]


async def test_a_visitor_signs_in_first_and_comes_back_to_the_consent_page(team: Team) -> None:
    kinhaven = team.kinhaven
    app = await register(kinhaven)
    path = authorize_path(app["client_id"], state="abc")
    async with browser_session(kinhaven) as browser:
        first = await browser.get(path)
        assert first.status_code == 303 and first.headers["location"].startswith("/login?next=")
        login = await browser.get(first.headers["location"])
        next_path = hidden_fields(login.text)["next"]
        assert next_path == path
        signed_in = await browser.post("/login", data={
            "csrf_token": csrf_in(login.text), "username": "meg",
            "password": "correct horse battery", "next": next_path})
        assert signed_in.status_code == 303 and signed_in.headers["location"] == path
        page = await browser.get(path)
    assert "Allow Calm Reader to use your account?" in page.text


async def test_a_member_can_deny_and_bad_requests_never_reach_the_app(team: Team) -> None:
    kinhaven = team.kinhaven
    app = await register(kinhaven)
    async with member_browser(kinhaven, "meg") as browser:
        denied = await consent(browser, authorize_path(app["client_id"], state="s"),
                               decision="deny")
        assert denied.status_code == 302
        assert query_of(denied.headers["location"]) == {
            "error": "access_denied", "state": "s",
            "error_description": query_of(denied.headers["location"])["error_description"]}

        unknown = await browser.get(authorize_path("no-such-client"))
        assert unknown.status_code == 400 and "location" not in unknown.headers
        elsewhere = await browser.get(authorize_path(app["client_id"],
                                                     redirect_uri="https://evil.example/"))
        assert elsewhere.status_code == 400 and "location" not in elsewhere.headers
        for params, error in (({"scope": "read admin:write"}, "invalid_scope"),
                              ({"scope": "read everything"}, "invalid_scope"),
                              ({"response_type": "token"}, "unsupported_response_type"),
                              ({"code_challenge": s256("x" * 43),
                                "code_challenge_method": "plain"}, "invalid_request"),
                              ({"code_challenge": "short", "code_challenge_method": "S256"},
                               "invalid_request")):
            refused = await browser.get(authorize_path(app["client_id"], state="t", **params))
            assert refused.status_code == 302, params
            assert query_of(refused.headers["location"])["error"] == error, params
            assert query_of(refused.headers["location"])["state"] == "t"

        page = await browser.get(authorize_path(app["client_id"]))
        forged = await browser.post("/oauth/authorize", data={
            **hidden_fields(page.text), "csrf_token": "forged", "decision": "allow"})
        assert forged.status_code == 403 and "location" not in forged.headers
        tampered = await browser.post("/oauth/authorize", data={
            **hidden_fields(page.text), "scope": "read admin:read", "decision": "allow"})
        assert tampered.status_code == 302
        assert query_of(tampered.headers["location"])["error"] == "invalid_scope"
    assert await kinhaven.db.fetch_value("SELECT count(*) FROM oauth_codes") == 0


async def test_the_token_endpoint_refuses_what_it_cannot_honour(team: Team) -> None:
    kinhaven = team.kinhaven
    app = await register(kinhaven)
    code = await code_for(kinhaven, app["client_id"])
    client = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    post = kinhaven.client.post
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"grant_type": "password", "username": "meg", "password": "x", **client}, 400,
         "unsupported_grant_type"),
        ({**client}, 400, "unsupported_grant_type"),
        ({"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
          "client_id": app["client_id"], "client_secret": "wrong"}, 401, "invalid_client"),
        ({"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
         401, "invalid_client"),
        ({"grant_type": "authorization_code", "code": "made-up", "redirect_uri": CALLBACK,
          **client}, 400, "invalid_grant"),
        ({"grant_type": "authorization_code", "code": code, "redirect_uri": OOB, **client},
         400, "invalid_grant"),
        ({"grant_type": "client_credentials", "scope": "admin:read", **client}, 400,
         "invalid_scope"),
    ]
    for data, status, error in cases:
        answer = await post("/oauth/token", data=data)
        assert (answer.status_code, answer.json()["error"]) == (status, error), data
    other = await register(kinhaven, client_name="Someone Else")
    stolen = await post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
        "client_id": other["client_id"], "client_secret": other["client_secret"]})
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"

    malformed = await post("/oauth/token", content=b"{not json",
                           headers={"content-type": "application/json"})
    assert malformed.status_code == 400 and malformed.json()["error"] == "invalid_request"
    wrong_type = await post("/oauth/token", json={"grant_type": ["authorization_code"]})
    assert wrong_type.status_code == 400 and wrong_type.json()["error"] == "invalid_request"
    huge = await post("/oauth/token", content=b"a" * 200_000,
                      headers={"content-type": "application/x-www-form-urlencoded"})
    assert huge.status_code == 413
    bad_basic = await post("/oauth/token", data={"grant_type": "client_credentials"},
                           headers={"authorization": "Basic %%%"})
    assert bad_basic.status_code == 401

    await kinhaven.db.write_statement("UPDATE oauth_codes SET expires_at = ?",
                                      ("2000-01-01T00:00:00.000Z",))
    expired = await post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, **client})
    assert expired.status_code == 400 and expired.json()["error"] == "invalid_grant"
    assert await kinhaven.db.fetch_value("SELECT count(*) FROM access_tokens"
                                         " WHERE app_id IS NOT NULL") == 0


async def test_client_credentials_give_an_app_token_that_reads_as_a_visitor(
        team: Team) -> None:
    kinhaven = team.kinhaven
    app = await register(kinhaven)
    granted = await kinhaven.client.post("/oauth/token", data={
        "grant_type": "client_credentials", "scope": "read",
        "client_id": app["client_id"], "client_secret": app["client_secret"]})
    assert granted.status_code == 200 and granted.json()["scope"] == "read"
    headers = bearer(granted.json()["access_token"])
    own = await kinhaven.client.get("/api/v1/apps/verify_credentials", headers=headers)
    assert own.status_code == 200 and own.json()["name"] == "Calm Reader"
    assert "client_secret" not in own.json()
    member_only = await kinhaven.client.get("/api/v1/accounts/verify_credentials",
                                            headers=headers)
    assert member_only.status_code == 422
    assert member_only.json() == {"error": "This method requires an authenticated user"}
    public = await kinhaven.client.get("/api/v1/timelines/public", headers=headers)
    assert public.status_code == 200


async def test_revocation_follows_rfc_7009(team: Team) -> None:
    kinhaven = team.kinhaven
    app = await register(kinhaven)
    other = await register(kinhaven, client_name="Someone Else")
    code = await code_for(kinhaven, app["client_id"])
    client = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    token = (await kinhaven.client.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
        **client})).json()["access_token"]
    not_theirs = await kinhaven.client.post("/oauth/revoke", data={
        "token": token, "client_id": other["client_id"],
        "client_secret": other["client_secret"]})
    assert not_theirs.status_code == 403
    assert not_theirs.json()["error"] == "unauthorized_client"
    unknown = await kinhaven.client.post("/oauth/revoke", data={"token": "nope", **client})
    assert unknown.status_code == 200 and unknown.json() == {}
    anonymous = await kinhaven.client.post("/oauth/revoke", data={"token": token})
    assert anonymous.status_code == 401
    assert (await kinhaven.client.get("/api/v1/accounts/verify_credentials",
                                      headers=bearer(token))).status_code == 200
    done = await kinhaven.client.post("/oauth/revoke", data={"token": token, **client})
    assert done.status_code == 200
    assert (await kinhaven.client.get("/api/v1/accounts/verify_credentials",
                                      headers=bearer(token))).status_code == 401


async def test_registration_is_validated_and_stores_nothing_when_refused(team: Team) -> None:
    kinhaven = team.kinhaven
    post = kinhaven.client.post
    cases: list[tuple[dict[str, Any], str]] = [
        ({"redirect_uris": OOB}, "Validation failed: Name can't be blank"),
        ({"client_name": "x" * 61, "redirect_uris": OOB}, "Name is too long"),
        ({"client_name": "A"}, "Redirect URI can't be blank"),
        ({"client_name": "A", "redirect_uris": "javascript:alert(1)"}, "javascript"),
        ({"client_name": "A", "redirect_uris": "https://app.example/#frag"}, "fragment"),
        ({"client_name": "A", "redirect_uris": "/relative"}, "absolute"),
        ({"client_name": "A", "redirect_uris": OOB, "scopes": "read everything"}, "Scopes"),
        ({"client_name": "A", "redirect_uris": OOB, "scopes": "admin"}, "Scopes"),
        ({"client_name": "A", "redirect_uris": OOB, "website": "ftp://x"}, "Website"),
        ({"client_name": ["A"], "redirect_uris": OOB}, "client_name"),
    ]
    for body, message in cases:
        answer = await post("/api/v1/apps", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert message in answer.json()["error"], (body, answer.json())
    malformed = await post("/api/v1/apps", content=b"[1,",
                           headers={"content-type": "application/json"})
    assert malformed.status_code == 400 and "error" in malformed.json()
    assert await kinhaven.db.fetch_value("SELECT count(*) FROM oauth_apps") == 0
    unauthenticated = await kinhaven.client.get("/api/v1/apps/verify_credentials")
    assert unauthenticated.status_code == 401

    registered = await post("/api/v1/apps", data={"client_name": "Plain",
                                                  "redirect_uris": OOB})
    assert registered.status_code == 200
    body = registered.json()
    assert body["scopes"] == ["read"] and body["redirect_uris"] == [OOB]
    assert isinstance(body["id"], str) and body["client_secret_expires_at"] == 0


async def test_members_sign_apps_out_themselves_and_a_new_password_does_too(
        team: Team) -> None:
    kinhaven = team.kinhaven
    app = await register(kinhaven)
    client = {"client_id": app["client_id"], "client_secret": app["client_secret"]}

    async def token() -> str:
        code = await code_for(kinhaven, app["client_id"])
        answer = await kinhaven.client.post("/oauth/token", data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
            **client})
        return str(answer.json()["access_token"])

    async def works(value: str) -> bool:
        answer = await kinhaven.client.get("/api/v1/accounts/verify_credentials",
                                           headers=bearer(value))
        return answer.status_code == 200

    first = await token()
    async with member_browser(kinhaven, "meg") as browser:
        page = await browser.get("/settings/apps")
        assert "Calm Reader" in page.text and "See everything in your account" in page.text
        fields = hidden_fields(page.text)
        signed_out = await browser.post("/settings/apps/revoke", data=fields)
        assert signed_out.status_code == 303
        assert "No apps can use your account." in (await browser.get("/settings/apps")).text
    assert not await works(first)
    assert await works(team.member_token), "the command line's token is not an app's"

    second = await token()
    async with browser_session(kinhaven) as browser:
        await sign_in(browser, "meg")
        changed = await submit(browser, "/settings/password", "/settings/password", {
            "current_password": "correct horse battery",
            "new_password": "a brand new passphrase", "new_password_again":
            "a brand new passphrase"})
        assert changed.status_code == 303
    assert not await works(second)
    assert await works(team.member_token)


async def test_granted_scopes_must_cover_what_mastodon_py_asked_for(team: Team) -> None:
    kinhaven = team.kinhaven
    client_id, client_secret = await call(
        Mastodon.create_app, "Narrow", scopes=["read"], redirect_uris=[CALLBACK],
        api_base_url=kinhaven.base_url)
    app = Mastodon(client_id=client_id, client_secret=client_secret,
                   api_base_url=kinhaven.base_url, version_check_mode="none")
    code = await code_for(kinhaven, client_id, scope="read")
    with pytest.raises(MastodonAPIError):
        await call(app.log_in, code=code, redirect_uri=CALLBACK, scopes=["read", "write"],
                   allow_http=True)
