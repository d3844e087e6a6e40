"""Features Kinhaven does not have answer as apps expect at start-up: empty lists for
reading, a clear 422 for creating, and the usual 401 and 403 around them."""

from __future__ import annotations

import pytest
from mastodon import MastodonAPIError

from tests.api import Team, bearer, call, mastodon, token_for


async def test_creating_them_is_refused_plainly(team: Team) -> None:
    client = mastodon(team.kinhaven, team.member_token)
    with pytest.raises(MastodonAPIError) as refused:
        await call(client.list_create, "Close friends")
    assert refused.value.args[1] == 422
    assert "Lists are not available on this server" in str(refused.value)
    with pytest.raises(MastodonAPIError) as featured:
        await call(client.featured_tag_create, "support")
    assert featured.value.args[1] == 422


async def test_tokens_and_scopes_still_count(team: Team) -> None:
    http = team.kinhaven.client
    assert (await http.get("/api/v1/lists")).status_code == 401
    assert (await http.get("/api/v1/announcements")).status_code == 401
    assert (await http.get("/api/v1/trends/tags")).json() == []
    statuses_only = await token_for(team.kinhaven, "meg", "read:statuses")
    answer = await http.get("/api/v1/lists", headers=bearer(statuses_only))
    assert answer.status_code == 403
    assert answer.json() == {"error": "This action is outside the authorized scopes"}
    assert (await http.get("/api/v1/scheduled_statuses",
                           headers=bearer(statuses_only))).json() == []
