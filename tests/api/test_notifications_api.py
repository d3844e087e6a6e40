"""Notifications through Mastodon.py: a follow and a mention from a member of another
Kinhaven instance, the types filter, dismissing and clearing; and the page's rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from moderation.keywords import KeywordAction, KeywordRule
from server.services import relations
from server.storage import keywords as keyword_store
from server.storage import notifications as notification_store
from tests.api import bearer, call, mastodon, token_for
from tests.api.members import federation_of, follows, member, post
from tests.instances import RunningInstance, run_instance
from tests.moderating import sanction_account
from tests.waiting import wait_until


async def _notify(instance: RunningInstance, account_id: int, kind: str, from_id: int | None,
                  post_id: int | None, source: str) -> None:
    await notification_store.notify(instance.db, account_id=account_id, kind=kind,
                                    from_actor_id=from_id, post_id=post_id, source_uri=source)


async def _quiet(instance: RunningInstance, account_id: int, *, on: bool) -> None:
    """Quiet mode, as the member's settings page turns it on or off."""
    async with instance.db.transaction() as tx:
        await tx.execute("UPDATE accounts SET quiet_mode = ? WHERE actor_id = ?",
                         (int(on), account_id))


async def test_follow_and_mention_from_another_instance(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with run_instance(tmp_path / "a") as a, run_instance(tmp_path / "b") as b:
        amy = await member(a, "amy")
        ben = await member(a, "ben")
        bob = await member(b, "bob")
        await _quiet(a, amy.id, on=False)
        amy_at_b = await relations.find_remote_account(
            federation_of(b), f"amy@{a.settings.domain}")
        await relations.follow(federation_of(b), bob, amy_at_b)

        async def requested() -> bool:
            found = await notification_store.list_notifications(a.db, amy.id)
            return any(n.kind == "follow_request" for n in found)

        await wait_until(requested, what="the follow request at A")
        await follows(a, ben, amy)
        await post(b, bob, f"@amy@{a.settings.domain} hello there")
        client = mastodon(a, await token_for(a, "amy", "read write"))

        async def arrived() -> list[Any]:
            found = await call(client.notifications)
            return found if len(found) == 3 else []

        found = await wait_until(arrived, what="the follow request and the mention")
        assert [n["type"] for n in found] == ["mention", "follow", "follow_request"]
        mention, follow, request = found
        assert mention["account"]["acct"] == f"bob@{b.settings.domain}"
        assert "hello there" in mention["status"]["content"]
        assert request["status"] is None and follow["account"]["username"] == "ben"
        assert request["account"]["username"] == "bob"
        mentions = await call(client.notifications, types=["mention"])
        assert [n["id"] for n in mentions] == [mention["id"]]
        others = await call(client.notifications, exclude_types=["mention", "follow"])
        assert [n["id"] for n in others] == [request["id"]]
        assert await call(client.notifications, types=["nonsense"]) == []
        assert [n["id"] for n in await call(client.notifications, account_id=str(ben.id))
                ] == [follow["id"]]
        one = await call(client.notifications, id=mention["id"])
        assert one["type"] == "mention"

        await call(client.notifications_dismiss, mention["id"])
        assert [n["id"] for n in await call(client.notifications)] == [
            follow["id"], request["id"]]
        await call(client.notifications_clear)
        assert await call(client.notifications) == []
        assert (await notification_store.list_notifications(a.db, amy.id)) == []


async def test_only_what_the_member_may_see(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        amy, ben, _cal = [await member(kinhaven, n) for n in ("amy", "ben", "cal")]
        await keyword_store.add_rule(
            kinhaven.db, KeywordRule(id=0, text="casino", action=KeywordAction.HOLD),
            by_id=ben.id, by_name="@ben")
        held = await post(kinhaven, ben, "@amy the casino")
        hidden = await post(kinhaven, ben, "@cal followers only", visibility="followers")
        direct = await post(kinhaven, ben, "@amy between us", visibility="direct")
        # Posting told amy of the direct message and cal of the followers-only post;
        # these would be shown to amy if the API did not check what she may see.
        for kind, target in (("mention", held), ("mention", hidden), ("favourite", hidden)):
            await _notify(kinhaven, amy.id, kind, ben.id, target.id, f"{kind}:{target.id}")
        amy_client = mastodon(kinhaven, await token_for(kinhaven, "amy", "read"))
        found = await call(amy_client.notifications)
        assert [n["status"]["id"] for n in found] == [str(direct.id)]
        cal_client = mastodon(kinhaven, await token_for(kinhaven, "cal", "read"))
        assert [n["status"]["id"] for n in await call(cal_client.notifications)] == [
            str(hidden.id)]
        first = await notification_store.list_notifications(kinhaven.db, amy.id, limit=10)
        held_one = next(n for n in first if n.post_id == held.id)
        missing = await kinhaven.client.get(
            f"/api/v1/notifications/{held_one.id}",
            headers=bearer(await token_for(kinhaven, "amy", "read")))
        assert missing.status_code == 404


async def test_quiet_mode_and_warnings(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with run_instance(tmp_path / "a") as a, run_instance(tmp_path / "b") as b:
        amy = await member(a, "amy")
        bob = await member(b, "bob")
        await _quiet(a, amy.id, on=True)
        await post(b, bob, f"@amy@{a.settings.domain} a stranger says hi")

        async def mentioned() -> bool:
            found = await notification_store.list_notifications(a.db, amy.id)
            return any(n.kind == "mention" for n in found)

        await wait_until(mentioned, what="the mention at A")
        await sanction_account(a.db, amy.id, "warning", reason="please be kind")
        client = mastodon(a, await token_for(a, "amy", "read"))
        found = await call(client.notifications)
        assert [n["type"] for n in found] == ["moderation_warning"]
        assert found[0]["moderation_warning"]["text"] == "please be kind"
        assert found[0]["moderation_warning"]["action"] == "none"
        unread = await a.client.get("/api/v1/notifications/unread_count",
                                    headers=bearer(await token_for(a, "amy", "read")))
        assert unread.json() == {"count": 1}


async def test_paging_by_link_header_and_min_id(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        amy, ben = await member(kinhaven, "amy"), await member(kinhaven, "ben")
        for n in range(5):
            await _notify(kinhaven, amy.id, "follow_request", ben.id, None, f"request-{n}")
        client = mastodon(kinhaven, await token_for(kinhaven, "amy", "read"))
        first = await call(client.notifications, limit=2)
        newest = [n["id"] for n in await call(client.notifications)]
        assert len(newest) == 5 and [n["id"] for n in first] == newest[:2]
        second = await call(client.fetch_next, first)
        assert second is not None and [n["id"] for n in second] == newest[2:4]
        after = await call(client.notifications, min_id=newest[4], limit=2)
        assert [n["id"] for n in after] == newest[2:4]
        since = await call(client.notifications, since_id=newest[4], limit=2)
        assert [n["id"] for n in since] == newest[:2]


async def test_bad_requests(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        amy, ben = await member(kinhaven, "amy"), await member(kinhaven, "ben")
        await follows(kinhaven, ben, amy)
        reader = bearer(await token_for(kinhaven, "amy", "read"))
        writer = bearer(await token_for(kinhaven, "amy", "write"))
        other = bearer(await token_for(kinhaven, "ben", "read write"))
        client = kinhaven.client
        assert (await client.get("/api/v1/notifications")).status_code == 401
        assert (await client.get("/api/v1/notifications", headers=writer)).status_code == 403
        assert (await client.post("/api/v1/notifications/clear", headers=reader)
                ).status_code == 403
        for query in ("limit=0", "limit=-5", "max_id=x", "account_id=abc", "types=1&types=2"):
            answer = await client.get(f"/api/v1/notifications?{query}", headers=reader)
            assert answer.status_code in (200, 422), query
            assert answer.status_code == 200 or "error" in answer.json()
        assert (await client.get("/api/v1/notifications?limit=0", headers=reader)
                ).status_code == 422
        huge = await client.get("/api/v1/notifications?limit=100000", headers=reader)
        assert huge.status_code == 200 and len(huge.json()) == 1
        own_id = huge.json()[0]["id"]
        for path in ("/api/v1/notifications/abc", "/api/v1/notifications/99999999999999999999",
                     f"/api/v1/notifications/{own_id}"):
            headers = other if path.endswith(own_id) else reader
            assert (await client.get(path, headers=headers)).status_code == 404, path
        assert (await client.post(f"/api/v1/notifications/{own_id}/dismiss", headers=other)
                ).status_code == 404
        assert (await client.post("/api/v1/notifications/x/dismiss", headers=writer)
                ).status_code == 404
        assert (await client.get("/api/v1/notifications", headers=reader)).json()[0]["id"] \
            == own_id
