"""Following a member of another Kinhaven instance through the client API: found by
handle with WebFinger, asked, approved on the other side through its API, followed."""

from __future__ import annotations

from pathlib import Path

from tests.api import call, mastodon, token_for
from tests.instances import run_instance
from tests.waiting import wait_until


async def test_follow_a_member_elsewhere_through_the_api(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with run_instance(tmp_path / "a") as a, run_instance(tmp_path / "b") as b:
        await a.add_member("ada")
        await b.add_member("bob")
        ada = mastodon(a, await token_for(a, "ada", "read write follow"))
        bob = mastodon(b, await token_for(b, "bob", "read write follow"))
        found = await call(ada.account_search, f"bob@{b.settings.domain}", resolve=True)
        assert [account["acct"] for account in found] == [f"bob@{b.settings.domain}"]
        asked = await call(ada.account_follow, found[0]["id"])
        assert asked["requested"] is True and asked["following"] is False

        async def waiting() -> list:  # type: ignore[type-arg]
            return await call(bob.follow_requests)
        requests = await wait_until(waiting, what="the follow request at b")
        assert [account["acct"] for account in requests] == [f"ada@{a.settings.domain}"]
        answer = await call(bob.follow_request_authorize, requests[0]["id"])
        assert answer["followed_by"] is True
        assert await call(bob.follow_requests) == []

        async def following() -> bool:
            relation = (await call(ada.account_relationships, found[0]["id"]))[0]
            return bool(relation["following"])
        await wait_until(following, what="a's follow accepted")
