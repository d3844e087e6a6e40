"""Images: uploads processed and cleaned, local files served, remote images proxied and
cached, attachments federated both ways with a fake Mastodon."""

from __future__ import annotations

import asyncio
import socket
import struct
import zlib
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace

import pytest
import uvicorn
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from federation.parse import parse_note
from server.activitypub.context import Federation
from server.media import images
from server.media.attachments import save_upload
from server.media.images import MediaRejected, process_upload
from server.media.proxy import MAX_REMOTE_BYTES, proxy_path
from server.media.store import MediaStore
from server.services import posting, relations
from server.storage import follows as follow_store
from server.storage import inbound as inbound_store
from server.storage import media as media_store
from server.storage import policy as policy_store
from server.storage import posts as post_store
from server.storage.actors import get_actor
from server.web.templating import environment
from tests.fake_mastodon import run_fake_mastodon
from tests.instances import RunningInstance, run_instance
from tests.waiting import wait_until

GPS_TAGS = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F


def jpeg(size: tuple[int, int] = (64, 48), *, exif: Image.Exif | None = None,
         color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, color).save(
        out, "JPEG", exif=exif.tobytes() if exif is not None else b"")
    return out.getvalue()


def png(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> bytes:
    out = BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height`: a decompression bomb's shape."""
    data = bytearray(png((1, 1)))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def opened(data: bytes) -> Image.Image:
    return Image.open(BytesIO(data))


# ----- processing ---------------------------------------------------------------------


def test_gps_and_all_other_metadata_are_gone_after_processing() -> None:
    exif = Image.Exif()
    exif[MAKE] = "Kinhaven Test Camera"
    exif[GPS_TAGS] = {1: "N", 2: (52.0, 22.0, 7.5), 3: "E", 4: (4.0, 53.0, 2.25)}
    data = jpeg(exif=exif)
    assert opened(data).getexif().get_ifd(GPS_TAGS), "the fixture really carries GPS tags"

    processed = process_upload(data)

    for output in (processed.image.data, processed.preview.data):
        image = opened(output)
        assert dict(image.getexif()) == {}
        assert not {"exif", "icc_profile", "xmp", "comment"} & set(image.info)
        assert b"Kinhaven Test Camera" not in output
        assert b"Exif" not in output


def test_exif_orientation_is_applied_to_the_pixels() -> None:
    image = Image.new("RGB", (200, 100), (255, 0, 0))
    image.paste((0, 0, 255), (100, 0, 200, 100))  # left half red, right half blue
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # shown rotated 90 degrees clockwise
    out = BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=95)

    result = opened(process_upload(out.getvalue()).image.data)

    assert result.size == (100, 200)
    top = result.getpixel((50, 20))
    bottom = result.getpixel((50, 180))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and top[2] < 60, "the left (red) half is now on top"
    assert bottom[2] > 200 and bottom[0] < 60


def test_large_images_are_resized_to_fit_and_get_a_small_preview() -> None:
    processed = process_upload(jpeg((3000, 1000)))
    assert (processed.image.width, processed.image.height) == (1920, 640)
    assert opened(processed.image.data).size == (1920, 640)
    assert max(processed.preview.width, processed.preview.height) == 400
    assert processed.image.content_type == "image/jpeg"


def test_small_images_are_not_enlarged() -> None:
    processed = process_upload(png((300, 200)))
    assert opened(processed.image.data).size == (300, 200)
    assert opened(processed.preview.data).size == (300, 200)


def test_transparency_is_kept_as_png_and_opaque_images_become_jpeg() -> None:
    see_through = process_upload(png((40, 40), "RGBA"))
    assert see_through.image.content_type == "image/png"
    assert opened(see_through.image.data).mode == "RGBA"
    assert process_upload(png((40, 40), "RGB")).image.content_type == "image/jpeg"


def test_gif_keeps_its_first_frame_and_webp_is_read() -> None:
    frames = [Image.new("RGB", (30, 20), color) for color in ((255, 0, 0), (0, 255, 0))]
    out = BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    first = opened(process_upload(out.getvalue()).image.data).getpixel((15, 10))
    assert isinstance(first, tuple) and first[0] > 200 and first[1] < 60
    out = BytesIO()
    Image.new("RGB", (30, 20), (0, 0, 255)).save(out, "WEBP")
    assert process_upload(out.getvalue()).image.content_type == "image/jpeg"


def test_too_many_bytes_are_refused() -> None:
    data = jpeg() + b"\0" * images.MAX_BYTES
    with pytest.raises(MediaRejected) as refused:
        process_upload(data)
    assert refused.value.reason == "Images must be 10 MB or smaller."


@pytest.mark.parametrize(("width", "height"), [(8000, 6000), (20000, 20000), (1, 50_000_000)])
def test_too_many_pixels_are_refused_before_decoding(width: int, height: int) -> None:
    with pytest.raises(MediaRejected) as refused:
        process_upload(png_claiming(width, height))
    assert "too large" in refused.value.reason


@pytest.mark.parametrize("data", [
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
    b"<!doctype html><script>alert(1)</script>",
    b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    b"",
    b"\xff\xd8\xff" + b"not really a jpeg" * 20,
    b"GIF89a" + b"\0" * 40,
    b"RIFF\x10\0\0\0WEBPVP8 \0\0\0\0",
    png((10, 10))[:40],
])
def test_anything_that_is_not_a_usable_image_is_refused(data: bytes) -> None:
    with pytest.raises(MediaRejected) as refused:
        process_upload(data)
    assert refused.value.reason == (
        "That file is not an image we can use (JPEG, PNG, GIF or WebP).")


def test_what_hides_after_an_image_is_not_kept() -> None:
    polyglot = jpeg() + b"PK\x03\x04" + b"<script>alert(1)</script>" * 10
    processed = process_upload(polyglot)
    assert b"<script>" not in processed.image.data
    assert b"PK\x03\x04" not in processed.image.data


# ----- local files ----------------------------------------------------------------------


async def test_uploads_are_stored_by_random_name_and_served(kinhaven: RunningInstance) -> None:
    member = await kinhaven.add_member("alice")
    store = MediaStore.for_settings(kinhaven.settings)
    assert store.folder == kinhaven.settings.database.parent / "media"
    upload = await save_upload(kinhaven.db, store, member, jpeg(), description="a red square")
    assert upload.file_name and upload.preview_file_name and upload.post_id is None
    assert len(upload.file_name) == len("0" * 32 + ".jpg")

    answer = await kinhaven.client.get(f"/media/{upload.file_name}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/jpeg"
    assert "max-age=31536000" in answer.headers["cache-control"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert opened(answer.content).size == (64, 48)
    assert (await kinhaven.client.get(f"/media/{upload.preview_file_name}")).status_code == 200


@pytest.mark.parametrize("name", [
    "..%2Fkinhaven.sqlite3", "%2e%2e", "0123456789abcdef0123456789abcdef.html",
    "0123456789abcdef0123456789abcdef.jpg", "cache", "kinhaven.sqlite3",
])
async def test_only_names_we_made_are_served(kinhaven: RunningInstance, name: str) -> None:
    assert (await kinhaven.client.get(f"/media/{name}")).status_code == 404


# ----- the proxy ------------------------------------------------------------------------


@asynccontextmanager
async def run_origin(files: dict[str, tuple[str, bytes]]) -> AsyncIterator[
        tuple[str, Counter[str]]]:
    """A remote server on loopback serving `files` (path: (content type, body)); yields
    its base URL and how often each path was fetched."""
    hits: Counter[str] = Counter()

    async def serve(request: Request) -> Response:
        path = request.url.path
        hits[path] += 1
        if path not in files:
            return Response("no", status_code=404)
        content_type, body = files[path]
        return Response(body, media_type=content_type)

    app = Starlette(routes=[Route("/{path:path}", serve)])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await wait_until(lambda: asyncio.sleep(0, server.started), what="the origin")
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", hits
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)
        sock.close()


def proxy_url(kinhaven: RunningInstance, url: str) -> str:
    return proxy_path(kinhaven.instance.secret_key, url)


async def test_remote_images_are_proxied_and_fetched_once(kinhaven: RunningInstance) -> None:
    avatar = png((20, 20))
    async with run_origin({"/avatar": ("image/png", avatar)}) as (origin, hits):
        path = proxy_url(kinhaven, f"{origin}/avatar")
        assert path.startswith("/media/proxy/") and origin not in path
        first = await kinhaven.client.get(path)
        second = await kinhaven.client.get(path)
    for answer in (first, second):
        assert answer.status_code == 200
        assert answer.content == avatar
        assert answer.headers["content-type"] == "image/png"
        assert "max-age=31536000" in answer.headers["cache-control"]
    assert hits["/avatar"] == 1, "the second answer came from the disk cache"


async def test_the_type_served_is_the_one_the_bytes_show(kinhaven: RunningInstance) -> None:
    async with run_origin({"/photo": ("image/png", jpeg())}) as (origin, _hits):
        answer = await kinhaven.client.get(proxy_url(kinhaven, f"{origin}/photo"))
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/jpeg"


async def test_no_media_is_shown_from_domains_that_may_not_send_it(
        kinhaven: RunningInstance) -> None:
    async with run_origin({"/avatar": ("image/png", png())}) as (origin, hits):
        path = proxy_url(kinhaven, f"{origin}/avatar")
        assert (await kinhaven.client.get(path)).status_code == 200
        await policy_store.block_domain(kinhaven.db, "127.0.0.1", severity="reject-media",
                                        by_id=None, by_name="tests")
        assert (await kinhaven.client.get(path)).status_code == 404, "not from the cache either"
    assert hits["/avatar"] == 1


async def test_tokens_we_did_not_sign_are_not_found(kinhaven: RunningInstance) -> None:
    async with run_origin({"/avatar": ("image/png", png())}) as (origin, hits):
        good = proxy_url(kinhaven, f"{origin}/avatar")
        forged = proxy_path("another instance's secret key, long enough", f"{origin}/avatar")
        for path in (forged, good[:-3] + "AAA", "/media/proxy/nonsense", "/media/proxy/a.b"):
            assert (await kinhaven.client.get(path)).status_code == 404, path
    assert hits["/avatar"] == 0


async def test_what_is_not_an_image_is_refused_and_not_cached(kinhaven: RunningInstance) -> None:
    page = b"<html><script>alert(1)</script></html>"
    files = {
        "/page": ("text/html", page),
        "/svg": ("image/svg+xml", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
        "/disguised": ("image/png", page),
        "/huge": ("image/png", png((1, 1)) + b"\0" * MAX_REMOTE_BYTES),
    }
    async with run_origin(files) as (origin, hits):
        for path in ("/page", "/svg", "/disguised", "/huge", "/missing"):
            for _ in range(2):
                answer = await kinhaven.client.get(proxy_url(kinhaven, f"{origin}{path}"))
                assert answer.status_code == 502, path
                assert page not in answer.content
            assert hits[path] == 2, f"{path}: a refusal is not cached"
    cache = MediaStore.for_settings(kinhaven.settings).cache
    assert not cache.exists() or not list(cache.iterdir())


async def test_the_template_global_proxies_remote_urls_only(kinhaven: RunningInstance) -> None:
    template = environment.from_string('<img src="{{ proxied(url) }}">')
    request = SimpleNamespace(app=kinhaven.app)

    def show(url: str | None) -> str:
        return template.render(request=request, url=url)

    remote = show("https://remote.example/avatar.png?size=big&x=<y>")
    assert remote.startswith('<img src="/media/proxy/') and "remote.example" not in remote
    own = f"{kinhaven.base_url}/static/avatar.png"
    assert show(own) == f'<img src="{own}">'
    for unsafe in ("javascript:alert(1)", "data:image/png;base64,AAAA", "", None, "//x.example"):
        assert show(unsafe) == '<img src="">'


# ----- federation -----------------------------------------------------------------------


async def test_a_post_with_an_image_reaches_mastodon_with_its_alt_text(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven, run_fake_mastodon() as mastodon:
        federation: Federation = kinhaven.app.state.federation
        member = await get_actor(kinhaven.db, await kinhaven.add_member("alice"))
        other = await kinhaven.add_member("carol")
        assert member is not None
        bob = mastodon.add_account("bob")
        store = MediaStore.for_settings(kinhaven.settings)
        upload = await save_upload(kinhaven.db, store, member.id, jpeg((640, 480)),
                                   description="A calm lake at dawn")
        someone_elses = await save_upload(kinhaven.db, store, other, jpeg())
        with pytest.raises(posting.PostError):
            await posting.publish(federation, member, "mine?", visibility="public",
                                  media_ids=[someone_elses.id])
        with pytest.raises(posting.PostError):
            await posting.publish(federation, member, "too many", visibility="public",
                                  media_ids=[upload.id, *range(9000, 9004)])

        post = await posting.publish(federation, member, f"Morning @{mastodon.handle(bob)}",
                                     visibility="public", sensitive=True,
                                     media_ids=[upload.id])

        create = await mastodon.wait_for(lambda a: a["type"] == "Create")
        note = create["object"]
        assert note["id"] == post.uri
        assert note["sensitive"] is True
        (document,) = note["attachment"]
        assert document["type"] == "Document"
        assert document["mediaType"] == "image/jpeg"
        assert document["name"] == "A calm lake at dawn"
        assert (document["width"], document["height"]) == (640, 480)
        assert document["url"] == f"{kinhaven.base_url}/media/{upload.file_name}"
        image = await mastodon.client.get(document["url"])
        assert image.status_code == 200 and opened(image.content).size == (640, 480)
        served = (await mastodon.fetch(post.uri)).json()
        assert served["attachment"] == note["attachment"]
        with pytest.raises(posting.PostError):
            await posting.publish(federation, member, "again", visibility="public",
                                  media_ids=[upload.id])
        await posting.delete(federation, member, post)
        for name in (upload.file_name, upload.preview_file_name):
            assert (await kinhaven.client.get(f"/media/{name}")).status_code == 404


async def test_a_remote_note_is_stored_with_its_attachments(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven, run_fake_mastodon() as mastodon:
        federation: Federation = kinhaven.app.state.federation
        member = await get_actor(kinhaven.db, await kinhaven.add_member("alice"))
        assert member is not None
        bob_account = mastodon.add_account("bob")
        bob = await relations.find_remote_account(federation, mastodon.handle(bob_account))
        await relations.follow(federation, member, bob)

        async def accepted() -> bool:
            return await follow_store.is_following(kinhaven.db, member.id, bob.id)

        await wait_until(accepted, what="Mastodon's Accept")
        create = mastodon.public_note(bob_account, "Look at this")
        create["object"]["attachment"] = [
            {"type": "Document", "mediaType": "image/png", "url": f"{mastodon.base_url}/a.png",
             "name": "A drawing of a cat", "blurhash": "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH",
             "width": 640, "height": 480},
            {"type": "Image", "url": {"type": "Link", "href": f"{mastodon.base_url}/b.jpg",
                                      "mediaType": "image/jpeg"}},
            {"type": "Document", "mediaType": "image/png", "url": "javascript:alert(1)"},
            {"type": "Document", "mediaType": "image/png", "url": "data:image/png;base64,AA"},
            {"type": "Link", "href": "https://elsewhere.example/preview"},
        ]
        await mastodon.deliver(bob_account, f"{kinhaven.base_url}/inbox", create)

        async def stored() -> post_store.Post | None:
            return await post_store.get_post_by_uri(kinhaven.db, create["object"]["id"])

        post = await wait_until(stored, what="the note to be stored")
        found = (await media_store.attachments_for(kinhaven.db, [post.id, 12345]))[post.id]
        assert [(a.remote_url, a.content_type, a.description) for a in found] == [
            (f"{mastodon.base_url}/a.png", "image/png", "A drawing of a cat"),
            (f"{mastodon.base_url}/b.jpg", "image/jpeg", ""),
        ]
        assert (found[0].width, found[0].height) == (640, 480)
        assert found[0].blurhash == "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH"
        assert all(a.actor_id == bob.id and not a.local for a in found)
        # The same Create again stores nothing twice.
        again = dict(create, id=f"{create['id']}-again")
        await mastodon.deliver(bob_account, f"{kinhaven.base_url}/inbox", again)
        async def done() -> bool:
            state = await inbound_store.state_of(kinhaven.db, again["id"])
            return state is not None and state[0] != "new"

        await wait_until(done)
        assert len((await media_store.attachments_for(kinhaven.db, [post.id]))[post.id]) == 2


def test_at_most_eight_attachments_are_read() -> None:
    note = {"id": "https://r.example/n/1", "type": "Note", "attributedTo": "https://r.example/u",
            "content": "many", "attachment": [
                {"type": "Document", "url": f"https://r.example/{i}.png"} for i in range(20)]}
    assert len(parse_note(note).attachments) == 8
