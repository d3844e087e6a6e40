"""Markers and preferences through Mastodon.py and by hand: reading positions move and
count their moves, are the member's own, ignore names Mastodon ignores; preferences
speak Mastodon's visibility names with Kinhaven's real choice beside them."""

from __future__ import annotations

import re

from server.storage import accounts as account_store
from server.storage.accounts import PrivacyChoices
from tests.api import Team, bearer, call, mastodon, token_for

MARKERS = "/api/v1/markers"
MASTODON_TIME = re.compile(r"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\Z")


async def test_mastodon_py_sets_and_reads_markers(team: Team) -> None:
    client = mastodon(team.kinhaven, team.member_token)
    assert await call(client.markers_get, ["home", "notifications"]) == {}

    first = await call(client.markers_set, ["home", "notifications"], ["105", "7"])
    assert first.home.last_read_id == "105" and first.home.version == 1
    assert first.notifications.last_read_id == "7"
    moved = await call(client.markers_set, "home", "110")
    assert moved.home.last_read_id == "110" and moved.home.version == 2
    assert "notifications" not in moved

    read = await call(client.markers_get, ["home", "notifications"])
    assert read.home.last_read_id == "110" and read.home.version == 2
    assert read.notifications.version == 1
    raw = (await team.kinhaven.client.get(
        f"{MARKERS}?timeline[]=home&timeline[]=junk",
        headers=bearer(team.member_token))).json()
    assert list(raw) == ["home"] and MASTODON_TIME.match(raw["home"]["updated_at"])
    assert raw["home"]["last_read_id"] == "110"

    others = mastodon(team.kinhaven, team.admin_token)
    assert await call(others.markers_get, ["home", "notifications"]) == {}


async def test_marker_forms_junk_names_and_bad_ids(team: Team) -> None:
    client = team.kinhaven.client
    meg = bearer(team.member_token)
    form = await client.post(MARKERS, headers=meg,
                             data={"home[last_read_id]": "b12", "lists[last_read_id]": "3"})
    assert form.status_code == 200 and list(form.json()) == ["home"]
    assert form.json()["home"]["last_read_id"] == "b12"
    nothing = await client.post(MARKERS, headers=meg, json={"junk": {"last_read_id": "1"}})
    assert nothing.status_code == 200 and nothing.json() == {}
    for body in ({"home": {"last_read_id": "1; DROP"}}, {"home": {"last_read_id": ["1"]}},
                 {"home": "12"}, {"home": {"last_read_id": "9" * 41}}):
        refused = await client.post(MARKERS, headers=meg, json=body)
        assert refused.status_code == 422, (body, refused.text)
        assert "error" in refused.json()
    numeric = await client.post(MARKERS, headers=meg, json={"home": {"last_read_id": 42}})
    assert numeric.json()["home"]["last_read_id"] == "42"
    assert numeric.json()["home"]["version"] == 2


async def test_markers_need_the_statuses_scopes(team: Team) -> None:
    client = team.kinhaven.client
    assert (await client.get(f"{MARKERS}?timeline[]=home")).status_code == 401
    reader = bearer(await token_for(team.kinhaven, "meg", "read:statuses"))
    assert (await client.get(f"{MARKERS}?timeline[]=home", headers=reader)).status_code == 200
    refused = await client.post(MARKERS, headers=reader, json={"home": {"last_read_id": "1"}})
    assert refused.status_code == 403
    assert (await client.get(f"{MARKERS}?timeline[]=home", headers=reader)).json() == {}


async def test_mastodon_py_reads_the_members_preferences(team: Team) -> None:
    client = mastodon(team.kinhaven, team.member_token)
    prefs = await call(client.preferences)
    assert prefs["posting:default:visibility"] == "private"
    assert prefs["kinhaven:posting:default:visibility"] == "local"
    assert prefs["posting:default:sensitive"] is False
    assert prefs["posting:default:language"] is None
    assert prefs["reading:expand:media"] == "default"
    assert prefs["reading:expand:spoilers"] is False

    await account_store.set_privacy(team.kinhaven.db, team.meg.id, PrivacyChoices(
        manually_approves_followers=False, discoverable=False, noindex=False,
        hide_network=False, default_visibility="unlisted", quiet_mode=False))
    changed = await call(client.preferences)
    assert changed["posting:default:visibility"] == "unlisted"
    assert changed["kinhaven:posting:default:visibility"] == "unlisted"


async def test_preferences_need_read_accounts(team: Team) -> None:
    client = team.kinhaven.client
    assert (await client.get("/api/v1/preferences")).status_code == 401
    wrong = bearer(await token_for(team.kinhaven, "meg", "read:statuses"))
    refused = await client.get("/api/v1/preferences", headers=wrong)
    assert refused.status_code == 403 and "error" in refused.json()
    right = bearer(await token_for(team.kinhaven, "meg", "read:accounts"))
    assert (await client.get("/api/v1/preferences", headers=right)).status_code == 200
