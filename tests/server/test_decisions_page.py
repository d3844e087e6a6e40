"""The rules' own decisions, refusals and rewrites, inbound and outbound, are kept with
their reason and shown to the team."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.storage.decisions import recent_decisions
from tests.browsing import member_browser, submit
from tests.instances import RunningInstance, run_instance


@pytest.fixture
async def kinhaven(tmp_path: Path) -> AsyncIterator[RunningInstance]:
    async with run_instance(tmp_path) as instance:
        await instance.add_member("mod", role="moderator")
        await instance.add_member("amy")
        yield instance


async def test_refusals_and_rewrites_are_kept_and_shown(kinhaven: RunningInstance) -> None:
    async with member_browser(kinhaven, "mod") as moderator:
        for text, action in (("lottery", "reject"), ("exam", "warn")):
            added = await submit(moderator, "/admin/keywords", "/admin/keywords", {
                "text": text, "mode": "word", "action": action, "direction": "both"})
            assert added.status_code == 303
    async with member_browser(kinhaven, "amy") as amy:
        for text, status in (("I won the lottery", 422), ("exam day", 303), ("hello", 303)):
            answer = await submit(amy, "/compose", "/compose",
                                  {"text": text, "visibility": "public"})
            assert answer.status_code == status
        assert (await amy.get("/admin/decisions")).status_code == 403
    kept = await recent_decisions(kinhaven.db)
    assert [(d.action, d.policy) for d in kept] == [("rewrite", "keywords"),
                                                    ("reject", "keywords")]
    assert "sensitive" in kept[0].reason
    domain = kinhaven.settings.domain
    async with member_browser(kinhaven, "mod") as moderator:
        page = (await moderator.get("/admin/decisions")).text
        assert "Refused" in page and "Changed" in page and "keywords" in page
        elsewhere = (await moderator.get("/admin/decisions",
                                         params={"domain": "other.example"})).text
        assert "Nothing for other.example" in elsewhere
        here = await moderator.get("/admin/decisions", params={"domain": domain})
        assert here.status_code == 200 and "Refused" in here.text
        bad = await moderator.get("/admin/decisions", params={"domain": "not a domain"})
        assert bad.status_code == 422 and "That is not a domain" in bad.text
