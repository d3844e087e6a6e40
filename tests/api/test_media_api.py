"""Media uploads through Mastodon.py and raw requests: the checks the compose page makes,
descriptions, and whose uploads a member may see or change."""

from __future__ import annotations

from pathlib import Path

import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from server.media.attachments import MAX_DESCRIPTION
from server.media.images import MAX_BYTES
from tests.api import bearer, call, mastodon, token_for
from tests.api.members import member
from tests.api.test_statuses import png
from tests.instances import run_instance


async def test_upload_describe_and_post(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        await member(kinhaven, "amy")
        token = await token_for(kinhaven, "amy", "write")
        client = mastodon(kinhaven, token)
        image = tmp_path / "square.png"
        image.write_bytes(png())
        with image.open("rb") as opened:
            media = await call(client.media_post, opened, "image/png",
                               description="first words")
        assert media["url"] and media["preview_url"] and media["type"] == "image"
        fetched = await kinhaven.client.get(f"/api/v1/media/{media['id']}",
                                            headers=bearer(token))
        assert fetched.status_code == 200 and fetched.json()["description"] == "first words"
        updated = await call(client.media_update, media["id"], description="better words")
        assert updated["description"] == "better words"
        await call(client.status_post, "with a picture", media_ids=[media["id"]])
        with pytest.raises(MastodonNotFoundError):  # posted: edit the post instead
            await call(client.media_update, media["id"], description="too late")

        v1 = await kinhaven.client.post(
            "/api/v1/media", headers=bearer(token),
            files={"file": ("a.png", png(), "image/png")})
        assert v1.status_code == 200 and v1.json()["description"] is None


async def test_others_media_is_not_found(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        await member(kinhaven, "amy")
        await member(kinhaven, "ben")
        amys = mastodon(kinhaven, await token_for(kinhaven, "amy", "write"))
        media = await call(amys.media_post, png(), "image/png")
        bens_token = await token_for(kinhaven, "ben", "write")
        bens = mastodon(kinhaven, bens_token)
        with pytest.raises(MastodonNotFoundError):
            await call(bens.media_update, media["id"], description="mine now")
        answer = await kinhaven.client.get(f"/api/v1/media/{media['id']}",
                                           headers=bearer(bens_token))
        assert answer.status_code == 404
        with pytest.raises(MastodonAPIError) as refused:
            await call(bens.status_post, "borrowed", media_ids=[media["id"]])
        assert refused.value.args[1] == 422


async def test_bad_uploads(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        await member(kinhaven, "amy")
        token = await token_for(kinhaven, "amy", "write:media")
        http = kinhaven.client

        async def upload(files: dict[str, tuple[str, bytes, str]] | None = None,
                         data: dict[str, str] | None = None,
                         headers: dict[str, str] | None = None) -> int:
            answer = await http.post("/api/v2/media", files=files, data=data,
                                     headers=bearer(token) if headers is None else headers)
            assert answer.status_code != 200 and "error" in answer.json()
            return answer.status_code

        assert await upload({"file": ("a.png", b"not an image at all", "image/png")}) == 422
        assert await upload({"file": ("a.png", png(), "image/png")},
                            {"description": "x" * (MAX_DESCRIPTION + 1)}) == 422
        assert await upload(data={"description": "no file"}) == 422
        assert await upload({"file": ("a.png", b"\0" * (MAX_BYTES + 1), "image/png")}) == 422
        assert await upload({"file": ("a.png", b"\0" * (MAX_BYTES + 100_000),
                                      "image/png")}) == 413
        assert await upload({"file": ("a.png", png(), "image/png")}, headers={}) == 401
        reader = bearer(await token_for(kinhaven, "amy", "read"))
        assert await upload({"file": ("a.png", png(), "image/png")}, headers=reader) == 403
        not_multipart = await http.post("/api/v2/media", headers=bearer(token),
                                        json={"file": "x"})
        assert not_multipart.status_code == 422
        for junk in ("abc", "9" * 30, "99999"):
            answer = await http.get(f"/api/v1/media/{junk}", headers=bearer(token))
            assert answer.status_code == 404
        assert await kinhaven.db.fetch_value("SELECT count(*) FROM media_attachments") == 0
