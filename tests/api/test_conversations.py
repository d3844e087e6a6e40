"""Conversations through Mastodon.py: direct threads grouped by their root, seen only
by the people they name; blocks; reading and removing; paging; and bad requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mastodon import Mastodon

from tests.api import bearer, call, mastodon, token_for
from tests.api.members import member, post
from tests.instances import RunningInstance, run_instance


async def _clients(kinhaven: RunningInstance, *names: str) -> list[Mastodon]:
    found = []
    for name in names:
        await member(kinhaven, name)
        found.append(mastodon(kinhaven, await token_for(kinhaven, name, "read write")))
    return found


async def _direct(client: Mastodon, text: str, reply_to: Any = None) -> Any:
    return await call(client.status_post, text, visibility="direct", in_reply_to_id=reply_to)


def _people(conversation: Any) -> list[str]:
    return sorted(account["username"] for account in conversation["accounts"])


async def test_direct_threads_reach_only_those_they_name(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        amy, ben, cal, dan = await _clients(kinhaven, "amy", "ben", "cal", "dan")
        first = await _direct(ben, "@amy how are you?")
        answer = await _direct(amy, "@ben better, thanks", first["id"])
        apart = await _direct(cal, "@amy a word of my own")
        await call(ben.status_post, "@amy a public hello")
        await call(ben.status_post, "@amy followers only", visibility="private")
        widened = await _direct(ben, "@amy @cal may cal join us?", answer["id"])

        found = await call(amy.conversations)
        assert [c["last_status"]["id"] for c in found] == [widened["id"], apart["id"]]
        thread, alone = found
        assert thread["id"] == first["id"] and _people(thread) == ["ben", "cal"]
        assert _people(alone) == ["cal"]
        assert thread["unread"] and alone["unread"]

        # cal sees only the post that names them, in the same thread.
        seen_by_cal = await call(cal.conversations)
        assert [c["last_status"]["id"] for c in seen_by_cal] == [widened["id"], apart["id"]]
        assert _people(seen_by_cal[0]) == ["amy", "ben"]
        assert not seen_by_cal[1]["unread"]  # cal wrote it
        assert await call(dan.conversations) == []
        ben_sees = await call(ben.conversations)
        assert [c["id"] for c in ben_sees] == [first["id"]]
        assert not ben_sees[0]["unread"]  # ben wrote its last post


async def test_blocked_and_muted_members_messages_do_not_show(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        amy, ben, cal = await _clients(kinhaven, "amy", "ben", "cal")
        await _direct(ben, "@amy before the block")
        await _direct(cal, "@amy before the mute")
        kept = await _direct(amy, "@ben @cal amy's own message")
        assert len(await call(amy.conversations)) == 3
        ben_id = (await call(amy.account_lookup, "ben"))["id"]
        cal_id = (await call(amy.account_lookup, "cal"))["id"]
        await call(amy.account_block, ben_id)
        await call(amy.account_mute, cal_id)
        await _direct(ben, "@amy after the block")
        found = await call(amy.conversations)
        assert [c["last_status"]["id"] for c in found] == [kept["id"]]
        assert not found[0]["unread"]


async def test_reading_and_removing(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        amy, ben = await _clients(kinhaven, "amy", "ben")
        first = await _direct(ben, "@amy are you there?")
        (conversation,) = await call(amy.conversations)
        assert conversation["unread"]
        read = await call(amy.conversations_read, conversation["id"])
        assert read["id"] == first["id"] and not read["unread"]
        assert not (await call(amy.conversations))[0]["unread"]
        assert (await call(ben.conversations))[0]["id"] == first["id"]  # ben's own marks

        second = await _direct(ben, "@amy hello again", first["id"])
        (conversation,) = await call(amy.conversations)
        assert conversation["unread"] and conversation["last_status"]["id"] == second["id"]

        token = await token_for(kinhaven, "amy", "write:conversations")
        removed = await kinhaven.client.delete(f"/api/v1/conversations/{first['id']}",
                                               headers=bearer(token))
        assert removed.status_code == 200 and removed.json() == {}
        assert await call(amy.conversations) == []
        assert len(await call(ben.conversations)) == 1
        third = await _direct(ben, "@amy one more thing", second["id"])
        (back,) = await call(amy.conversations)
        assert back["id"] == first["id"] and back["last_status"]["id"] == third["id"]
        assert back["unread"]


async def test_paging_by_link_header(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        amy, ben = await _clients(kinhaven, "amy", "ben")
        sent = [await _direct(ben, f"@amy message {n}") for n in range(5)]
        newest = [status["id"] for status in reversed(sent)]
        everything = await call(amy.conversations)
        assert [c["last_status"]["id"] for c in everything] == newest
        first = await call(amy.conversations, limit=2)
        assert [c["id"] for c in first] == newest[:2]
        second = await call(amy.fetch_next, first)
        assert second is not None and [c["id"] for c in second] == newest[2:4]
        last = await call(amy.fetch_next, second)
        assert last is not None and [c["id"] for c in last] == newest[4:]
        after = await call(amy.conversations, min_id=newest[4], limit=2)
        assert [c["id"] for c in after] == newest[2:4]
        since = await call(amy.conversations, since_id=newest[4], limit=2)
        assert [c["id"] for c in since] == newest[:2]
        below = await call(amy.conversations, max_id=newest[1])
        assert [c["id"] for c in below] == newest[2:]


async def test_bad_requests(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        await member(kinhaven, "amy")
        ben = await member(kinhaven, "ben")
        await member(kinhaven, "cal")
        between = await post(kinhaven, ben, "@amy just us", visibility="direct")
        reader = bearer(await token_for(kinhaven, "amy", "read"))
        writer = bearer(await token_for(kinhaven, "amy", "write"))
        stranger = bearer(await token_for(kinhaven, "cal", "read write"))
        client = kinhaven.client
        assert (await client.get("/api/v1/conversations")).status_code == 401
        assert (await client.get("/api/v1/conversations", headers=writer)).status_code == 403
        notifications_only = bearer(await token_for(kinhaven, "amy", "read:notifications"))
        assert (await client.get("/api/v1/conversations", headers=notifications_only)
                ).status_code == 403
        path = f"/api/v1/conversations/{between.id}"
        assert (await client.post(f"{path}/read", headers=reader)).status_code == 403
        assert (await client.delete(path, headers=reader)).status_code == 403
        assert (await client.post(f"{path}/read")).status_code == 401
        for wrong in ("abc", "99999999999999999999", "0", str(between.id + 1000)):
            answer = await client.post(f"/api/v1/conversations/{wrong}/read", headers=writer)
            assert answer.status_code == 404, wrong
        assert (await client.post(f"{path}/read", headers=stranger)).status_code == 404
        assert (await client.delete(path, headers=stranger)).status_code == 404
        assert (await client.get("/api/v1/conversations?limit=0", headers=reader)
                ).status_code == 422
        assert (await client.get("/api/v1/conversations?max_id=x", headers=reader)
                ).status_code == 422
        huge = await client.get("/api/v1/conversations?limit=100000", headers=reader)
        assert huge.status_code == 200 and [c["id"] for c in huge.json()] == [str(between.id)]
        assert (await client.post(f"{path}/read", headers=writer)).json()["unread"] is False
