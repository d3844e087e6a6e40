"""Notification requests and the notification policy through Mastodon.py: what quiet
mode keeps apart from strangers on another instance, and what a limited account sends,
one request per account; dismissing; paging; and bad requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from server.storage import notifications as notification_store
from tests.api import bearer, call, mastodon, token_for
from tests.api.members import member, post
from tests.instances import RunningInstance, run_instance
from tests.moderating import sanction_account
from tests.waiting import wait_until


async def _quiet(instance: RunningInstance, account_id: int, *, on: bool) -> None:
    """Quiet mode, as the member's settings page turns it on or off."""
    async with instance.db.transaction() as tx:
        await tx.execute("UPDATE accounts SET quiet_mode = ? WHERE actor_id = ?",
                         (int(on), account_id))


async def test_strangers_elsewhere_wait_as_requests(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with run_instance(tmp_path / "a") as a, run_instance(tmp_path / "b") as b:
        amy = await member(a, "amy")
        bob, bea = await member(b, "bob"), await member(b, "bea")
        await _quiet(a, amy.id, on=True)
        handle = f"@amy@{a.settings.domain}"
        await post(b, bob, f"{handle} first hello")
        await post(b, bob, f"{handle} second hello")
        await post(b, bea, f"{handle} just between us", visibility="direct")

        async def arrived() -> bool:
            found = await notification_store.list_notifications(a.db, amy.id)
            return len([n for n in found if n.kind == "mention"]) == 3

        await wait_until(arrived, what="three mentions at A")
        client = mastodon(a, await token_for(a, "amy", "read write"))
        assert await call(client.notifications) == []
        requests = await call(client.notification_requests)
        by_name: dict[str, Any] = {r["account"]["username"]: r for r in requests}
        assert sorted(by_name) == ["bea", "bob"]
        assert [int(r["id"]) for r in requests] == sorted(
            (int(r["id"]) for r in requests), reverse=True)
        from_bob = by_name["bob"]
        assert from_bob["account"]["acct"] == f"bob@{b.settings.domain}"
        assert from_bob["notifications_count"] == "2"
        assert "second hello" in from_bob["last_status"]["content"]
        assert by_name["bea"]["notifications_count"] == "1"
        assert by_name["bea"]["last_status"]["visibility"] == "direct"
        one = await call(client.notification_request, from_bob["id"])
        assert one["id"] == from_bob["id"] and one["notifications_count"] == "2"

        policy = await call(client.notifications_policy)
        assert policy["for_not_following"] == "filter"
        assert policy["for_limited_accounts"] == "filter"
        assert policy["summary"] == {"pending_requests_count": 2,
                                     "pending_notifications_count": 3}
        reader = bearer(await token_for(a, "amy", "read"))
        old = (await a.client.get("/api/v1/notifications/policy", headers=reader)).json()
        assert old["filter_not_following"] is True and old["filter_private_mentions"] is False

        first = await call(client.notification_requests, limit=1)
        following = await call(client.fetch_next, first)
        assert following is not None
        assert [r["id"] for r in [*first, *following]] == [r["id"] for r in requests]

        writer = bearer(await token_for(a, "amy", "write"))
        accept = await a.client.post(
            f"/api/v1/notifications/requests/{from_bob['id']}/accept", headers=writer)
        assert accept.status_code == 422 and "quiet mode" in accept.json()["error"]
        await call(client.dismiss_notification_request, from_bob["id"])
        assert [r["account"]["username"] for r in await call(client.notification_requests)
                ] == ["bea"]
        assert not any(n.from_actor_id == int(from_bob["id"])
                       for n in await notification_store.list_notifications(a.db, amy.id))
        missing = await a.client.get(f"/api/v1/notifications/requests/{from_bob['id']}",
                                     headers=reader)
        assert missing.status_code == 404

        # Decided when read: with quiet mode off, bea's message is an ordinary notification.
        await _quiet(a, amy.id, on=False)
        assert await call(client.notification_requests) == []
        assert [n["account"]["username"] for n in await call(client.notifications)] == ["bea"]
        policy = await call(client.notifications_policy)
        assert policy["for_not_following"] == "accept"
        assert policy["summary"]["pending_requests_count"] == 0


async def test_limited_and_blocked_accounts(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        amy, ben, cal = [await member(kinhaven, name) for name in ("amy", "ben", "cal")]
        await _quiet(kinhaven, amy.id, on=False)
        await sanction_account(kinhaven.db, ben.id, "limit")
        await post(kinhaven, ben, "@amy from a limited account")
        await post(kinhaven, cal, "@amy from someone else")
        client = mastodon(kinhaven, await token_for(kinhaven, "amy", "read write"))
        (request,) = await call(client.notification_requests)
        assert request["id"] == str(ben.id) and request["notifications_count"] == "1"
        assert [n["account"]["username"] for n in await call(client.notifications)] == ["cal"]
        await call(client.account_block, str(ben.id))
        assert await call(client.notification_requests) == []
        assert (await call(client.notifications_policy))["summary"] == {
            "pending_requests_count": 0, "pending_notifications_count": 0}


async def test_bad_requests(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        amy, ben = await member(kinhaven, "amy"), await member(kinhaven, "ben")
        await member(kinhaven, "cal")
        await sanction_account(kinhaven.db, ben.id, "limit")
        await post(kinhaven, ben, "@amy limited hello")
        reader = bearer(await token_for(kinhaven, "amy", "read"))
        writer = bearer(await token_for(kinhaven, "amy", "write"))
        other = bearer(await token_for(kinhaven, "cal", "read write"))
        client = kinhaven.client
        base = "/api/v1/notifications/requests"
        for path in (base, f"{base}/{ben.id}", "/api/v2/notifications/policy"):
            assert (await client.get(path)).status_code == 401, path
            assert (await client.get(path, headers=writer)).status_code == 403, path
        assert (await client.post(f"{base}/{ben.id}/dismiss", headers=reader)
                ).status_code == 403
        for wrong in ("abc", "99999999999999999999", str(amy.id)):
            assert (await client.get(f"{base}/{wrong}", headers=reader)).status_code == 404
            assert (await client.post(f"{base}/{wrong}/dismiss", headers=writer)
                    ).status_code == 404
        assert (await client.get(f"{base}/{ben.id}", headers=other)).status_code == 404
        assert (await client.post(f"{base}/{ben.id}/dismiss", headers=other)
                ).status_code == 404
        assert (await client.get(f"{base}?limit=0", headers=reader)).status_code == 422
        bad_ids = await client.post(f"{base}/dismiss", headers=writer, data={"id[]": "x"})
        assert bad_ids.status_code == 422
        changed = await client.patch("/api/v2/notifications/policy", headers=writer,
                                     data={"for_not_following": "accept"})
        assert changed.status_code == 422 and "/settings/privacy" in changed.json()["error"]
        assert (await client.get(f"{base}/{ben.id}", headers=reader)).status_code == 200
        assert (await client.post(f"{base}/dismiss", headers=writer,
                                  data={"id[]": str(ben.id)})).status_code == 200
        assert (await client.get(base, headers=reader)).json() == []
