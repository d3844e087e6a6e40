"""Mastodon's rate limits on the client API, over real HTTP on loopback: the headers on
every answer, 429 past the limit, budgets per account and per address, the window's
reset, and the stricter rules for media uploads, deletions and sign-ups.

Each test runs an instance with small limits, given to the app factory as the server
takes them. Windows are aligned to the clock, so a test that counts within a day-long
window first makes sure the day is not about to end; the one that waits for a window
to end uses a two-second window and waits only for that."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from mastodon import Mastodon, MastodonRatelimitError

from server.api.rate_limits import ApiLimits, Limit
from tests.api import bearer, call, token_for
from tests.api.members import member
from tests.api.test_statuses import png
from tests.instances import RunningInstance, run_instance
from tests.waiting import wait_until

DAY = 24 * 60 * 60
ME = "/api/v1/accounts/verify_credentials"


async def clear_of_window_end(seconds: float, margin: float = 60) -> None:
    """Wait for the next window if the current one ends within `margin` seconds."""
    left = seconds - time.time() % seconds
    if left < margin:
        await asyncio.sleep(left + 0.05)


def reset_of(answer: httpx.Response) -> float:
    return datetime.fromisoformat(answer.headers["X-RateLimit-Reset"]).timestamp()


def budget(answer: httpx.Response) -> tuple[str, str]:
    return answer.headers["X-RateLimit-Limit"], answer.headers["X-RateLimit-Remaining"]


def assert_refused(answer: httpx.Response, limit: int) -> None:
    assert answer.status_code == 429, answer.text
    assert answer.json() == {"error": "Too many requests"}
    assert budget(answer) == (str(limit), "0")
    retry, left = int(answer.headers["Retry-After"]), reset_of(answer) - time.time()
    assert retry >= 1 and left <= retry <= left + 2  # whole seconds, counted a moment ago


async def me(kinhaven: RunningInstance, token: str, **headers: str) -> httpx.Response:
    return await kinhaven.client.get(ME, headers={**bearer(token), **headers})


async def test_answers_count_down_and_the_limit_refuses(tmp_path: Path) -> None:
    limits = ApiLimits(per_account=Limit(4, DAY))
    async with run_instance(tmp_path, api_limits=limits) as kinhaven:
        await member(kinhaven, "amy")
        await member(kinhaven, "ben")
        amy = await token_for(kinhaven, "amy", "read")
        await clear_of_window_end(DAY)
        answers = [await me(kinhaven, amy) for _ in range(4)]
        assert [answer.status_code for answer in answers] == [200] * 4
        assert [budget(answer) for answer in answers] == [("4", "3"), ("4", "2"), ("4", "1"),
                                                           ("4", "0")]
        resets = {answer.headers["X-RateLimit-Reset"] for answer in answers}
        assert len(resets) == 1 and resets.pop().endswith("Z")
        reset = reset_of(answers[0])
        assert reset % DAY == 0 and 0 < reset - time.time() <= DAY

        refused = await me(kinhaven, amy)
        assert_refused(refused, 4)
        assert reset_of(refused) == reset

        ben = await token_for(kinhaven, "ben", "read")
        missing = await kinhaven.client.get("/api/v1/statuses/999999", headers=bearer(ben))
        assert missing.status_code == 404 and budget(missing) == ("4", "3")


async def test_an_account_has_one_budget_for_all_its_tokens(tmp_path: Path) -> None:
    limits = ApiLimits(per_account=Limit(2, DAY))
    async with run_instance(tmp_path, api_limits=limits) as kinhaven:
        await member(kinhaven, "amy")
        await member(kinhaven, "ben")
        phone = await token_for(kinhaven, "amy", "read")
        desk = await token_for(kinhaven, "amy", "read")
        ben = await token_for(kinhaven, "ben", "read")
        await clear_of_window_end(DAY)
        assert budget(await me(kinhaven, phone)) == ("2", "1")
        assert budget(await me(kinhaven, desk)) == ("2", "0")
        assert_refused(await me(kinhaven, phone), 2)
        assert_refused(await me(kinhaven, desk), 2)
        others = await me(kinhaven, ben)
        assert others.status_code == 200 and budget(others) == ("2", "1")


async def test_requests_without_a_member_count_by_address(tmp_path: Path) -> None:
    """uvicorn takes the address from X-Forwarded-For when loopback sends it, as it does
    behind a proxy on the same host, so one test client can be several addresses."""
    limits = ApiLimits(per_account=Limit(10, DAY), per_address=Limit(2, DAY))
    async with run_instance(tmp_path, api_limits=limits) as kinhaven:
        await member(kinhaven, "amy")
        amy = await token_for(kinhaven, "amy", "read")
        await clear_of_window_end(DAY)

        async def anonymous(address: str | None = None, token: str | None = None
                            ) -> httpx.Response:
            headers = {} if token is None else bearer(token)
            if address is not None:
                headers["X-Forwarded-For"] = address
            return await kinhaven.client.get("/api/v1/instance", headers=headers)

        assert budget(await anonymous()) == ("2", "1")
        assert budget(await anonymous(token="not-a-token")) == ("2", "0")
        assert_refused(await anonymous(), 2)
        assert_refused(await anonymous(token="not-a-token"), 2)
        signed = await anonymous(token=amy)
        assert signed.status_code == 200 and budget(signed) == ("10", "9")

        assert budget(await anonymous("203.0.113.7")) == ("2", "1")
        assert budget(await anonymous("2001:db8::1")) == ("2", "1")
        assert budget(await anonymous("2001:db8::2")) == ("2", "0")  # the same /64
        assert budget(await anonymous("2001:db8:0:1::1")) == ("2", "1")


async def test_the_count_starts_again_when_the_window_ends(tmp_path: Path) -> None:
    window = 2.0
    limits = ApiLimits(per_account=Limit(2, window))
    async with run_instance(tmp_path, api_limits=limits) as kinhaven:
        await member(kinhaven, "amy")
        amy = await token_for(kinhaven, "amy", "read")
        await clear_of_window_end(window, margin=window)  # a window just begun
        assert budget(await me(kinhaven, amy)) == ("2", "1")
        assert budget(await me(kinhaven, amy)) == ("2", "0")
        refused = await me(kinhaven, amy)
        assert_refused(refused, 2)
        reset = reset_of(refused)
        assert reset % window == 0 and time.time() < reset

        async def window_over() -> bool:
            return time.time() >= reset

        await wait_until(window_over, timeout=window + 1, what="the window's end")
        again = await me(kinhaven, amy)
        assert again.status_code == 200 and budget(again) == ("2", "1")
        assert reset_of(again) == reset + window


async def test_mastodon_py_reads_the_headers_and_throws_at_the_limit(tmp_path: Path) -> None:
    limits = ApiLimits(per_account=Limit(3, DAY))
    async with run_instance(tmp_path, api_limits=limits) as kinhaven:
        await member(kinhaven, "amy")
        client = Mastodon(access_token=await token_for(kinhaven, "amy", "read"),
                          api_base_url=kinhaven.base_url, version_check_mode="none",
                          ratelimit_method="throw", request_timeout=10)
        await clear_of_window_end(DAY)
        await call(client.account_verify_credentials)
        assert (client.ratelimit_limit, client.ratelimit_remaining) == (3, 2)
        next_day = (time.time() // DAY + 1) * DAY
        assert abs(client.ratelimit_reset - next_day) <= 1.5  # adjusted by the Date header
        await call(client.account_verify_credentials)
        await call(client.account_verify_credentials)
        assert client.ratelimit_remaining == 0
        with pytest.raises(MastodonRatelimitError):
            await call(client.account_verify_credentials)


async def test_media_uploads_have_a_stricter_limit(tmp_path: Path) -> None:
    limits = ApiLimits(per_account=Limit(20, DAY), media_uploads=Limit(2, DAY))
    async with run_instance(tmp_path, api_limits=limits) as kinhaven:
        await member(kinhaven, "amy")
        await member(kinhaven, "ben")
        amy = await token_for(kinhaven, "amy", "read write")
        ben = await token_for(kinhaven, "ben", "read write")
        await clear_of_window_end(DAY)

        async def upload(token: str, version: str = "v2") -> httpx.Response:
            return await kinhaven.client.post(f"/api/{version}/media", headers=bearer(token),
                                              files={"file": ("a.png", png(), "image/png")})

        first, second = await upload(amy), await upload(amy, "v1")
        assert first.status_code in (200, 202) and second.status_code == 200
        assert [budget(first), budget(second)] == [("2", "1"), ("2", "0")]
        assert_refused(await upload(amy), 2)
        reading = await me(kinhaven, amy)
        assert reading.status_code == 200
        assert budget(reading) == ("20", "16")  # four requests so far, the refused one too
        bens = await upload(ben)
        assert bens.status_code in (200, 202) and budget(bens) == ("2", "1")


async def test_deleting_statuses_has_a_stricter_limit(tmp_path: Path) -> None:
    limits = ApiLimits(per_account=Limit(20, DAY), deletions=Limit(1, DAY))
    async with run_instance(tmp_path, api_limits=limits) as kinhaven:
        await member(kinhaven, "amy")
        amy = bearer(await token_for(kinhaven, "amy", "read write"))
        await clear_of_window_end(DAY)
        posted = [await kinhaven.client.post("/api/v1/statuses", headers=amy,
                                             data={"status": f"post {n}"}) for n in range(2)]
        assert [answer.status_code for answer in posted] == [200, 200]
        assert budget(posted[1]) == ("20", "18")
        first, second = (answer.json()["id"] for answer in posted)
        deleted = await kinhaven.client.delete(f"/api/v1/statuses/{first}", headers=amy)
        assert deleted.status_code == 200 and budget(deleted) == ("1", "0")
        assert_refused(await kinhaven.client.delete(f"/api/v1/statuses/{second}",
                                                    headers=amy), 1)
        assert_refused(await kinhaven.client.post(f"/api/v1/statuses/{second}/unreblog",
                                                  headers=amy), 1)
        kept = await kinhaven.client.get(f"/api/v1/statuses/{second}", headers=amy)
        assert kept.status_code == 200 and budget(kept) == ("20", "14")


async def test_sign_ups_are_limited_by_address(tmp_path: Path) -> None:
    async with run_instance(tmp_path, api_limits=ApiLimits(sign_ups=Limit(1, DAY))) as kinhaven:
        await clear_of_window_end(DAY)
        form = {"username": "newcomer", "password": "correct horse battery",
                "agreement": "true", "locale": "en"}
        first = await kinhaven.client.post("/api/v1/accounts", data=form)
        assert first.status_code != 429
        assert_refused(await kinhaven.client.post("/api/v1/accounts", data=form), 1)
        other = await kinhaven.client.post("/api/v1/accounts", data=form,
                                           headers={"X-Forwarded-For": "203.0.113.9"})
        assert other.status_code != 429


async def test_callers_past_the_tracked_number_share_one_count(tmp_path: Path) -> None:
    limits = ApiLimits(per_address=Limit(1, DAY), tracked=2)
    async with run_instance(tmp_path, api_limits=limits) as kinhaven:
        await clear_of_window_end(DAY)

        async def status_from(address: str) -> int:
            answer = await kinhaven.client.get("/api/v1/instance",
                                               headers={"X-Forwarded-For": address})
            return answer.status_code

        assert [await status_from(f"198.51.100.{n}") for n in (1, 2, 3, 4, 1)] == [
            200, 200, 200, 429, 429]
