"""Remote images shown through this instance, so a member's browser never contacts a
remote server (which would learn the member's address and what they read).

Pages link to `/media/proxy/<token>`, where the token is the remote URL signed with the
instance's secret key: only URLs this instance put in its own pages are fetched, so the
proxy is no open relay. Fetches go through the guarded client (address guard, deadline,
size cap); only images are accepted, and the type served is the one the bytes show.
What was fetched is kept on disk and served from there afterwards.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeSerializer
from jinja2 import pass_context
from jinja2.runtime import Context

from federation.client import BlockedURL, FetchError, GuardedClient
from federation.parse import MAX_URI
from server.media.images import sniff
from server.media.store import MediaStore

logger = logging.getLogger(__name__)

PROXY_PREFIX = "/media/proxy/"
MAX_REMOTE_BYTES = 16 * 1024 * 1024
REMOTE_MEDIA_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
_SALT = "kinhaven.media-proxy"


class ProxyRefused(Exception):
    """The remote image cannot be shown; the message says why (for the log, not people)."""


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_SALT)


def _proxiable(url: object) -> bool:
    if not isinstance(url, str) or not url or len(url) > MAX_URI:
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def proxy_path(secret_key: str, url: str, *, local_base: str | None = None) -> str:
    """The path a page uses to show `url`: our own URLs as they are, remote http(s) URLs
    through the proxy, and anything else (`javascript:`, `data:`, junk) as ""."""
    if local_base and (url == local_base or url.startswith(f"{local_base}/")):
        return url
    if not _proxiable(url):
        return ""
    return PROXY_PREFIX + str(_serializer(secret_key).dumps(url))


def url_of_token(secret_key: str, token: str) -> str | None:
    """The remote URL a token was signed for, or None if we did not sign it."""
    try:
        url: Any = _serializer(secret_key).loads(token)
    except BadSignature:
        return None
    return url if _proxiable(url) else None


@pass_context
def proxied(context: Context, url: str | None) -> str:
    """Template global: `<img src="{{ proxied(actor.icon_url) }}">`. Needs `request` in the
    template context, which `render` always passes."""
    if not url:
        return ""
    instance = context["request"].app.state.instance
    return proxy_path(instance.secret_key, url, local_base=instance.urls.base)


@dataclass(frozen=True)
class ProxiedImage:
    data: bytes
    content_type: str


async def fetch_proxied(client: GuardedClient, store: MediaStore, url: str) -> ProxiedImage:
    """The image at `url`, from the disk cache or fetched (and cached) now.
    Raises ProxyRefused when it cannot be fetched or is not an image."""
    cached = await store.read_cached(url)
    if cached is not None:
        kind = sniff(cached)
        if kind is not None:
            return ProxiedImage(cached, kind)
    try:
        _declared, data = await client.fetch_media(
            url, media_types=REMOTE_MEDIA_TYPES, max_bytes=MAX_REMOTE_BYTES
        )
    except (BlockedURL, FetchError) as error:
        raise ProxyRefused(str(error)) from error
    kind = sniff(data)
    if kind is None:
        raise ProxyRefused(f"{url}: the body is not an image")
    await store.cache_remote(url, data)
    return ProxiedImage(data, kind)
