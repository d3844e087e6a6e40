"""Finding people, following, blocking, follow requests and network lists, through the
pages of real instances over loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from server.storage import accounts as account_store
from server.storage import follows as follow_store
from server.storage import interactions
from server.storage.actors import Actor, get_actor, get_actor_by_uri
from tests.browsing import browser_session, member_browser, submit
from tests.instances import RunningInstance, free_port, run_instance
from tests.server.reading import follow as stored_follow
from tests.server.reading import remote_person
from tests.waiting import wait_until


@pytest.fixture
async def kinhaven(tmp_path: Path) -> AsyncIterator[RunningInstance]:
    async with run_instance(tmp_path) as instance:
        for name in ("ada", "bea", "cara"):
            await instance.add_member(name)
        yield instance


async def _actor(kinhaven: RunningInstance, username: str) -> Actor:
    account = await account_store.get_account_by_username(kinhaven.db, username)
    assert account is not None
    actor = await get_actor(kinhaven.db, account.actor_id)
    assert actor is not None
    return actor


async def _set_discoverable(kinhaven: RunningInstance, actor: Actor, hide_network: bool = True
                            ) -> None:
    await account_store.set_privacy(kinhaven.db, actor.id, account_store.PrivacyChoices(
        manually_approves_followers=actor.manually_approves_followers, discoverable=True,
        noindex=True, hide_network=hide_network, default_visibility="local", quiet_mode=True,
    ))


async def _follow(client: httpx.AsyncClient, target: Actor, page: str = "/people"
                  ) -> httpx.Response:
    return await submit(client, page, "/people/follow",
                        {"actor_id": str(target.id), "next": page})


async def _answer(client: httpx.AsyncClient, follow_id: int, answer: str) -> httpx.Response:
    return await submit(client, "/people", f"/follow-requests/{follow_id}/{answer}")


async def test_partial_names_list_only_discoverable_members_exact_names_always(
    kinhaven: RunningInstance,
) -> None:
    bea = await _actor(kinhaven, "bea")
    async with member_browser(kinhaven, "ada") as ada:
        partial = await ada.get("/people/search", params={"q": "be"})
        assert partial.status_code == 200
        assert "@bea" not in partial.text
        assert "No one found" in partial.text
        for query in ("bea", "@BEA", f"@bea@{kinhaven.settings.domain}"):
            exact = await ada.get("/people/search", params={"q": query})
            assert exact.status_code == 200
            assert "@bea" in exact.text, query
            assert "Ask to follow @bea" in exact.text
        await _set_discoverable(kinhaven, bea)
        listed = await ada.get("/people/search", params={"q": "b"})
        assert "@bea" in listed.text
        assert '<img class="avatar" src="/static/avatar.png"' in listed.text


async def test_bad_search_input_is_answered_next_to_the_field(
    kinhaven: RunningInstance,
) -> None:
    unreachable = f"@nobody@127.0.0.1:{free_port()}"
    cases = {
        "": 400, "   ": 400, "x" * 301: 400, "@bea@": 400, "@@": 400,
        "@a@b@c": 400, "@bad name@example.org": 400, "bé a": 400, "@ada@exa_mple..": 400,
        unreachable: 404,
    }
    async with member_browser(kinhaven, "ada") as ada:
        for query, status in cases.items():
            answer = await ada.get("/people/search", params={"q": query})
            assert answer.status_code == status, (query, answer.status_code)
            assert 'id="q-error"' in answer.text, query
            assert 'aria-describedby="q-hint q-error" aria-invalid="true"' in answer.text
        huge = await ada.get("/people/search", params={"q": "y" * 5000})
        assert huge.status_code == 400
        assert "y" * 301 not in huge.text


async def test_pages_ask_visitors_to_sign_in(kinhaven: RunningInstance) -> None:
    async with browser_session(kinhaven) as visitor:
        for path in ("/people", "/people/search?q=bea", "/follow-requests"):
            answer = await visitor.get(path)
            assert answer.status_code == 303
            assert answer.headers["location"].startswith("/login?next=")


async def test_follow_request_approved_by_the_followee_only(kinhaven: RunningInstance) -> None:
    ada, bea = await _actor(kinhaven, "ada"), await _actor(kinhaven, "bea")
    async with member_browser(kinhaven, "ada") as ada_web:
        asked = await _follow(ada_web, bea, "/people/search?q=bea")
        assert asked.status_code == 303
        assert asked.headers["location"] == "/people/search?q=bea"
        request = await follow_store.get_follow(kinhaven.db, ada.id, bea.id)
        assert request is not None and request.state == "pending"
        shown = await ada_web.get("/people/search", params={"q": "bea"})
        assert "Requested" in shown.text
        assert "Cancel the request to @bea" in shown.text

    async with member_browser(kinhaven, "cara") as cara_web:
        meddling = await _answer(cara_web, request.id, "approve")
        assert meddling.status_code == 404
        assert "1 waiting" not in (await cara_web.get("/people")).text
    assert (await follow_store.get_follow(kinhaven.db, ada.id, bea.id)) == request

    async with member_browser(kinhaven, "bea") as bea_web:
        assert "1 waiting" in (await bea_web.get("/people")).text
        listed = await bea_web.get("/follow-requests")
        assert "@ada" in listed.text
        unknown = await _answer(bea_web, request.id, "maybe")
        assert unknown.status_code == 404
        approved = await _answer(bea_web, request.id, "approve")
        assert approved.status_code == 303
        assert approved.headers["location"] == "/follow-requests"
        assert "No one is waiting" in (await bea_web.get("/follow-requests")).text
    assert await follow_store.is_following(kinhaven.db, ada.id, bea.id)

    async with member_browser(kinhaven, "ada") as ada_web:
        shown = await ada_web.get("/people/search", params={"q": "bea"})
        assert "Unfollow @bea" in shown.text
        undone = await submit(ada_web, "/people", f"/people/{bea.id}/unfollow")
        assert undone.status_code == 303
        assert undone.headers["location"] == "/@bea"
    assert await follow_store.get_follow(kinhaven.db, ada.id, bea.id) is None


async def test_declined_request_and_open_accounts(kinhaven: RunningInstance) -> None:
    bea, cara = await _actor(kinhaven, "bea"), await _actor(kinhaven, "cara")
    async with member_browser(kinhaven, "cara") as cara_web:
        await _follow(cara_web, bea)
    request = await follow_store.get_follow(kinhaven.db, cara.id, bea.id)
    assert request is not None
    async with member_browser(kinhaven, "bea") as bea_web:
        declined = await _answer(bea_web, request.id, "reject")
        assert declined.status_code == 303
        again = await _answer(bea_web, request.id, "approve")
        assert again.status_code == 404
    assert await follow_store.get_follow(kinhaven.db, cara.id, bea.id) is None

    await account_store.set_privacy(kinhaven.db, bea.id, account_store.PrivacyChoices(
        manually_approves_followers=False, discoverable=False, noindex=True,
        hide_network=True, default_visibility="local", quiet_mode=True,
    ))
    async with member_browser(kinhaven, "cara") as cara_web:
        await _follow(cara_web, bea)
        assert "You follow @bea" in (await cara_web.get("/people/search?q=bea")).text
    assert await follow_store.is_following(kinhaven.db, cara.id, bea.id)


async def test_forms_without_their_token_change_nothing(kinhaven: RunningInstance) -> None:
    ada, bea = await _actor(kinhaven, "ada"), await _actor(kinhaven, "bea")
    await stored_follow(kinhaven, bea, ada, accepted=False)
    request = await follow_store.get_follow(kinhaven.db, bea.id, ada.id)
    assert request is not None
    async with member_browser(kinhaven, "ada") as ada_web:
        for action, data in [
            ("/people/follow", {"actor_id": str(bea.id)}),
            (f"/people/{bea.id}/block", {}),
            (f"/follow-requests/{request.id}/approve", {}),
            (f"/people/{bea.id}/unfollow", {}),
        ]:
            refused = await ada_web.post(action, data={**data, "csrf_token": "forged"})
            assert refused.status_code == 403, action
            bare = await ada_web.post(action, data=data)
            assert bare.status_code == 403, action
    assert await follow_store.get_follow(kinhaven.db, ada.id, bea.id) is None
    assert await follow_store.get_follow(kinhaven.db, bea.id, ada.id) == request
    assert not await interactions.is_blocked(kinhaven.db, actor_id=ada.id, target_id=bea.id)


async def test_block_and_unblock(kinhaven: RunningInstance) -> None:
    ada, bea = await _actor(kinhaven, "ada"), await _actor(kinhaven, "bea")
    await stored_follow(kinhaven, ada, bea)
    await stored_follow(kinhaven, bea, ada)
    async with member_browser(kinhaven, "ada") as ada_web:
        blocked = await submit(ada_web, "/people/search?q=bea", f"/people/{bea.id}/block",
                               {"next": "https://elsewhere.example/"})
        assert blocked.status_code == 303
        assert blocked.headers["location"] == "/@bea"
        assert await interactions.is_blocked(kinhaven.db, actor_id=ada.id, target_id=bea.id)
        assert await follow_store.get_follow(kinhaven.db, ada.id, bea.id) is None
        assert await follow_store.get_follow(kinhaven.db, bea.id, ada.id) is None
        shown = await ada_web.get("/people/search", params={"q": "bea"})
        assert "You have blocked @bea" in shown.text
        refused = await _follow(ada_web, bea)
        assert refused.status_code == 409
        assert "Unblock them first" in refused.text
        unblocked = await submit(ada_web, "/people", f"/people/{bea.id}/unblock",
                                 {"next": "/people"})
        assert unblocked.headers["location"] == "/people"
        assert not await interactions.is_blocked(kinhaven.db, actor_id=ada.id, target_id=bea.id)
        assert "Ask to follow @bea" in (await ada_web.get("/people/search?q=bea")).text
        self_block = await submit(ada_web, "/people", f"/people/{ada.id}/block")
        assert self_block.status_code == 404
        huge = "9" * 40
        for action, data in [(f"/people/{huge}/block", {}), ("/people/follow", {"actor_id": huge}),
                             (f"/follow-requests/{huge}/approve", {})]:
            assert (await submit(ada_web, "/people", action, data)).status_code == 404

    await stored_follow(kinhaven, bea, ada)
    async with member_browser(kinhaven, "bea") as bea_web:
        await submit(bea_web, "/people", f"/people/{ada.id}/block")
    async with member_browser(kinhaven, "ada") as ada_web:
        hidden = await ada_web.get("/people/search", params={"q": "bea"})
        assert "@bea" not in hidden.text.replace("@bea@", "")
        refused = await _follow(ada_web, bea)
        assert refused.status_code == 409
    assert await follow_store.get_follow(kinhaven.db, ada.id, bea.id) is None


async def test_hidden_network_is_shown_to_its_owner_only(kinhaven: RunningInstance) -> None:
    ada, bea = await _actor(kinhaven, "ada"), await _actor(kinhaven, "bea")
    await stored_follow(kinhaven, bea, ada)
    for path in ("/@ada/followers", "/@ada/following"):
        async with browser_session(kinhaven) as visitor:
            note = await visitor.get(path)
            assert note.status_code == 200
            assert "keeps the list" in note.text
            assert "@bea" not in note.text
        async with member_browser(kinhaven, "bea") as bea_web:
            assert "keeps the list" in (await bea_web.get(path)).text
    async with member_browser(kinhaven, "ada") as ada_web:
        own = await ada_web.get("/@ada/followers")
        assert "Only you can see this list" in own.text
        assert "@bea" in own.text
    await account_store.set_network_hidden(kinhaven.db, ada.id, False)
    async with browser_session(kinhaven) as visitor:
        shown = await visitor.get("/@ada/followers")
        assert "@bea" in shown.text
        assert "People following ada" in shown.text
        assert "Not following anyone yet" in (await visitor.get("/@ada/following")).text
        assert (await visitor.get("/@nobody/followers")).status_code == 404
        assert (await visitor.get("/@ada@elsewhere.example/followers")).status_code == 404


async def test_network_lists_page_by_follow(kinhaven: RunningInstance) -> None:
    ada = await _actor(kinhaven, "ada")
    await account_store.set_network_hidden(kinhaven.db, ada.id, False)
    people = [await remote_person(kinhaven, f"friend{n:02}", "far.example") for n in range(45)]
    for person in people:
        await stored_follow(kinhaven, person, ada)
    async with member_browser(kinhaven, "bea") as bea_web:
        first = await bea_web.get("/@ada/followers")
        assert "@friend44@far.example" in first.text
        assert "@friend05@far.example" in first.text
        assert "@friend04@far.example" not in first.text
        assert "/media/proxy/" in first.text  # remote avatars only through the proxy
        assert "far.example/avatars" not in first.text
        older = first.text.split('href="/@ada/followers?before=')[1].split('"')[0]
        second = await bea_web.get(f"/@ada/followers?before={older}")
        assert "@friend04@far.example" in second.text
        assert "@friend00@far.example" in second.text
        assert "@friend05@far.example" not in second.text
        assert 'href="/@ada/followers?before=' not in second.text
        junk = await bea_web.get("/@ada/followers?before=99999999999999999999999")
        assert junk.status_code == 200


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[tuple[RunningInstance, RunningInstance]]:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with run_instance(tmp_path / "a") as a, run_instance(tmp_path / "b") as b:
        await a.add_member("ada")
        await b.add_member("bob")
        yield a, b


async def test_remote_search_follow_and_approval_across_instances(
    pair: tuple[RunningInstance, RunningInstance],
) -> None:
    a, b = pair
    ada = await _actor(a, "ada")
    handle = f"@bob@{b.settings.domain}"
    async with member_browser(a, "ada") as ada_web:
        found = await ada_web.get("/people/search", params={"q": handle})
        assert found.status_code == 200
        assert f"Ask to follow {handle}" in found.text
        bob_at_a = await get_actor_by_uri(a.db, f"{b.base_url}/users/bob")
        assert bob_at_a is not None
        asked = await _follow(ada_web, bob_at_a, f"/people/search?q={handle}")
        assert asked.status_code == 303

    bob = await _actor(b, "bob")

    async def arrived() -> list[follow_store.Follow]:
        return await follow_store.pending_requests(b.db, bob.id)

    (request,) = await wait_until(arrived, what="the follow request at B")
    async with member_browser(b, "bob") as bob_web:
        listed = await bob_web.get("/follow-requests")
        assert f"@ada@{a.settings.domain}" in listed.text
        approved = await _answer(bob_web, request.id, "approve")
        assert approved.status_code == 303

    async def accepted() -> bool:
        return await follow_store.is_following(a.db, ada.id, bob_at_a.id)

    await wait_until(accepted, what="the Accept at A")
    async with member_browser(a, "ada") as ada_web:
        assert f"Unfollow {handle}" in (await ada_web.get(
            "/people/search", params={"q": handle})).text
        await submit(ada_web, "/people", f"/people/{bob_at_a.id}/unfollow")

    async def undone() -> bool:
        return await follow_store.count_followers(b.db, bob.id) == 0

    await wait_until(undone, what="the Undo at B")


async def test_remote_unblock_is_told(pair: tuple[RunningInstance, RunningInstance]) -> None:
    a, b = pair
    ada = await _actor(a, "ada")
    async with member_browser(a, "ada") as ada_web:
        await ada_web.get("/people/search", params={"q": f"@bob@{b.settings.domain}"})
        bob_at_a = await get_actor_by_uri(a.db, f"{b.base_url}/users/bob")
        assert bob_at_a is not None
        await submit(ada_web, "/people", f"/people/{bob_at_a.id}/block")

        async def blocked_at_b() -> bool:
            known = await get_actor_by_uri(b.db, ada.uri)
            bob = await _actor(b, "bob")
            return known is not None and await interactions.is_blocked(
                b.db, actor_id=known.id, target_id=bob.id)

        await wait_until(blocked_at_b, what="the Block at B")
        await submit(ada_web, "/people", f"/people/{bob_at_a.id}/unblock")

        async def unblocked_at_b() -> bool:
            return not await blocked_at_b()

        await wait_until(unblocked_at_b, what="the Undo Block at B")


async def test_profiles_offer_follow_and_block(kinhaven: RunningInstance) -> None:
    ada, bea = await _actor(kinhaven, "ada"), await _actor(kinhaven, "bea")
    async with member_browser(kinhaven, "ada") as ada_web:
        profile = await ada_web.get("/@bea")
        assert "Ask to follow @bea" in profile.text and "Block @bea" in profile.text
        asked = await _follow(ada_web, bea, "/@bea")
        assert asked.headers["location"] == "/@bea"
        assert "Requested: waiting for @bea" in (await ada_web.get("/@bea")).text
        blocked = await submit(ada_web, "/@bea", f"/people/{bea.id}/block", {"next": "/@bea"})
        assert blocked.status_code == 303
        after = (await ada_web.get("/@bea")).text
        assert "Unblock @bea" in after
        assert await follow_store.get_follow(kinhaven.db, ada.id, bea.id) is None
        own = (await ada_web.get("/@ada")).text
        assert "Block @ada" not in own and "follow @ada" not in own
    anonymous = (await kinhaven.client.get("/@bea")).text
    assert "Block @bea" not in anonymous and "follow @bea" not in anonymous
