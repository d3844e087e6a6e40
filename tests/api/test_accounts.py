"""The accounts endpoints through Mastodon.py against a running instance."""

from __future__ import annotations

import pytest
from mastodon import MastodonNotFoundError

from tests.api import Team, bearer, call, mastodon


async def test_own_account_one_by_id_and_by_name(team: Team) -> None:
    client = mastodon(team.kinhaven, team.member_token)
    me = await call(client.account_verify_credentials)
    assert str(me["id"]) == str(team.meg.id) and me["username"] == "meg"
    ada = await call(client.account, team.ada.id)
    assert ada["acct"] == "ada"
    assert str((await call(client.account_lookup, "ada"))["id"]) == str(team.ada.id)
    with pytest.raises(MastodonNotFoundError):
        await call(client.account, 999999)


async def test_bad_requests(team: Team) -> None:
    http = team.kinhaven.client
    assert (await http.get("/api/v1/accounts/verify_credentials")).status_code == 401
    junk = await http.get("/api/v1/accounts/junk", headers=bearer(team.member_token))
    assert junk.status_code == 404
    nobody = await http.get("/api/v1/accounts/lookup?acct=nobody",
                            headers=bearer(team.member_token))
    assert nobody.status_code == 404 and "error" in nobody.json()
