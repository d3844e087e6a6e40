"""An instance in allowlist mode against a fake Mastodon it has not allowed, then has."""

from __future__ import annotations

from pathlib import Path

from server.storage import inbound as inbound_store
from server.storage import policy as policy_store
from server.storage import posts as post_store
from server.storage.actors import get_actor
from tests.fake_mastodon import run_fake_mastodon
from tests.instances import run_instance
from tests.waiting import wait_until


async def test_allowlist_mode_refuses_strangers_until_allowed(tmp_path: Path) -> None:
    async with (run_instance(tmp_path, federation_mode="allowlist") as kinhaven,
                run_fake_mastodon() as mastodon):
        member = await get_actor(kinhaven.db, await kinhaven.add_member("alice"))
        assert member is not None
        bob = mastodon.add_account("bob")
        inbox = f"{kinhaven.base_url}/inbox"

        def note(text: str) -> dict[str, object]:
            mention = (f"@alice@{kinhaven.settings.domain}", member.uri)
            return mastodon.public_note(bob, text, mentions=[mention])

        refused = note("may I come in?")
        assert (await mastodon.deliver(bob, inbox, refused)).status_code == 403
        assert await inbound_store.state_of(kinhaven.db, refused["id"]) is None
        assert mastodon.get_log == [], "nothing was fetched from it either"

        await policy_store.allow_domain(kinhaven.db, mastodon.domain, by_id=None, by_name="tests")
        welcome = note("thank you")
        assert (await mastodon.deliver(bob, inbox, welcome)).status_code == 202

        async def processed() -> tuple[str, str | None] | None:
            state = await inbound_store.state_of(kinhaven.db, welcome["id"])
            return state if state is not None and state[0] != "new" else None

        assert await wait_until(processed, what="the allowed note") == ("done", None)
        obj = welcome["object"]
        assert isinstance(obj, dict)
        assert await post_store.get_post_by_uri(kinhaven.db, obj["id"]) is not None
