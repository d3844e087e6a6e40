"""update_credentials through Mastodon.py: the profile and privacy choices the settings
pages keep, the same limits, Mastodon's privacy names, and nothing kept from a request
with one bad value in it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mastodon import MastodonAPIError

from server.storage import accounts as account_store
from server.storage import profiles as profile_store
from server.storage.actors import get_actor
from tests.api import Team, bearer, call, mastodon, token_for
from tests.api.test_statuses import png

PATH = "/api/v1/accounts/update_credentials"


async def _patch(team: Team, token: str, **options: Any) -> Any:
    return await team.kinhaven.client.patch(PATH, headers=bearer(token), **options)


async def test_profile_and_privacy_through_mastodon_py(team: Team) -> None:
    client = mastodon(team.kinhaven, team.member_token)
    updated = await call(client.account_update_credentials, display_name="Meg M.",
                         note="Here for the #gardening\nand the tea.", locked=False,
                         discoverable=True, indexable=False, hide_collections=True,
                         bot=False)
    assert updated["display_name"] == "Meg M." and updated["locked"] is False
    assert updated["discoverable"] is True and updated["indexable"] is False
    assert updated["hide_collections"] is True and updated["bot"] is False
    assert updated["source"]["note"] == "Here for the #gardening\nand the tea."
    assert "/tags/gardening" in updated["note"]
    account = await account_store.get_account(team.kinhaven.db, team.meg.id)
    actor = await get_actor(team.kinhaven.db, team.meg.id)
    assert account is not None and actor is not None
    assert account.noindex and account.hide_network
    assert actor.discoverable and not actor.manually_approves_followers
    again = await call(client.account_verify_credentials)
    assert again["display_name"] == "Meg M." and again["hide_collections"] is True
    seen_by_ada = await call(mastodon(team.kinhaven, team.admin_token).account, team.meg.id)
    assert seen_by_ada["display_name"] == "Meg M." and seen_by_ada["locked"] is False


async def test_what_is_not_sent_stays(team: Team) -> None:
    client = mastodon(team.kinhaven, team.member_token)
    await call(client.account_update_credentials, display_name="Meg", note="my bio",
               locked=False)
    updated = await call(client.account_update_credentials, hide_collections=True)
    assert updated["display_name"] == "Meg" and updated["source"]["note"] == "my bio"
    assert updated["locked"] is False and updated["hide_collections"] is True


async def test_privacy_by_mastodon_names_keeps_members_only(team: Team) -> None:
    client = mastodon(team.kinhaven, team.member_token)
    me = await call(client.account_verify_credentials)
    assert me["source"]["kinhaven_privacy"] == "local" and me["source"]["privacy"] == "private"
    # A client sending back the `private` it was shown keeps members only.
    kept = await call(client.account_update_credentials, default_privacy="private")
    assert kept["source"]["kinhaven_privacy"] == "local"
    public = await call(client.account_update_credentials, default_privacy="public")
    assert public["source"]["privacy"] == "public"
    assert public["source"]["kinhaven_privacy"] == "public"
    followers = await call(client.account_update_credentials, default_privacy="private")
    assert followers["source"]["kinhaven_privacy"] == "followers"
    unlisted = await _patch(team, team.member_token,
                            json={"source": {"privacy": "unlisted"}})
    assert unlisted.status_code == 200
    assert unlisted.json()["source"]["kinhaven_privacy"] == "unlisted"
    members = await _patch(team, team.member_token,
                           data={"source[kinhaven_privacy]": "local"})
    assert members.status_code == 200
    assert members.json()["source"] == {**members.json()["source"], "privacy": "private",
                                        "kinhaven_privacy": "local"}
    with pytest.raises(MastodonAPIError) as refused:
        await call(client.account_update_credentials, default_privacy="direct")
    assert "Validation failed" in str(refused.value)
    account = await account_store.get_account(team.kinhaven.db, team.meg.id)
    assert account is not None and account.default_visibility == "local"


async def test_unkept_settings_are_checked_and_answered_as_they_are(team: Team) -> None:
    client = mastodon(team.kinhaven, team.member_token)
    updated = await call(client.account_update_credentials, default_sensitive=True,
                         default_language="de", fields=[("pronouns", "she/her")])
    assert updated["source"]["sensitive"] is False and updated["source"]["language"] is None
    assert updated["fields"] == []
    for body in ({"source": {"sensitive": "sometimes"}}, {"source": {"language": "german!"}},
                 {"source": "public"}):
        answer = await _patch(team, team.member_token, json=body)
        assert answer.status_code == 422, body


async def test_limits_as_on_the_profile_page_and_nothing_half_kept(team: Team) -> None:
    db = team.kinhaven.db
    client = mastodon(team.kinhaven, team.member_token)
    await call(client.account_update_credentials, display_name="Meg", note="kept bio")
    refusals: list[dict[str, Any]] = [
        {"data": {"display_name": "x" * 31, "locked": "0"}},
        {"data": {"display_name": "tab\there"}},
        {"data": {"note": "y" * 501, "display_name": "Changed"}},
        {"data": {"display_name": "Changed", "bot": "1"}},
        {"data": {"display_name": "Changed", "locked": "perhaps"}},
        {"json": {"display_name": "Changed", "discoverable": "often"}},
        {"json": {"display_name": {"first": "Meg"}}},
        {"json": {"display_name": "Changed", "hide_collections": [True]}},
        {"json": {"display_name": "Changed", "source": {"privacy": "everyone"}}},
        {"json": {"display_name": "Changed", "source": {"kinhaven_privacy": "direct"}}},
    ]
    for options in refusals:
        answer = await _patch(team, team.member_token, **options)
        assert answer.status_code == 422, options
        assert answer.json()["error"].startswith("Validation failed: "), options
    too_long = await _patch(team, team.member_token, data={"display_name": "x" * 31})
    assert "30 characters" in too_long.json()["error"]
    actor = await get_actor(db, team.meg.id)
    account = await account_store.get_account(db, team.meg.id)
    assert actor is not None and account is not None
    assert actor.display_name == "Meg" and actor.manually_approves_followers
    assert await profile_store.bio_source(db, team.meg.id) == "kept bio"
    exact = await call(client.account_update_credentials, display_name="z" * 30,
                       note="n" * 500)
    assert exact["display_name"] == "z" * 30 and len(exact["source"]["note"]) == 500


async def test_avatar_upload_and_a_refused_one(team: Team, tmp_path: Path) -> None:
    client = mastodon(team.kinhaven, team.member_token)
    picture = tmp_path / "me.png"
    picture.write_bytes(png())
    before = await call(client.account_verify_credentials)
    with picture.open("rb") as avatar, picture.open("rb") as header:
        updated = await call(client.account_update_credentials, display_name="With picture",
                             avatar=avatar, avatar_mime_type="image/png", header=header,
                             header_mime_type="image/png")
    assert updated["display_name"] == "With picture"
    assert updated["avatar"] != before["avatar"] and "/media/" in updated["avatar"]
    assert updated["header"] == before["header"]
    served = await team.kinhaven.client.get(updated["avatar"])
    assert served.status_code == 200 and served.headers["content-type"].startswith("image/")
    refused = await _patch(team, team.member_token, data={"display_name": "Not kept"},
                           files={"avatar": ("me.png", b"not an image at all", "image/png")})
    assert refused.status_code == 422 and "Avatar" in refused.json()["error"]
    after = await call(client.account_verify_credentials)
    assert after["display_name"] == "With picture" and after["avatar"] == updated["avatar"]
    stranger = await _patch(team, team.member_token, data={"display_name": "No"},
                            files={"document": ("a.txt", b"hello", "text/plain")})
    assert stranger.status_code in (400, 422)


async def test_tokens_and_scopes(team: Team) -> None:
    nobody = await team.kinhaven.client.patch(PATH, data={"display_name": "Who"})
    assert nobody.status_code == 401 and "error" in nobody.json()
    read_only = await _patch(team, team.read_only_token, data={"display_name": "Ada?"})
    assert read_only.status_code == 403
    profile_only = await token_for(team.kinhaven, "meg", "write:accounts")
    allowed = await _patch(team, profile_only, data={"display_name": "Scoped"})
    assert allowed.status_code == 200 and allowed.json()["display_name"] == "Scoped"
    statuses_only = await token_for(team.kinhaven, "meg", "write:statuses read")
    assert (await _patch(team, statuses_only, data={"note": "x"})).status_code == 403
    ada = await get_actor(team.kinhaven.db, team.ada.id)
    assert ada is not None and ada.display_name != "Ada?"
