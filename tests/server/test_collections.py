from __future__ import annotations

import io

from PIL import Image

from federation.keys import generate_key_pair
from server.media.attachments import save_upload
from server.media.store import MediaStore
from server.services import posting
from server.storage.accounts import set_network_hidden
from server.storage.actors import NewActor, get_actor, insert_actor
from server.storage.follows import insert_follow
from server.storage.posts import insert_local_post
from tests.instances import RunningInstance

ACCEPT = {"Accept": "application/activity+json"}
KEY = generate_key_pair()


async def _remote_actors(kinhaven: RunningInstance, count: int) -> list[int]:
    ids = []
    async with kinhaven.db.transaction() as tx:
        for number in range(count):
            uri = f"https://remote.example/users/r{number}"
            ids.append(
                await insert_actor(
                    tx,
                    NewActor(
                        uri=uri, local=False, actor_type="Person", username=f"r{number}",
                        domain="remote.example", inbox_uri=f"{uri}/inbox",
                        public_key_id=f"{uri}#main-key", public_key_pem=KEY.public_pem,
                    ),
                )
            )
    return ids


async def test_followers_are_hidden_by_default(kinhaven: RunningInstance) -> None:
    alice = await kinhaven.add_member("alice")
    for remote in await _remote_actors(kinhaven, 3):
        await insert_follow(
            kinhaven.db, uri=f"https://remote.example/f/{remote}", follower_id=remote,
            followee_id=alice, accepted=True,
        )
    response = await kinhaven.client.get("/users/alice/followers", headers=ACCEPT)
    document = response.json()
    assert document["type"] == "OrderedCollection"
    assert document["totalItems"] == 3
    assert "first" not in document, "Mastodon reads a collection without first as hidden"
    page = await kinhaven.client.get("/users/alice/followers?page=1", headers=ACCEPT)
    assert page.status_code == 403


async def test_followers_page_twelve_at_a_time(kinhaven: RunningInstance) -> None:
    alice = await kinhaven.add_member("alice")
    await set_network_hidden(kinhaven.db, alice, False)
    remotes = await _remote_actors(kinhaven, 14)
    for remote in remotes:
        await insert_follow(
            kinhaven.db, uri=f"https://remote.example/f/{remote}", follower_id=remote,
            followee_id=alice, accepted=True,
        )
    await insert_follow(
        kinhaven.db, uri="https://remote.example/f/pending", follower_id=remotes[0],
        followee_id=await kinhaven.add_member("bob"), accepted=False,
    )
    collection_id = f"{kinhaven.base_url}/users/alice/followers"
    head = (await kinhaven.client.get(collection_id, headers=ACCEPT)).json()
    assert head["totalItems"] == 14
    assert head["first"] == f"{collection_id}?page=1"
    first = (await kinhaven.client.get(head["first"], headers=ACCEPT)).json()
    assert first["type"] == "OrderedCollectionPage"
    assert first["partOf"] == collection_id
    assert len(first["orderedItems"]) == 12
    assert "prev" not in first
    second = (await kinhaven.client.get(first["next"], headers=ACCEPT)).json()
    assert len(second["orderedItems"]) == 2
    assert "next" not in second
    assert second["prev"] == f"{collection_id}?page=1"
    everyone = set(first["orderedItems"]) | set(second["orderedItems"])
    assert everyone == {f"https://remote.example/users/r{n}" for n in range(14)}
    following = (await kinhaven.client.get("/users/alice/following", headers=ACCEPT)).json()
    assert following["totalItems"] == 0


async def test_bad_page_numbers_are_400(kinhaven: RunningInstance) -> None:
    alice = await kinhaven.add_member("alice")
    await set_network_hidden(kinhaven.db, alice, False)
    for page in ("0", "-1", "abc", "9" * 30):
        response = await kinhaven.client.get(
            f"/users/alice/followers?page={page}", headers=ACCEPT
        )
        assert response.status_code == 400


async def test_outbox_lists_public_posts_only(kinhaven: RunningInstance) -> None:
    alice = await kinhaven.add_member("alice")
    base = f"{kinhaven.base_url}/users/alice"
    for number, visibility in enumerate(
        ["public", "local", "unlisted", "followers", "direct"] + ["public"] * 24
    ):
        await insert_local_post(
            kinhaven.db, actor_id=alice, uri_for_id=f"{base}/statuses/{{id}}",
            url_for_id=f"{kinhaven.base_url}/@alice/{{id}}",
            content_html=f"<p>post {number} {visibility}</p>", source_text="",
            visibility=visibility,
        )
    head = (await kinhaven.client.get(f"{base}/outbox", headers=ACCEPT)).json()
    assert head["totalItems"] == 25
    assert head["first"] == f"{base}/outbox?page=true"
    assert head["last"] == f"{base}/outbox?min_id=0&page=true"
    first = (await kinhaven.client.get(head["first"], headers=ACCEPT)).json()
    assert len(first["orderedItems"]) == 20
    second = (await kinhaven.client.get(first["next"], headers=ACCEPT)).json()
    assert len(second["orderedItems"]) == 5
    items = first["orderedItems"] + second["orderedItems"]
    for activity in items:
        assert activity["type"] == "Create"
        assert activity["actor"] == base
        note = activity["object"]
        assert note["type"] == "Note"
        assert note["attributedTo"] == base
        assert note["to"] == ["https://www.w3.org/ns/activitystreams#Public"]
        assert note["cc"] == [f"{base}/followers"]
        assert note["content"].endswith("public</p>")
    ids = [activity["object"]["id"] for activity in items]
    assert len(set(ids)) == 25
    assert ids == sorted(ids, key=lambda uri: int(uri.rsplit("/", 1)[1]), reverse=True)
    last = (await kinhaven.client.get(head["last"], headers=ACCEPT)).json()
    assert [a["object"]["id"] for a in last["orderedItems"]] == ids[-20:]


async def test_profile_page_shows_public_and_unlisted_posts_only(kinhaven: RunningInstance) -> None:
    alice = await kinhaven.add_member("alice")
    for visibility in ("public", "local", "followers", "direct", "unlisted"):
        await insert_local_post(
            kinhaven.db, actor_id=alice,
            uri_for_id=f"{kinhaven.base_url}/users/alice/statuses/{{id}}",
            url_for_id=f"{kinhaven.base_url}/@alice/{{id}}",
            content_html=f"<p>secret-{visibility}</p>", source_text="", visibility=visibility,
        )
    page = await kinhaven.client.get("/@alice")
    # Unlisted posts are kept off timelines, not off their author's profile.
    assert "secret-public" in page.text and "secret-unlisted" in page.text
    for hidden in ("local", "followers", "direct"):
        assert f"secret-{hidden}" not in page.text


async def test_outbox_notes_carry_tags_and_attachments(kinhaven: RunningInstance) -> None:
    """The outbox shows a Note as its Create delivered it: hashtags, mentions, images."""
    alice = await get_actor(kinhaven.db, await kinhaven.add_member("alice"))
    assert alice is not None
    picture = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 200, 10)).save(picture, "PNG")
    upload = await save_upload(kinhaven.db, MediaStore.for_settings(kinhaven.settings), alice.id,
                               picture.getvalue(), description="a green square")
    federation = kinhaven.app.state.federation
    await posting.publish(federation, alice, "Green things #Calm", visibility="public",
                          media_ids=[upload.id])
    page = await kinhaven.client.get(f"{alice.outbox_uri}?page=true", headers=ACCEPT)
    note = page.json()["orderedItems"][0]["object"]
    assert {"type": "Hashtag", "href": f"{kinhaven.base_url}/tags/calm", "name": "#calm"} in (
        note["tag"])
    assert [a["name"] for a in note["attachment"]] == ["a green square"]
    assert note["attachment"][0]["url"].startswith(f"{kinhaven.base_url}/media/")
