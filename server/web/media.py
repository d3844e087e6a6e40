"""Media files: members' images, and remote images through the caching proxy."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from federation.parse import host_of
from moderation.domains import rejects_media
from server.activitypub.context import federation_of
from server.media.proxy import ProxyRefused, fetch_proxied, url_of_token
from server.media.store import CONTENT_TYPES, MediaStore
from server.web.state import instance_of

logger = logging.getLogger(__name__)

# Names are random and contents never change: caches may keep them for a year.
_LONG_CACHE = "public, max-age=31536000, immutable"
_MEDIA_HEADERS = {
    "Cache-Control": _LONG_CACHE,
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def _not_found() -> Response:
    return Response("not found", status_code=404, media_type="text/plain",
                    headers={"Cache-Control": "no-store"})


async def local_media(request: Request) -> Response:
    store = MediaStore.for_settings(instance_of(request).settings)
    name = request.path_params["name"]
    path = store.path_of(name)
    if path is None or not path.is_file():
        return _not_found()
    return FileResponse(path, media_type=CONTENT_TYPES[name.rsplit(".", 1)[1]],
                        headers=_MEDIA_HEADERS)


async def proxied_media(request: Request) -> Response:
    instance = instance_of(request)
    url = url_of_token(instance.secret_key, request.path_params["token"])
    if url is None:
        return _not_found()
    federation = federation_of(request)
    # Checked on every request, cache hits too: the policy may have changed since.
    if await rejects_media(federation.domains, host_of(url),
                           own_domain=instance.settings.domain):
        return _not_found()
    store = MediaStore.for_settings(instance.settings)
    try:
        image = await fetch_proxied(federation.client, store, url)
    except ProxyRefused as error:
        logger.info("media proxy: %s", error)
        return Response("that image is not available", status_code=502,
                        media_type="text/plain", headers={"Cache-Control": "no-store"})
    return Response(image.data, media_type=image.content_type, headers=_MEDIA_HEADERS)


routes = [
    Route("/media/proxy/{token}", proxied_media),
    Route("/media/{name}", local_media),
]
