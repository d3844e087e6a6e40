from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.instances import RunningInstance
from tests.mastodon_rules import check_webfinger, resolve_like_mastodon
from tests.moderating import sanction_account


async def test_mastodon_resolves_a_member_by_handle(kinhaven: RunningInstance) -> None:
    await kinhaven.add_member("alice")
    handle = f"alice@{kinhaven.settings.domain}"
    document = await resolve_like_mastodon(kinhaven.client, handle)
    assert document["id"] == f"{kinhaven.base_url}/users/alice"
    assert document["type"] == "Person"


async def test_webfinger_answers_with_jrd_and_profile_link(kinhaven: RunningInstance) -> None:
    await kinhaven.add_member("alice")
    response = await kinhaven.client.get(
        "/.well-known/webfinger", params={"resource": f"acct:alice@{kinhaven.settings.domain}"}
    )
    assert response.headers["content-type"] == "application/jrd+json"
    assert response.headers["access-control-allow-origin"] == "*"
    links = {link["rel"]: link for link in response.json()["links"]}
    assert links["self"]["type"] == "application/activity+json"
    assert links["http://webfinger.net/rel/profile-page"]["href"] == f"{kinhaven.base_url}/@alice"
    assert "{uri}" in links["http://ostatus.org/schema/1.0/subscribe"]["template"]


@pytest.mark.parametrize(
    "resource",
    [
        "acct:alice@{domain}",
        "acct:ALICE@{domain}",
        "alice@{domain}",
        "@alice@{domain}",
        "{encoded}",
        "{base}/users/alice",
        "{base}/@alice",
    ],
)
async def test_every_resource_form_finds_the_member(
    kinhaven: RunningInstance, resource: str
) -> None:
    await kinhaven.add_member("alice")
    domain = kinhaven.settings.domain
    value = resource.format(
        domain=domain, base=kinhaven.base_url, encoded=quote(f"acct:alice@{domain}", safe="")
    )
    response = await kinhaven.client.get("/.well-known/webfinger", params={"resource": value})
    href = check_webfinger(response, f"alice@{domain}")
    assert href == f"{kinhaven.base_url}/users/alice"
    assert response.json()["subject"] == f"acct:alice@{domain}"


async def test_unencoded_query_string_is_read_as_mastodon_sends_it(
    kinhaven: RunningInstance,
) -> None:
    await kinhaven.add_member("alice")
    response = await kinhaven.client.get(
        f"/.well-known/webfinger?resource=acct:alice@{kinhaven.settings.domain}"
    )
    assert response.status_code == 200


async def test_host_is_compared_without_case(kinhaven: RunningInstance) -> None:
    await kinhaven.add_member("alice")
    domain = kinhaven.settings.domain.upper()
    response = await kinhaven.client.get(
        "/.well-known/webfinger", params={"resource": f"acct:alice@{domain}"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("resource", "status"),
    [
        (None, 400),
        ("", 400),
        ("alice", 400),
        ("acct:", 400),
        ("acct:@", 400),
        ("acct:a@b@c", 400),
        ("acct:alice@elsewhere.example", 404),
        ("https://elsewhere.example/users/alice", 404),
        ("acct:nobody@{domain}", 404),
        ("{base}/users/nobody", 404),
        ("acct:%zz@{domain}", 404),
        ("acct:" + "a" * 5000 + "@{domain}", 404),
    ],
)
async def test_bad_or_unknown_resources_get_4xx(
    kinhaven: RunningInstance, resource: str | None, status: int
) -> None:
    params = {}
    if resource is not None:
        params["resource"] = resource.format(
            domain=kinhaven.settings.domain, base=kinhaven.base_url
        )
    response = await kinhaven.client.get("/.well-known/webfinger", params=params)
    assert response.status_code == status
    assert "error" in response.json()


async def test_unapproved_applicant_is_not_discoverable(kinhaven: RunningInstance) -> None:
    await kinhaven.add_member("pending", approved=False)
    response = await kinhaven.client.get(
        "/.well-known/webfinger", params={"resource": f"acct:pending@{kinhaven.settings.domain}"}
    )
    assert response.status_code == 404


async def test_suspended_member_is_gone(kinhaven: RunningInstance) -> None:
    actor_id = await kinhaven.add_member("gone")
    await sanction_account(kinhaven.db, actor_id, "suspend")
    response = await kinhaven.client.get(
        "/.well-known/webfinger", params={"resource": f"acct:gone@{kinhaven.settings.domain}"}
    )
    assert response.status_code == 410
    actor = await kinhaven.client.get(
        "/users/gone", headers={"Accept": "application/activity+json"}
    )
    assert actor.status_code == 410


async def test_instance_actor_resolves_through_webfinger(kinhaven: RunningInstance) -> None:
    handle = f"{kinhaven.settings.hostname}@{kinhaven.settings.domain}"
    document = await resolve_like_mastodon(kinhaven.client, handle)
    assert document["id"] == f"{kinhaven.base_url}/actor"
    assert document["type"] == "Application"


async def test_host_meta_points_at_webfinger(kinhaven: RunningInstance) -> None:
    response = await kinhaven.client.get("/.well-known/host-meta")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xrd+xml")
    assert (
        f'template="{kinhaven.base_url}/.well-known/webfinger?resource={{uri}}"' in response.text
    )
