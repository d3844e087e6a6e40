"""The public list of moderated servers: reasons shown, private notes never, obfuscated
domains partly hidden, and admins can turn the page off."""

from __future__ import annotations

from pathlib import Path

from server.storage import policy as policy_store
from server.web.blocklist import obfuscated
from tests.browsing import member_browser, submit
from tests.instances import run_instance


def test_obfuscation_keeps_the_first_and_last_letters() -> None:
    assert obfuscated("bad.example") == "b*d.e*****e"
    assert obfuscated("a.io") == "a.io"


async def test_the_list_shows_public_reasons_only(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        await kinhaven.add_member("ada", role="admin")
        await policy_store.block_domain(kinhaven.db, "spam.example", severity="suspend",
                                        reason="Spam and harassment",
                                        private_reason="ticket 42, see the thread",
                                        by_id=None, by_name="tests")
        await policy_store.block_domain(kinhaven.db, "hateful.example", severity="limit",
                                        reason="Hateful content", obfuscate=True,
                                        reject_media=True,
                                        by_id=None, by_name="tests")
        page = (await kinhaven.client.get("/about/moderated-servers")).text
        assert "spam.example" in page and "Spam and harassment" in page
        assert "Suspended" in page and "Limited" in page and "Media not shown" in page
        assert "hateful.example" not in page and "h*****l.e*****e" in page
        assert "ticket 42" not in page
        async with member_browser(kinhaven, "ada") as admin:
            saved = await submit(admin, "/admin/settings", "/admin/settings", {
                "registrations": "approval", "rules": "", "crisis_resources": "",
                "description": ""})
            assert saved.status_code == 303
        hidden = await kinhaven.client.get("/about/moderated-servers")
        assert hidden.status_code == 404 and "spam.example" not in hidden.text
