"""WebFinger (RFC 7033) as Mastodon serves and reads it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from federation.activitystreams import ACTIVITY_JSON

PROFILE_PAGE_REL = "http://webfinger.net/rel/profile-page"
SUBSCRIBE_REL = "http://ostatus.org/schema/1.0/subscribe"


class BadResource(Exception):
    """The `resource` parameter is missing or not a form we understand (answer 400)."""


class NotOurs(Exception):
    """The resource names a host this instance does not serve (answer 404)."""


@dataclass(frozen=True)
class AccountQuery:
    """A WebFinger query for an account handle: `user@host`."""

    username: str


@dataclass(frozen=True)
class UrlQuery:
    """A WebFinger query by actor or profile URL."""

    url: str


def parse_resource(resource: str | None, domain: str) -> AccountQuery | UrlQuery:
    """Read `acct:user@host`, `user@host` (percent-encoded or not) or an actor/profile URL.

    `domain` is this instance's host[:port]; hosts compare case-insensitively.
    """
    if resource is None or not resource.strip():
        raise BadResource("the resource parameter is required")
    text = resource.strip()
    if "%" in text:
        text = unquote(text)
    if text.startswith(("https://", "http://")):
        parts = urlsplit(text)
        if parts.netloc.lower() != domain.lower():
            raise NotOurs(text)
        return UrlQuery(url=text)
    if text.lower().startswith("acct:"):
        text = text[5:]
    text = text.lstrip("@")
    username, at, host = text.rpartition("@")
    if not at or not username or not host or "@" in username:
        raise BadResource(f"{resource!r} is neither acct:user@host nor a URL")
    if host.lower() != domain.lower():
        raise NotOurs(text)
    return AccountQuery(username=username)


def build_jrd(
    *, username: str, domain: str, actor_uri: str, profile_url: str | None, interact_template: str
) -> dict[str, Any]:
    links: list[dict[str, str]] = []
    if profile_url is not None:
        links.append({"rel": PROFILE_PAGE_REL, "type": "text/html", "href": profile_url})
    links.append({"rel": "self", "type": ACTIVITY_JSON, "href": actor_uri})
    links.append({"rel": SUBSCRIBE_REL, "template": interact_template})
    aliases = [actor_uri] if profile_url is None else [profile_url, actor_uri]
    return {"subject": f"acct:{username}@{domain}", "aliases": aliases, "links": links}


def host_meta_xml(base_url: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template="{base_url}/.well-known/webfinger?resource={{uri}}"/>\n'
        "</XRD>\n"
    )
