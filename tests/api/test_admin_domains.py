"""Domain blocks and allows through Mastodon's admin API, driven by Mastodon.py and by
hand: what Mastodon answers, what reaches storage and the audit log, what a suspension
does to federation, and that every refused call changed nothing."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any

import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from server.activitypub.context import Federation
from server.storage import audit
from server.storage import follows as follow_store
from server.storage import policy as policy_store
from server.storage.actors import NewActor, insert_actor_once
from tests.api import Team, bearer, call, mastodon

BLOCKS = "/api/v1/admin/domain_blocks"
ALLOWS = "/api/v1/admin/domain_allows"
MASTODON_TIME = re.compile(r"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\Z")


def _federation(team: Team) -> Federation:
    federation: Federation = team.kinhaven.app.state.federation
    return federation


async def _audit_actions(team: Team) -> list[tuple[str, str, str]]:
    entries = await audit.recent(team.kinhaven.db)
    return [(entry.action, entry.actor_name, entry.target) for entry in reversed(entries)]


async def test_mastodon_py_blocks_changes_and_lifts_a_block(team: Team) -> None:
    client = mastodon(team.kinhaven, team.admin_token)
    federation = _federation(team)
    assert not await federation.is_suspended("bad.example")

    made = await call(client.admin_create_domain_block, "Bad.Example", severity="suspend",
                      public_comment="Harassment", private_comment="ticket 7")
    assert made.domain == "bad.example" and made.severity == "suspend"
    assert made.digest == hashlib.sha256(b"bad.example").hexdigest()
    assert made.public_comment == "Harassment" and made.private_comment == "ticket 7"
    assert made.reject_media is False and made.obfuscate is False
    assert await federation.is_suspended("bad.example")
    assert await federation.is_suspended("media.bad.example")
    stored = (await policy_store.domain_policies(team.kinhaven.db, ["bad.example"]))
    assert stored["bad.example"].severity == "suspend"
    assert stored["bad.example"].private_comment == "ticket 7"

    listed = await call(client.admin_domain_blocks)
    assert [block.id for block in listed] == [made.id]
    one = await call(client.admin_domain_blocks, id=made.id)
    assert one.domain == "bad.example"

    changed = await call(client.admin_update_domain_block, made.id, severity="silence",
                         reject_media=True)
    assert changed.id == made.id and changed.severity == "silence"
    assert changed.reject_media is True and changed.public_comment == "Harassment"
    assert changed.private_comment == "ticket 7"
    assert not await federation.is_suspended("bad.example")
    stored = (await policy_store.domain_policies(team.kinhaven.db, ["bad.example"]))
    assert stored["bad.example"].severity == "limit" and stored["bad.example"].reject_media

    await call(client.admin_delete_domain_block, made.id)
    assert await policy_store.list_blocks(team.kinhaven.db) == []
    with pytest.raises(MastodonNotFoundError):
        await call(client.admin_domain_blocks, id=made.id)

    actions = await _audit_actions(team)
    assert [(action, name) for action, name, _ in actions] == [
        ("domain.block", "@ada"), ("domain.update", "@ada"), ("domain.unblock", "@ada")]
    assert actions[0][2].startswith("bad.example: suspend")


async def test_a_suspension_through_the_api_severs_follows(team: Team) -> None:
    db = team.kinhaven.db
    remote = await insert_actor_once(db, NewActor(
        uri="https://bad.example/users/troll", local=False, actor_type="Person",
        username="troll", domain="bad.example", inbox_uri="https://bad.example/inbox",
        public_key_id="https://bad.example/users/troll#main-key", public_key_pem="unused"))
    await follow_store.insert_follow(db, uri="https://bad.example/follows/1",
                                     follower_id=remote.id, followee_id=team.meg.id,
                                     accepted=True)
    assert await follow_store.count_followers(db, team.meg.id) == 1
    answer = await team.kinhaven.client.post(BLOCKS, headers=bearer(team.moderator_token),
                                             json={"domain": "bad.example",
                                                   "severity": "suspend"})
    assert answer.status_code == 200
    assert await follow_store.count_followers(db, team.meg.id) == 0
    assert await _federation(team).is_suspended("bad.example")
    assert (await _audit_actions(team))[-1][:2] == ("domain.block", "@mo")


async def test_severities_map_to_ours_and_default_to_silence(team: Team) -> None:
    client = team.kinhaven.client
    headers = bearer(team.admin_token)
    plain = await client.post(BLOCKS, headers=headers, data={"domain": "quiet.example"})
    assert plain.status_code == 200 and plain.json()["severity"] == "silence"
    media = await client.post(BLOCKS, headers=headers, data={
        "domain": "pics.example", "severity": "noop", "reject_media": "true",
        "reject_reports": "1", "obfuscate": "0"})
    body = media.json()
    assert body["severity"] == "noop" and body["reject_media"] is True
    assert body["reject_reports"] is True and body["obfuscate"] is False
    assert body["private_comment"] is None and MASTODON_TIME.match(body["created_at"])
    stored = await policy_store.domain_policies(team.kinhaven.db,
                                                ["quiet.example", "pics.example"])
    assert stored["quiet.example"].severity == "limit"
    assert stored["pics.example"].severity == "noop" and stored["pics.example"].reject_reports


async def test_json_form_and_multipart_bodies_are_all_read(team: Team) -> None:
    client = team.kinhaven.client
    headers = bearer(team.admin_token)
    as_json = await client.post(BLOCKS, headers=headers,
                                json={"domain": "one.example", "reject_media": True})
    as_form = await client.post(BLOCKS, headers=headers,
                                data={"domain": "two.example", "reject_media": "true"})
    as_multipart = await client.post(BLOCKS, headers=headers,
                                     files={"domain": (None, "three.example"),
                                            "reject_media": (None, "1")})
    for answer, domain in ((as_json, "one.example"), (as_form, "two.example"),
                           (as_multipart, "three.example")):
        assert answer.status_code == 200, answer.text
        assert answer.json()["domain"] == domain and answer.json()["reject_media"] is True


async def test_invalid_requests_are_refused_and_change_nothing(team: Team) -> None:
    client = team.kinhaven.client
    headers = bearer(team.admin_token)
    existing = (await client.post(BLOCKS, headers=headers,
                                  data={"domain": "bad.example", "severity": "suspend"})).json()
    before = await _audit_actions(team)
    own = team.kinhaven.settings.domain
    refusals: list[tuple[dict[str, Any], int, str]] = [
        ({"data": {}}, 422, "Validation failed: Domain can't be blank"),
        ({"data": {"domain": "  "}}, 422, "Validation failed: Domain can't be blank"),
        ({"data": {"domain": "https://x.example/"}}, 422,
         "Validation failed: Domain is not a valid domain name"),
        ({"data": {"domain": "ok.example", "severity": "limit"}}, 422,
         "Validation failed: Severity is not included in the list"),
        ({"data": {"domain": "ok.example", "severity": "SUSPEND"}}, 422,
         "Validation failed: Severity is not included in the list"),
        ({"data": {"domain": "ok.example", "reject_media": "maybe"}}, 422,
         "Validation failed: reject_media must be true or false"),
        ({"json": {"domain": ["ok.example"]}}, 422, "Validation failed: domain must be text"),
        ({"json": {"domain": "ok.example", "obfuscate": "sometimes"}}, 422,
         "Validation failed: obfuscate must be true or false"),
        ({"json": {"domain": "ok.example", "public_comment": "x" * 5001}}, 422,
         "Validation failed: Public comment is too long (maximum is 5000 characters)"),
        ({"content": b"{not json", "headers": {"Content-Type": "application/json"}}, 400,
         "The request body is not valid JSON"),
        ({"content": b'["ok.example"]', "headers": {"Content-Type": "application/json"}}, 400,
         "The request body must be a JSON object"),
        ({"content": b"\xff\xfe", "headers": {
            "Content-Type": "application/x-www-form-urlencoded"}}, 400,
         "The form data could not be read"),
        ({"files": {"domain": ("domain.txt", b"ok.example")}}, 400,
         "The form data could not be read"),
        ({"content": b"domain=ok.example", "headers": {"Content-Type": "text/csv"}}, 415,
         "Unsupported content type text/csv"),
        ({"data": {"domain": own}}, 422,
         f"Validation failed: Domain {own} covers this server's own domain {own}"),
        ({"data": {"domain": "127.0.0.1"}}, 422,
         f"Validation failed: Domain 127.0.0.1 covers this server's own domain {own}"),
    ]
    for options, status, message in refusals:
        extra = options.pop("headers", {})
        answer = await client.post(BLOCKS, headers={**headers, **extra}, **options)
        assert answer.status_code == status, (options, answer.text)
        assert answer.json() == {"error": message}, options
    for domain in ("bad.example", "www.bad.example", "*.bad.example"):
        answer = await client.post(BLOCKS, headers=headers, data={"domain": domain})
        assert answer.status_code == 422
        assert answer.json()["existing_domain_block"] == existing
        assert "bad.example" in answer.json()["error"]
    too_big = await client.post(BLOCKS, headers=headers, content=b"x" * (65 * 1024),
                                 params={"domain": "big.example"})
    assert too_big.status_code == 413
    block_id = existing["id"]
    bad_update = await client.put(f"{BLOCKS}/{block_id}", headers=headers,
                                  data={"severity": "ban", "reject_media": "true"})
    assert bad_update.status_code == 422
    assert [p.domain for p in await policy_store.list_blocks(team.kinhaven.db)] == ["bad.example"]
    stored = await policy_store.domain_policies(team.kinhaven.db, ["bad.example"])
    assert stored["bad.example"].severity == "suspend" and not stored["bad.example"].reject_media
    assert await _audit_actions(team) == before


async def test_unknown_or_impossible_ids_are_not_found(team: Team) -> None:
    client = team.kinhaven.client
    headers = bearer(team.admin_token)
    for block_id in ("999", "abc", "1.5", "99999999999999999999999999", "-1", "٣"):
        for method in ("GET", "PUT", "DELETE"):
            answer = await client.request(method, f"{BLOCKS}/{block_id}", headers=headers)
            assert answer.status_code == 404, (method, block_id)
            assert answer.json() == {"error": "Record not found"}
        answer = await client.get(f"{ALLOWS}/{block_id}", headers=headers)
        assert answer.status_code == 404
    with pytest.raises(MastodonNotFoundError):
        await call(mastodon(team.kinhaven, team.admin_token).admin_delete_domain_block, 42)


async def test_lists_page_by_id_with_mastodons_link_header(team: Team) -> None:
    client = team.kinhaven.client
    headers = bearer(team.admin_token)
    ids = []
    for number in range(5):
        made = await client.post(BLOCKS, headers=headers, data={"domain": f"d{number}.example"})
        ids.append(int(made.json()["id"]))
    newest_first = ids[::-1]

    first = await client.get(BLOCKS, headers=headers, params={"limit": "2"})
    assert [int(b["id"]) for b in first.json()] == newest_first[:2]
    link = first.headers["link"]
    base = team.kinhaven.base_url
    assert f'<{base}{BLOCKS}?limit=2&max_id={newest_first[1]}>; rel="next"' in link
    assert f'<{base}{BLOCKS}?limit=2&min_id={newest_first[0]}>; rel="prev"' in link

    second = await client.get(BLOCKS, headers=headers,
                              params={"limit": "2", "max_id": str(newest_first[1])})
    assert [int(b["id"]) for b in second.json()] == newest_first[2:4]
    newer = await client.get(BLOCKS, headers=headers,
                             params={"limit": "2", "min_id": str(ids[0])})
    assert [int(b["id"]) for b in newer.json()] == [ids[2], ids[1]]
    since = await client.get(BLOCKS, headers=headers,
                             params={"limit": "2", "since_id": str(ids[0])})
    assert [int(b["id"]) for b in since.json()] == newest_first[:2]
    last = await client.get(BLOCKS, headers=headers, params={"max_id": str(ids[0])})
    assert last.json() == [] and "link" not in last.headers
    partial = await client.get(BLOCKS, headers=headers, params={"max_id": str(ids[1])})
    assert 'rel="next"' not in partial.headers["link"]

    for huge in ("1000000", "9" * 60):
        answer = await client.get(BLOCKS, headers=headers, params={"limit": huge})
        assert answer.status_code == 200 and len(answer.json()) == 5
    huge_id = await client.get(BLOCKS, headers=headers, params={"max_id": "9" * 60})
    assert huge_id.status_code == 200 and len(huge_id.json()) == 5
    for name, value in (("limit", "0"), ("limit", "-3"), ("limit", "ten"), ("limit", "2.5"),
                        ("max_id", "abc"), ("min_id", "-1"), ("since_id", "1e5")):
        answer = await client.get(BLOCKS, headers=headers, params={name: value})
        assert answer.status_code == 422, (name, value)
        assert answer.json()["error"].startswith("Validation failed:")

    paged = mastodon(team.kinhaven, team.admin_token)
    everything = await call(paged.admin_domain_blocks)  # it never sends `limit` here
    assert [b.id for b in everything] == [str(i) for i in newest_first]
    older = await call(paged.admin_domain_blocks, max_id=newest_first[1])
    assert [b.id for b in older] == [str(i) for i in newest_first[2:]]


async def test_mastodon_py_manages_domain_allows(team: Team) -> None:
    client = mastodon(team.kinhaven, team.moderator_token)
    made = await call(client.admin_create_domain_allow, "Friends.Example")
    assert made.domain == "friends.example" and isinstance(made.created_at, datetime)
    again = await call(client.admin_create_domain_allow, "friends.example")
    assert again.id == made.id
    assert [a.domain for a in await policy_store.list_allows(team.kinhaven.db)] == [
        "friends.example"]
    assert [a.id for a in await call(client.admin_domain_allows)] == [made.id]
    assert (await call(client.admin_domain_allow, made.id)).domain == "friends.example"
    raw = await team.kinhaven.client.get(f"{ALLOWS}/{made.id}",
                                         headers=bearer(team.moderator_token))
    assert set(raw.json()) == {"id", "domain", "created_at"}
    assert MASTODON_TIME.match(raw.json()["created_at"])
    refused = await team.kinhaven.client.post(ALLOWS, headers=bearer(team.moderator_token),
                                              json={"domain": "not a domain"})
    assert refused.status_code == 422
    await call(client.admin_delete_domain_allow, made.id)
    assert await policy_store.list_allows(team.kinhaven.db) == []
    with pytest.raises(MastodonAPIError):
        await call(client.admin_delete_domain_allow, made.id)
    actions = await _audit_actions(team)
    assert actions == [("domain.allow", "@mo", "friends.example"),
                       ("domain.disallow", "@mo", "friends.example")]


async def test_a_read_only_token_reads_but_cannot_change(team: Team) -> None:
    client = team.kinhaven.client
    made = await client.post(BLOCKS, headers=bearer(team.admin_token),
                             data={"domain": "bad.example"})
    block_id = made.json()["id"]
    reader = bearer(team.read_only_token)
    assert (await client.get(f"{BLOCKS}/{block_id}", headers=reader)).status_code == 200
    for method in ("PUT", "DELETE"):
        answer = await client.request(method, f"{BLOCKS}/{block_id}", headers=reader,
                                      json={"severity": "suspend"})
        assert answer.status_code == 403
    stored = await policy_store.domain_policies(team.kinhaven.db, ["bad.example"])
    assert stored["bad.example"].severity == "limit"
