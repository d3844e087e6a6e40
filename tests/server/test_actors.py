from __future__ import annotations

import pytest

from tests.instances import RunningInstance
from tests.mastodon_rules import check_actor_document, check_actor_response

MASTODON_ACCEPT = "application/activity+json, application/ld+json"
LD_PROFILE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


@pytest.mark.parametrize("accept", [MASTODON_ACCEPT, "application/activity+json", LD_PROFILE])
async def test_actor_document_satisfies_mastodon(kinhaven: RunningInstance, accept: str) -> None:
    await kinhaven.add_member("alice")
    uri = f"{kinhaven.base_url}/users/alice"
    response = await kinhaven.client.get(uri, headers={"Accept": accept})
    document = check_actor_response(response, uri)
    check_actor_document(document, kinhaven.settings.domain)
    assert response.headers["vary"] == "Accept, Signature"


async def test_ld_json_request_gets_ld_json_answer(kinhaven: RunningInstance) -> None:
    await kinhaven.add_member("alice")
    response = await kinhaven.client.get("/users/alice", headers={"Accept": LD_PROFILE})
    assert response.headers["content-type"] == LD_PROFILE


async def test_person_carries_every_field_mastodon_reads(kinhaven: RunningInstance) -> None:
    await kinhaven.add_member("alice")
    base = f"{kinhaven.base_url}/users/alice"
    response = await kinhaven.client.get(base, headers={"Accept": MASTODON_ACCEPT})
    document = response.json()
    assert document["preferredUsername"] == "alice"
    assert document["name"] == "alice"
    assert document["summary"] == ""
    assert document["inbox"] == f"{base}/inbox"
    assert document["outbox"] == f"{base}/outbox"
    assert document["followers"] == f"{base}/followers"
    assert document["following"] == f"{base}/following"
    assert document["featured"] == f"{base}/collections/featured"
    assert document["endpoints"] == {"sharedInbox": f"{kinhaven.base_url}/inbox"}
    assert document["url"] == f"{kinhaven.base_url}/@alice"
    assert document["icon"]["type"] == "Image"
    assert document["icon"]["mediaType"] == "image/png"
    assert document["publicKey"]["id"] == f"{base}#main-key"
    assert document["webfinger"] == f"alice@{kinhaven.settings.domain}"
    # Members of this instance are private by default.
    assert document["manuallyApprovesFollowers"] is True
    assert document["discoverable"] is False
    assert document["indexable"] is False
    context = document["@context"]
    assert context[:2] == ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]
    assert context[3]["manuallyApprovesFollowers"] == "as:manuallyApprovesFollowers"
    icon = await kinhaven.client.get(document["icon"]["url"])
    assert icon.status_code == 200
    assert icon.content.startswith(b"\x89PNG")


async def test_each_actor_has_its_own_key(kinhaven: RunningInstance) -> None:
    await kinhaven.add_member("alice")
    await kinhaven.add_member("bob")
    keys = set()
    for path in ("/users/alice", "/users/bob", "/actor"):
        response = await kinhaven.client.get(path, headers={"Accept": MASTODON_ACCEPT})
        keys.add(response.json()["publicKey"]["publicKeyPem"])
    assert len(keys) == 3


async def test_browser_gets_the_profile_page(kinhaven: RunningInstance) -> None:
    await kinhaven.add_member("alice")
    browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    for path in ("/users/alice", "/@alice"):
        response = await kinhaven.client.get(path, headers={"Accept": browser_accept})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert "@alice@" in response.text
        assert '<meta name="robots" content="noindex, noarchive">' in response.text


@pytest.mark.parametrize("accept", ["image/png", "application/json;q=1, text/html;q=0"])
async def test_unacceptable_accept_gets_406(kinhaven: RunningInstance, accept: str) -> None:
    await kinhaven.add_member("alice")
    response = await kinhaven.client.get("/users/alice", headers={"Accept": accept})
    assert response.status_code == 406
    assert "error" in response.json()


@pytest.mark.parametrize(
    "path", ["/users/nobody", "/users/nobody/outbox", "/users/nobody/followers", "/@nobody"]
)
async def test_unknown_member_is_404(kinhaven: RunningInstance, path: str) -> None:
    response = await kinhaven.client.get(path, headers={"Accept": MASTODON_ACCEPT})
    assert response.status_code == 404


async def test_applicant_has_no_actor_yet(kinhaven: RunningInstance) -> None:
    await kinhaven.add_member("pending", approved=False)
    response = await kinhaven.client.get("/users/pending", headers={"Accept": MASTODON_ACCEPT})
    assert response.status_code == 404


async def test_instance_actor_is_an_application_served_unsigned(
    kinhaven: RunningInstance,
) -> None:
    uri = f"{kinhaven.base_url}/actor"
    response = await kinhaven.client.get(uri, headers={"Accept": MASTODON_ACCEPT})
    document = check_actor_response(response, uri)
    check_actor_document(document, kinhaven.settings.domain)
    assert document["type"] == "Application"
    assert document["preferredUsername"] == kinhaven.settings.hostname
    assert document["inbox"] == f"{uri}/inbox"


async def test_responses_carry_safety_headers(kinhaven: RunningInstance) -> None:
    response = await kinhaven.client.get("/")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "server" not in response.headers
