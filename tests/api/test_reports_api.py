"""Reports through Mastodon.py: into the moderators' queue as the report form files
them, forwarded on request to another Kinhaven instance, and refused when wrong."""

from __future__ import annotations

from pathlib import Path

from server.services import relations
from server.storage import reports as report_store
from tests.api import Team, bearer, call, mastodon, token_for
from tests.api.members import federation_of, post
from tests.instances import run_instance
from tests.waiting import wait_until


async def test_a_report_reaches_the_moderators_queue(team: Team) -> None:
    kinhaven = team.kinhaven
    first = await post(kinhaven, team.meg, "something hurtful")
    second = await post(kinhaven, team.meg, "more of it")
    client = mastodon(kinhaven, await token_for(kinhaven, "ada", "write:reports"))
    filed = await call(client.report, team.meg.id, [first.id, second.id],
                       comment="please look at these", category="violation")
    assert filed["target_account"]["username"] == "meg"
    assert sorted(filed["status_ids"]) == sorted([str(first.id), str(second.id)])
    assert filed["category"] == "violation" and filed["forwarded"] is False
    moderator = mastodon(kinhaven, team.moderator_token)
    queue = await call(moderator.admin_reports)
    assert [r["id"] for r in queue] == [filed["id"]]
    assert queue[0]["comment"] == "please look at these"
    assert {s["id"] for s in queue[0]["statuses"]} == {str(first.id), str(second.id)}
    assert queue[0]["account"]["username"] == "ada"

    answer = await kinhaven.client.post(
        "/api/v1/reports", data={"account_id": str(team.meg.id), "category": "welfare",
                                 "comment": "I'm worried"},
        headers=bearer(await token_for(kinhaven, "ada", "write:reports")))
    worried = answer.json()
    assert worried["category"] == "other" and worried["kinhaven_category"] == "welfare"
    assert (await report_store.open_queue(kinhaven.db))[0].id == int(worried["id"])


async def test_forward_sends_the_report_to_the_other_server(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with run_instance(tmp_path / "a") as a, run_instance(tmp_path / "b") as b:
        await a.add_member("amy")
        await b.add_member("bob")
        bob_at_a = await relations.find_remote_account(
            federation_of(a), f"bob@{b.settings.domain}")
        client = mastodon(a, await token_for(a, "amy", "write"))
        filed = await call(client.report, bob_at_a.id, comment="spam from there",
                           forward=True, category="spam")
        assert filed["forwarded"] is True

        async def arrived() -> list[report_store.Report]:
            return await report_store.list_reports(b.db)

        (received,) = await wait_until(arrived, what="the Flag at B")
        assert received.comment == "spam from there"
        assert received.reporter_actor_id is None
        kept = await call(client.report, bob_at_a.id, comment="only here")
        assert kept["forwarded"] is False


async def test_bad_reports_are_refused(team: Team) -> None:
    kinhaven = team.kinhaven
    megs = await post(kinhaven, team.meg, "mine")
    hidden = await post(kinhaven, team.mo, "followers only", visibility="followers")
    writer = bearer(await token_for(kinhaven, "ada", "write:reports"))
    reader = bearer(await token_for(kinhaven, "ada", "read"))
    client = kinhaven.client

    async def sent(body: object, headers: dict[str, str] = writer) -> int:
        answer = await client.post("/api/v1/reports", json=body, headers=headers)
        assert "error" in answer.json() or answer.status_code == 200
        return answer.status_code

    assert (await client.post("/api/v1/reports", json={"account_id": str(team.meg.id)})
            ).status_code == 401
    assert await sent({"account_id": str(team.meg.id)}, reader) == 403
    assert await sent({}) == 404
    assert await sent({"account_id": "999999"}) == 404
    assert await sent({"account_id": "abc"}) == 404
    assert await sent({"account_id": str(team.ada.id)}) == 404
    assert await sent({"account_id": str(team.mo.id), "status_ids": [str(megs.id)]}) == 422
    assert await sent({"account_id": str(team.mo.id), "status_ids": [str(hidden.id)]}) == 422
    assert await sent({"account_id": str(team.meg.id), "status_ids": ["x"]}) == 422
    assert await sent({"account_id": str(team.meg.id), "status_ids": [True]}) == 422
    assert await sent({"account_id": str(team.meg.id), "category": "nonsense"}) == 422
    assert await sent({"account_id": str(team.meg.id), "comment": "x" * 1001}) == 422
    assert await sent({"account_id": str(team.meg.id), "forward": "maybe"}) == 422
    assert await sent({"account_id": str(team.meg.id), "comment": {"a": 1}}) == 422
    bad_json = await client.post("/api/v1/reports", content=b"{nope",
                                 headers={**writer, "content-type": "application/json"})
    assert bad_json.status_code == 400
    assert await report_store.list_reports(kinhaven.db) == []
