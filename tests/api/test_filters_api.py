"""Filters v2 through Mastodon.py and by hand: keeping them, and what they do. A hide
filter in force leaves matching posts out of the member's pages (read here through the
web timelines, which share the reading rules with the API); a warn filter, an ended one
or one for another place does not."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from server.api.filters import filter_results_json
from server.storage.filters import FilterKeyword, active_filters, keywords_pattern
from tests.api import Team, bearer, call, mastodon, token_for
from tests.server.reading import follow, post, sign_in

FILTERS = "/api/v2/filters"


async def test_mastodon_py_keeps_a_filter_and_its_rules(team: Team) -> None:
    client = mastodon(team.kinhaven, team.member_token)
    made = await call(client.create_filter_v2, "Spoilers", ["home", "public"], "hide",
                      keywords_attributes=[{"keyword": "finale", "whole_word": True},
                                           {"keyword": "ending", "whole_word": False}])
    assert made.title == "Spoilers" and made.context == ["home", "public"]
    assert made.filter_action == "hide" and made.expires_at is None
    assert [(k.keyword, k.whole_word) for k in made.keywords] == [
        ("finale", True), ("ending", False)]
    assert made.statuses == [] and isinstance(made.id, str)

    assert [f.id for f in await call(client.filters_v2)] == [made.id]
    assert (await call(client.filter_v2, made.id)).title == "Spoilers"

    finale, ending = made.keywords
    changed = await call(client.update_filter_v2, made.id, title="TV", context=["thread"],
                         filter_action="warn", expires_in=3600, keywords_attributes=[
                             {"id": finale.id, "keyword": "season finale"},
                             {"id": ending.id, "_destroy": True},
                             {"keyword": "recap"}])
    assert changed.title == "TV" and changed.context == ["thread"]
    assert changed.filter_action == "warn" and changed.expires_at is not None
    assert [(k.keyword, k.whole_word) for k in changed.keywords] == [
        ("season finale", True), ("recap", True)]

    added = await call(client.add_filter_keyword_v2, made.id, "trailer", whole_word=False)
    assert added.keyword == "trailer" and added.whole_word is False
    keywords = await call(client.filter_keywords_v2, made.id)
    assert [k.keyword for k in keywords] == ["season finale", "recap", "trailer"]
    await call(client.delete_filter_keyword_v2, added.id)
    assert [k.keyword for k in await call(client.filter_keywords_v2, made.id)] == [
        "season finale", "recap"]

    someone = await post(team.kinhaven, team.mo, "A post to leave out")
    entry = await call(client.add_filter_status_v2, made.id, str(someone.id))
    assert entry.status_id == str(someone.id)
    assert (await call(client.filter_status_v2, entry.id)).status_id == str(someone.id)
    assert [e.id for e in await call(client.filter_statuses_v2, made.id)] == [entry.id]
    await call(client.delete_filter_status_v2, entry.id)
    assert await call(client.filter_statuses_v2, made.id) == []

    v1 = (await team.kinhaven.client.get("/api/v1/filters",
                                         headers=bearer(team.member_token))).json()
    assert [(f["phrase"], f["irreversible"], f["context"]) for f in v1] == [
        ("season finale", False, ["thread"]), ("recap", False, ["thread"])]

    await call(client.delete_filter_v2, made.id)
    with pytest.raises(MastodonNotFoundError):
        await call(client.filter_v2, made.id)
    assert await call(client.filters_v2) == []


def test_keywords_match_as_mastodon_matches_them() -> None:
    def matches(keyword: str, whole_word: bool, text: str) -> bool:
        pattern = keywords_pattern([FilterKeyword(1, 1, keyword, whole_word)])
        assert pattern is not None
        return pattern.search(text) is not None

    assert matches("cat", True, "A CAT sat") and not matches("cat", True, "concatenate")
    assert matches("cat", False, "concatenate")
    assert matches("C++", True, "I write C++ daily") and not matches("C++", True, "XC++")
    assert matches("#sad", True, "feeling #sad today") and matches("#sad", True, "x#sad")
    assert matches("a.b", True, "see a.b here") and not matches("a.b", True, "see axb")
    assert keywords_pattern([]) is None


async def _create(team: Team, token: str | None = None, **fields: Any) -> dict[str, Any]:
    response = await team.kinhaven.client.post(
        FILTERS, json=fields, headers=bearer(token or team.member_token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _community_page(team: Team, username: str = "meg") -> str:
    async with AsyncExitStack() as stack:
        browser = await sign_in(stack, team.kinhaven, username)
        page = await browser.get("/community")
        assert page.status_code == 200
        return page.text


async def test_a_hide_filter_leaves_matching_posts_out(team: Team) -> None:
    await post(team.kinhaven, team.mo, "The finale was a shock")
    await post(team.kinhaven, team.mo, "Finalement, du soleil")
    await post(team.kinhaven, team.mo, "Nothing to see in the ending credits")
    await post(team.kinhaven, team.meg, "My own finale thoughts")
    page = await _community_page(team)
    assert "The finale was a shock" in page and "Nothing to see" in page

    await _create(team, title="Spoilers", context=["public"], filter_action="hide",
                  keywords_attributes=[{"keyword": "finale", "whole_word": True},
                                       {"keyword": "end", "whole_word": False}])
    page = await _community_page(team)
    assert "The finale was a shock" not in page
    assert "Nothing to see in the ending credits" not in page
    assert "Finalement, du soleil" in page
    assert "My own finale thoughts" in page
    other = await _community_page(team, "ada")
    assert "The finale was a shock" in other
    through_api = await call(mastodon(team.kinhaven, team.member_token).timeline_local)
    assert [status.content for status in through_api] == [
        "<p>My own finale thoughts</p>", "<p>Finalement, du soleil</p>"]


async def test_warn_ended_and_elsewhere_filters_hide_nothing(team: Team) -> None:
    await post(team.kinhaven, team.mo, "Talking about the finale")
    await post(team.kinhaven, team.mo, "A quiet afternoon")
    for fields in ({"filter_action": "warn", "context": ["public"]},
                   {"filter_action": "hide", "context": ["public"], "expires_in": 0},
                   {"filter_action": "hide", "context": ["notifications", "home"]}):
        await _create(team, title="x", keywords_attributes=[{"keyword": "finale"}], **fields)
    assert "Talking about the finale" in await _community_page(team)
    await follow(team.kinhaven, team.meg, team.mo)
    async with AsyncExitStack() as stack:
        browser = await sign_in(stack, team.kinhaven, "meg")
        home = await browser.get("/home")
        assert home.status_code == 200 and "A quiet afternoon" in home.text
        assert "Talking about the finale" not in home.text
        profile = await browser.get("/@mo")
        assert "Talking about the finale" in profile.text
    listed = (await team.kinhaven.client.get(FILTERS, headers=bearer(team.member_token))).json()
    assert len(listed) == 3 and listed[1]["expires_at"] is not None


async def test_a_filter_can_hide_one_post_and_replies_in_a_thread(team: Team) -> None:
    first = await post(team.kinhaven, team.mo, "Asking for advice")
    reply = await post(team.kinhaven, team.ada, "Try the finale trick", reply_to=first)
    named = await post(team.kinhaven, team.mo, "A post I never want to see")
    made = await _create(team, title="Thread", context=["thread", "public"],
                         filter_action="hide", keywords_attributes=[{"keyword": "finale"}])
    added = await team.kinhaven.client.post(
        f"{FILTERS}/{made['id']}/statuses", data={"status_id": str(named.id)},
        headers=bearer(team.member_token))
    assert added.status_code == 200, added.text
    assert "A post I never want to see" not in await _community_page(team)
    async with AsyncExitStack() as stack:
        browser = await sign_in(stack, team.kinhaven, "meg")
        thread = (await browser.get(f"/posts/{first.id}")).text
        assert "Asking for advice" in thread and "Try the finale trick" not in thread
        focal = await browser.get(f"/posts/{reply.id}")
        assert focal.status_code == 200 and "Try the finale trick" in focal.text


async def test_status_filtered_results_for_warn_filters(team: Team) -> None:
    made = await _create(team, title="Gentle", context=["home"], filter_action="warn",
                         keywords_attributes=[{"keyword": "grief", "whole_word": True}])
    sad = await post(team.kinhaven, team.mo, "Grief comes in waves")
    calm = await post(team.kinhaven, team.mo, "A calm day")
    db = team.kinhaven.db
    home = await active_filters(db, team.meg.id, "home")
    results = filter_results_json(home, sad)
    assert results == [{"filter": {"id": made["id"], "title": "Gentle", "context": ["home"],
                                   "expires_at": None, "filter_action": "warn"},
                        "keyword_matches": ["Grief"], "status_matches": None}]
    assert filter_results_json(home, calm) == []
    named = await team.kinhaven.client.post(
        f"{FILTERS}/{made['id']}/statuses", data={"status_id": str(calm.id)},
        headers=bearer(team.member_token))
    assert named.status_code == 200
    home = await active_filters(db, team.meg.id, "home")
    assert [(r["keyword_matches"], r["status_matches"])
            for r in filter_results_json(home, calm)] == [(None, [str(calm.id)])]
    assert await active_filters(db, team.meg.id, "public") == []
    assert await active_filters(db, team.ada.id, "home") == []


BAD_FILTERS: list[tuple[dict[str, Any], str]] = [
    ({"context": ["home"]}, "Title can't be blank"),
    ({"title": "  ", "context": ["home"]}, "Title can't be blank"),
    ({"title": "x" * 257, "context": ["home"]}, "Title is too long"),
    ({"title": "t"}, "Context can't be blank"),
    ({"title": "t", "context": ["home", "everywhere"]}, "invalid context"),
    ({"title": "t", "context": ["home"], "filter_action": "delete"}, "Filter action"),
    ({"title": ["t"], "context": ["home"]}, "title must be text"),
    ({"title": "t", "context": {"home": True}}, "context must be a list"),
    ({"title": "t", "context": ["home"], "expires_in": "soon"}, "expires_in"),
    ({"title": "t", "context": ["home"], "expires_in": 10 ** 30}, "expires_in is too large"),
    ({"title": "t", "context": ["home"], "keywords_attributes": "finale"},
     "keywords_attributes"),
    ({"title": "t", "context": ["home"], "keywords_attributes": [{"keyword": ""}]},
     "Keyword can't be blank"),
    ({"title": "t", "context": ["home"], "keywords_attributes": [{"keyword": ["a"]}]},
     "keyword must be text"),
    ({"title": "t", "context": ["home"],
      "keywords_attributes": [{"keyword": "a", "whole_word": "maybe"}]}, "whole_word"),
]


async def test_bad_filters_are_refused_with_422(team: Team) -> None:
    for fields, problem in BAD_FILTERS:
        response = await team.kinhaven.client.post(FILTERS, json=fields,
                                                   headers=bearer(team.member_token))
        assert response.status_code == 422, (fields, response.text)
        assert problem.lower() in response.json()["error"].lower(), (fields, response.text)
    made = await _create(team, title="t", context=["home"])
    changes = [(fields, problem) for fields, problem in BAD_FILTERS
               if {"title", "context"} <= fields.keys()]  # a change may leave either out
    assert len(changes) == len(BAD_FILTERS) - 2
    for fields, problem in changes:
        response = await team.kinhaven.client.put(f"{FILTERS}/{made['id']}", json=fields,
                                                  headers=bearer(team.member_token))
        assert response.status_code == 422, (fields, response.text)
        assert problem.lower() in response.json()["error"].lower(), (fields, response.text)
    await call(mastodon(team.kinhaven, team.member_token).delete_filter_v2, made["id"])
    listed = await team.kinhaven.client.get(FILTERS, headers=bearer(team.member_token))
    assert listed.json() == []


async def test_another_members_filter_is_not_found(team: Team) -> None:
    theirs = await _create(team, token=team.admin_token, title="Ada's", context=["home"],
                           keywords_attributes=[{"keyword": "secret"}])
    owner_post = await post(team.kinhaven, team.mo, "hello")
    added = await team.kinhaven.client.post(
        f"{FILTERS}/{theirs['id']}/statuses", data={"status_id": str(owner_post.id)},
        headers=bearer(team.admin_token))
    entry_id = added.json()["id"]
    keyword_id = theirs["keywords"][0]["id"]
    meg = bearer(team.member_token)
    client = team.kinhaven.client
    for method, path in [
            ("GET", f"{FILTERS}/{theirs['id']}"), ("PUT", f"{FILTERS}/{theirs['id']}"),
            ("DELETE", f"{FILTERS}/{theirs['id']}"),
            ("GET", f"{FILTERS}/{theirs['id']}/keywords"),
            ("POST", f"{FILTERS}/{theirs['id']}/keywords"),
            ("GET", f"{FILTERS}/{theirs['id']}/statuses"),
            ("GET", f"{FILTERS}/keywords/{keyword_id}"),
            ("PUT", f"{FILTERS}/keywords/{keyword_id}"),
            ("DELETE", f"{FILTERS}/keywords/{keyword_id}"),
            ("GET", f"{FILTERS}/statuses/{entry_id}"),
            ("DELETE", f"{FILTERS}/statuses/{entry_id}"),
            ("GET", f"/api/v1/filters/{keyword_id}"),
            ("GET", f"{FILTERS}/999999"), ("GET", f"{FILTERS}/not-an-id"),
            ("GET", f"{FILTERS}/99999999999999999999999")]:
        response = await client.request(method, path, headers=meg,
                                        data={"keyword": "x", "title": "mine now"})
        assert response.status_code == 404, (method, path, response.text)
        assert response.json() == {"error": "Record not found"}
    still = await client.get(f"{FILTERS}/{theirs['id']}", headers=bearer(team.admin_token))
    assert still.json()["title"] == "Ada's" and len(still.json()["keywords"]) == 1
    assert len(still.json()["statuses"]) == 1


async def test_updates_cannot_name_keywords_of_another_filter(team: Team) -> None:
    one = await _create(team, title="One", context=["home"],
                        keywords_attributes=[{"keyword": "apples"}])
    two = await _create(team, title="Two", context=["home"])
    response = await team.kinhaven.client.put(
        f"{FILTERS}/{two['id']}", headers=bearer(team.member_token),
        json={"keywords_attributes": [{"id": one["keywords"][0]["id"], "_destroy": True}]})
    assert response.status_code == 404
    kept = await team.kinhaven.client.get(f"{FILTERS}/{one['id']}",
                                          headers=bearer(team.member_token))
    assert [k["keyword"] for k in kept.json()["keywords"]] == ["apples"]


async def test_filters_need_a_token_with_the_filter_scopes(team: Team) -> None:
    client = team.kinhaven.client
    assert (await client.get(FILTERS)).status_code == 401
    reader = await token_for(team.kinhaven, "meg", "read:filters")
    assert (await client.get(FILTERS, headers=bearer(reader))).status_code == 200
    refused = await client.post(FILTERS, headers=bearer(reader),
                                json={"title": "t", "context": ["home"]})
    assert refused.status_code == 403
    other = await token_for(team.kinhaven, "meg", "read:statuses write:statuses")
    assert (await client.get(FILTERS, headers=bearer(other))).status_code == 403
    assert (await client.get(FILTERS, headers=bearer(team.member_token))).json() == []


async def test_unreadable_bodies_and_invisible_posts(team: Team) -> None:
    client = team.kinhaven.client
    meg = bearer(team.member_token)
    broken = await client.post(FILTERS, content=b"{not json",
                               headers={**meg, "Content-Type": "application/json"})
    assert broken.status_code == 400 and "error" in broken.json()
    made = await _create(team, title="t", context=["home"])
    hidden = await post(team.kinhaven, team.mo, "only for mo", visibility="direct")
    for status_id, status in ((str(hidden.id), 404), ("junk", 404), ("", 422)):
        response = await client.post(f"{FILTERS}/{made['id']}/statuses", headers=meg,
                                     data={"status_id": status_id})
        assert response.status_code == status, (status_id, response.text)
    blank = await client.post(f"{FILTERS}/{made['id']}/keywords", headers=meg,
                              data={"keyword": " "})
    assert blank.status_code == 422
    with pytest.raises(MastodonAPIError):
        await call(mastodon(team.kinhaven, team.member_token).create_filter_v2,
                   "t", ["nowhere"], "hide")
