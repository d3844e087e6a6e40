"""A member and a moderator using Kinhaven only through Mastodon.py, as they would from a
Mastodon app: register the app and sign in through OAuth, post with a content warning
and an image, page through the home timeline, follow a member of another Kinhaven
instance and read their post, read notifications, report; then a moderator reads the
report and suspends the other instance's domain through the admin API."""

from __future__ import annotations

from pathlib import Path

from mastodon import Mastodon

from tests.api import call, mastodon, token_for
from tests.api.members import member
from tests.api.oauth_flow import signed_in_app
from tests.api.test_statuses import png
from tests.instances import RunningInstance, run_instance
from tests.moderating import open_follows
from tests.waiting import wait_until

MEMBER_SCOPES = ["read", "write", "follow"]
MODERATOR_SCOPES = ["read", "write", "admin:read", "admin:write"]


async def _home_contents(client: Mastodon) -> list[str]:
    return [status["content"] for status in await call(client.timeline_home, limit=40)]


async def _post_and_page(kinhaven: RunningInstance, meg: Mastodon) -> int:
    """Meg posts with a content warning and an image, then four more; returns the first."""
    media = await call(meg.media_post, png(), "image/png",
                       description="The sun coming up over the hills")
    first = await call(meg.status_post, "First light after a long night",
                       spoiler_text="sleep", media_ids=[media["id"]], visibility="public")
    assert first["spoiler_text"] == "sleep" and first["sensitive"] is True
    attachment = first["media_attachments"][0]
    assert attachment["type"] == "image"
    assert attachment["description"] == "The sun coming up over the hills"
    image = await kinhaven.client.get(attachment["url"])
    assert image.status_code == 200 and image.headers["content-type"].startswith("image/")
    for number in range(2, 6):
        await call(meg.status_post, f"Small step number {number}", visibility="public")

    newest = await call(meg.timeline_home, limit=2)
    middle = await call(meg.fetch_next, newest)
    oldest = await call(meg.fetch_next, middle)
    pages = [newest, middle, oldest]
    assert [len(page) for page in pages] == [2, 2, 1]
    ids = [int(status["id"]) for page in pages for status in page]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 5
    assert oldest[0]["id"] == first["id"]
    back = await call(meg.fetch_previous, middle)
    assert [status["id"] for status in back] == [status["id"] for status in newest]
    return int(first["id"])


async def test_a_member_and_a_moderator_through_mastodon_py(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with run_instance(tmp_path / "a") as a, run_instance(tmp_path / "b") as b:
        await member(a, "meg")
        ada_actor = await member(a, "ada")
        await a.add_member("mo", role="moderator")
        bob_actor = await member(b, "bob")
        await open_follows(b.db, bob_actor.id)

        meg = await signed_in_app(a, "meg", MEMBER_SCOPES)
        first_id = await _post_and_page(a, meg)

        found = await call(meg.account_search, f"bob@{b.settings.domain}", resolve=True)
        assert [account["acct"] for account in found] == [f"bob@{b.settings.domain}"]
        bob_id = found[0]["id"]
        await call(meg.account_follow, bob_id)

        async def following() -> bool:
            return bool((await call(meg.account_relationships, bob_id))[0]["following"])
        await wait_until(following, what="meg's follow of bob accepted")
        bob = mastodon(b, await token_for(b, "bob", "read write"))
        await call(bob.status_post, "Hello from the other instance", visibility="public")

        async def bobs_post_arrived() -> bool:
            return any("Hello from the other instance" in content
                       for content in await _home_contents(meg))
        await wait_until(bobs_post_arrived, what="bob's post in meg's home timeline")

        # Notifications from people meg does not follow wait aside (privacy by default),
        # so she follows ada, who lets anyone follow her.
        await open_follows(a.db, ada_actor.id)
        assert (await call(meg.account_follow, ada_actor.id))["following"] is True
        ada = mastodon(a, await token_for(a, "ada", "read write"))
        reply = await call(ada.status_post, "@meg so glad you slept a little",
                           in_reply_to_id=first_id)
        await call(ada.status_favourite, first_id)
        kinds = {item["type"] for item in await call(meg.notifications)}
        assert {"mention", "favourite"} <= kinds
        only_favourites = await call(meg.notifications, types=["favourite"])
        assert [item["account"]["acct"] for item in only_favourites] == ["ada"]
        assert str(only_favourites[0]["status"]["id"]) == str(first_id)

        report = await call(meg.report, ada_actor.id, status_ids=[reply["id"]],
                            comment="This reply worried me", category="other")
        assert str(report["target_account"]["id"]) == str(ada_actor.id)

        mo = await signed_in_app(a, "mo", MODERATOR_SCOPES, name="Moderation desk")
        open_reports = await call(mo.admin_reports)
        assert [item["comment"] for item in open_reports] == ["This reply worried me"]
        assert [str(status["id"]) for status in open_reports[0]["statuses"]] == [
            str(reply["id"])]
        block = await call(mo.admin_create_domain_block, b.settings.domain,
                           severity="suspend", public_comment="Testing the border")
        assert block["domain"] == b.settings.domain and block["severity"] == "suspend"
        listed = await call(mo.admin_domain_blocks)
        assert [item["domain"] for item in listed] == [b.settings.domain]
        relation = (await call(meg.account_relationships, bob_id))[0]
        assert relation["following"] is False, "a suspension severs follows at once"
        assert not any("Hello from the other instance" in content
                       for content in await _home_contents(meg))
