from __future__ import annotations

from server.storage.posts import insert_local_post
from tests.instances import RunningInstance


async def test_nodeinfo_discovery_and_documents(kinhaven: RunningInstance) -> None:
    alice = await kinhaven.add_member("alice")
    await kinhaven.add_member("bob")
    await kinhaven.add_member("carol", approved=False)
    await insert_local_post(
        kinhaven.db, actor_id=alice, uri_for_id=f"{kinhaven.base_url}/users/alice/statuses/{{id}}",
        url_for_id=f"{kinhaven.base_url}/@alice/{{id}}", content_html="<p>hi</p>",
        source_text="hi", visibility="public",
    )
    links = (await kinhaven.client.get("/.well-known/nodeinfo")).json()["links"]
    rels = {link["rel"]: link["href"] for link in links}
    assert set(rels) == {
        "http://nodeinfo.diaspora.software/ns/schema/2.0",
        "http://nodeinfo.diaspora.software/ns/schema/2.1",
    }
    for version in ("2.0", "2.1"):
        href = rels[f"http://nodeinfo.diaspora.software/ns/schema/{version}"]
        assert href == f"{kinhaven.base_url}/nodeinfo/{version}"
        response = await kinhaven.client.get(href)
        assert response.status_code == 200
        assert response.headers["content-type"] == (
            f'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/{version}#"'
        )
        document = response.json()
        assert document["version"] == version
        assert document["software"]["name"] == "kinhaven"
        assert document["protocols"] == ["activitypub"]
        assert document["usage"]["users"] == {"total": 2, "activeMonth": 1, "activeHalfyear": 1}
        assert document["usage"]["localPosts"] == 1
        assert document["openRegistrations"] is False


async def test_unknown_nodeinfo_version_is_404(kinhaven: RunningInstance) -> None:
    response = await kinhaven.client.get("/nodeinfo/9.9")
    assert response.status_code == 404
