"""Kinhaven's hold-queue extension to the admin API, against a real instance: the
waiting list, approving (the post goes out), rejecting with a note the author reads,
and held activities from another server."""

from __future__ import annotations

from pathlib import Path

import httpx

from moderation.risk import DEFAULT_RISK_TERMS, RiskResponse
from server.activitypub.context import Federation
from server.local_posts import LocalChoices, save_local_choices
from server.services import posting
from server.storage import holds as hold_store
from server.storage import posts as post_store
from server.storage.posts import Post
from tests.api import Team, bearer, make_team
from tests.browsing import member_browser
from tests.fake_mastodon import run_fake_mastodon
from tests.instances import run_instance
from tests.waiting import wait_until

HOLDS = "/api/v1/admin/kinhaven/holds"


async def _held_post(team: Team, text: str) -> Post:
    """A post by meg that waits: the instance reviews each new member's first post."""
    await save_local_choices(team.kinhaven.db, LocalChoices(
        risk_response=RiskResponse.PUBLISH_WITH_NOTE, risk_terms=DEFAULT_RISK_TERMS,
        posts_to_review=1))
    federation: Federation = team.kinhaven.app.state.federation
    post = await posting.publish(federation, team.meg, text, visibility="public")
    assert post.held_at is not None
    return post


async def _get(team: Team, path: str, token: str) -> httpx.Response:
    return await team.kinhaven.client.get(path, headers=bearer(token))


async def _post(team: Team, path: str, token: str, **body: object) -> httpx.Response:
    return await team.kinhaven.client.post(path, json=body, headers=bearer(token))


async def test_moderators_see_what_waits_and_approve_it(team: Team) -> None:
    post = await _held_post(team, "My very first post here")
    listed = await _get(team, HOLDS, team.moderator_token)
    assert listed.status_code == 200
    [hold] = listed.json()
    assert hold["status"]["id"] == str(post.id)
    assert "My very first post here" in hold["status"]["content"]
    assert hold["account"]["username"] == "meg"
    assert hold["decision"] is None and hold["policy"] and hold["reason"]
    assert (await _get(team, f"{HOLDS}/{hold['id']}", team.moderator_token)).json() == hold

    approved = await _post(team, f"{HOLDS}/{hold['id']}/approve", team.moderator_token,
                           note="Welcome!")
    assert approved.status_code == 200
    assert approved.json()["decision"] == "approved"
    released = await post_store.get_post(team.kinhaven.db, post.id)
    assert released is not None and released.held_at is None
    assert (await _get(team, HOLDS, team.moderator_token)).json() == []
    [decided] = (await _get(team, f"{HOLDS}?decided=true", team.moderator_token)).json()
    assert decided["id"] == hold["id"] and decided["note"] == "Welcome!"

    again = await _post(team, f"{HOLDS}/{hold['id']}/reject", team.moderator_token)
    assert again.status_code == 422 and "already been decided" in again.json()["error"]


async def test_a_rejected_post_stays_hidden_and_its_author_reads_the_note(team: Team) -> None:
    post = await _held_post(team, "Something that should not go out")
    [hold] = (await _get(team, HOLDS, team.admin_token)).json()
    rejected = await _post(team, f"{HOLDS}/{hold['id']}/reject", team.admin_token,
                           note="Please rephrase this, it names someone.")
    assert rejected.status_code == 200 and rejected.json()["decision"] == "rejected"
    kept = await post_store.get_post(team.kinhaven.db, post.id)
    assert kept is not None and kept.held_at is not None
    async with member_browser(team.kinhaven, "meg") as meg:
        assert "Please rephrase this, it names someone." in (await meg.get("/notifications")).text


async def test_only_the_team_with_the_right_scopes_may_use_the_queue(team: Team) -> None:
    await _held_post(team, "Waiting quietly")
    [hold] = (await _get(team, HOLDS, team.moderator_token)).json()
    assert (await team.kinhaven.client.get(HOLDS)).status_code == 401
    member = await _get(team, HOLDS, team.member_token)
    assert member.status_code == 403 and member.json() == {"error": "This action is not allowed"}
    read_only = await _post(team, f"{HOLDS}/{hold['id']}/approve", team.read_only_token)
    assert read_only.status_code == 403
    assert (await _get(team, f"{HOLDS}/{hold['id']}", team.read_only_token)).status_code == 200
    for junk in ("999999", "abc", "99999999999999999999999"):
        missing = await _post(team, f"{HOLDS}/{junk}/approve", team.moderator_token)
        assert missing.status_code == 404 and missing.json() == {"error": "Record not found"}
    too_long = await _post(team, f"{HOLDS}/{hold['id']}/reject", team.moderator_token,
                           note="x" * 501)
    assert too_long.status_code == 422
    wrong_type = await _post(team, f"{HOLDS}/{hold['id']}/reject", team.moderator_token,
                             note=["not", "text"])
    assert wrong_type.status_code == 422
    assert (await hold_store.get_hold(team.kinhaven.db, int(hold["id"]))).decision is None  # type: ignore[union-attr]
    assert (await _get(team, f"{HOLDS}?limit=0", team.moderator_token)).status_code == 422


async def test_activities_held_from_another_server_can_be_approved(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven, run_fake_mastodon() as mastodon:
        team = await make_team(kinhaven)
        for name in ("cat", "dan"):
            await kinhaven.add_member(name)
        spammer = mastodon.add_account("spammer")
        domain = kinhaven.settings.domain
        mentions = [(f"@{name}@{domain}", f"{kinhaven.base_url}/users/{name}")
                    for name in ("meg", "cat", "dan")]
        create = mastodon.public_note(spammer, "<p>Hello all three of you</p>",
                                      mentions=mentions)
        answer = await mastodon.deliver(spammer, f"{kinhaven.base_url}/inbox", create)
        assert answer.status_code == 202

        async def listed() -> list[dict[str, object]] | None:
            found = (await _get(team, "/api/v1/admin/kinhaven/held_activities",
                                team.moderator_token)).json()
            return found or None

        [held] = await wait_until(listed, what="the mention spam held")
        assert held["type"] == "Create" and "Hello all three of you" in held["content"]
        assert held["actor_uri"] == spammer.id and "mentions 3 members" in held["reason"]
        approved = await _post(team, f"/api/v1/admin/kinhaven/held_activities/{held['id']}"
                               "/approve", team.moderator_token)
        assert approved.status_code == 200 and approved.json()["decision"] == "approved"
        assert "kinhaven_problem" not in approved.json()
        assert await post_store.get_post_by_uri(kinhaven.db, create["object"]["id"]) is not None
