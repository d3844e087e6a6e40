"""Reading what other servers send, liberally: IRIs or embedded objects, strings or
arrays, the three spellings of Public. Anything that cannot be read raises
`MalformedActivity` with the reason, so the inbox can answer 400 and store nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from federation.activitystreams import AS_CONTEXT, PUBLIC, PUBLIC_ALIASES

MAX_URI = 2048
MAX_NAME = 2048
MAX_SUMMARY = 20 * 1024
MAX_CONTENT = 100 * 1024
MAX_ATTACHMENTS = 8
MAX_DESCRIPTION = 1500
ATTACHMENT_TYPES = frozenset({"Document", "Image"})
_BLURHASH = re.compile(r"\A[0-9A-Za-z#$%*+,\-.:;=?@\[\]^_{|}~]{6,200}\Z")
ACTOR_TYPES = frozenset({"Application", "Group", "Organization", "Person", "Service"})
POST_TYPES = frozenset({"Note", "Question", "Article", "Page"})


class MalformedActivity(Exception):
    """The JSON is not an activity we can read; the message says why."""


def _uri(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise MalformedActivity(f"{what} must be a URI")
    if len(value) > MAX_URI:
        raise MalformedActivity(f"{what} is longer than {MAX_URI} characters")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise MalformedActivity(f"{what} must be an http(s) URI, not {value[:80]!r}")
    return value


def host_of(uri: str) -> str:
    """The host[:port] of a URI, lower-cased: the unit of origin checks."""
    return urlsplit(uri).netloc.lower()


def ref(value: object, what: str) -> str:
    """An IRI, or the `id` of an embedded object."""
    if isinstance(value, dict):
        return _uri(value.get("id"), f"{what}.id")
    return _uri(value, what)


def optional_ref(value: object, what: str) -> str | None:
    return None if value is None else ref(value, what)


def refs(value: object) -> list[str]:
    """Every IRI in a string, an object or a list of either; unreadable entries skipped."""
    items = value if isinstance(value, list) else [value]
    found = []
    for item in items:
        candidate = item.get("id") if isinstance(item, dict) else item
        if isinstance(candidate, str) and candidate:
            found.append(PUBLIC if candidate in PUBLIC_ALIASES else candidate)
    return found


def _text(value: object, what: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedActivity(f"{what} must be a string")
    if len(value) > limit:
        raise MalformedActivity(f"{what} is longer than {limit} characters")
    return value


def has_as_context(document: dict[str, Any]) -> bool:
    context = document.get("@context")
    items = context if isinstance(context, list) else [context]
    return AS_CONTEXT in items or "https://www.w3.org/ns/activitystreams#" in items


@dataclass(frozen=True)
class Envelope:
    """The outside of an activity: enough to verify origin and dispatch it."""

    id: str
    type: str
    actor: str
    object_id: str | None
    object: dict[str, Any] | None
    raw: dict[str, Any]


def parse_envelope(document: object) -> Envelope:
    if not isinstance(document, dict):
        raise MalformedActivity("an activity must be a JSON object")
    if not has_as_context(document):
        raise MalformedActivity("@context does not include ActivityStreams")
    kind = document.get("type")
    if not isinstance(kind, str) or not kind or len(kind) > 64:
        raise MalformedActivity("type must be a short string")
    activity_id = _uri(document.get("id"), "id")
    actor = ref(document.get("actor"), "actor")
    raw_object = document.get("object")
    embedded = raw_object if isinstance(raw_object, dict) else None
    object_id = None
    if isinstance(raw_object, list):
        listed = refs(raw_object)
        object_id = listed[0] if listed else None
    elif raw_object is not None:
        object_id = ref(raw_object, "object")
    return Envelope(activity_id, kind, actor, object_id, embedded, document)


def visibility(to: list[str], cc: list[str], followers: str | None) -> str:
    """Mastodon's reading: Public in to, public; in cc, unlisted; the author's followers
    collection in to, followers-only; anything else, direct."""
    if PUBLIC in to:
        return "public"
    if PUBLIC in cc:
        return "unlisted"
    if followers is not None and followers in to:
        return "followers"
    return "direct"


@dataclass(frozen=True)
class IncomingAttachment:
    """A media attachment as a remote Note describes it; only the URL is certain."""

    url: str
    media_type: str | None
    name: str
    width: int | None
    height: int | None
    blurhash: str | None


@dataclass(frozen=True)
class IncomingNote:
    uri: str
    attributed_to: str
    content_html: str
    summary: str
    sensitive: bool
    in_reply_to: str | None
    published: str | None
    updated: str | None
    url: str | None
    to: list[str]
    cc: list[str]
    mentions: list[str]
    hashtags: list[str]
    language: str | None
    attachments: tuple[IncomingAttachment, ...] = ()


def _http_url(value: object) -> str | None:
    if not isinstance(value, str) or len(value) > MAX_URI:
        return None
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def _dimension(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 100_000:
        return value
    return None


def _attachment(item: object) -> IncomingAttachment | None:
    """A Document or Image with an http(s) `url` (a string, a Link or a list of them);
    anything else, such as a link preview or a `javascript:` or `data:` URL, is None."""
    if not isinstance(item, dict) or item.get("type") not in ATTACHMENT_TYPES:
        return None
    media_type = item.get("mediaType")
    url = None
    links = item.get("url")
    for link in links if isinstance(links, list) else [links]:
        url = _http_url(link.get("href") if isinstance(link, dict) else link)
        if url is not None:
            if isinstance(link, dict):
                media_type = media_type or link.get("mediaType")
            break
    if url is None:
        return None
    name = item.get("name")
    blurhash = item.get("blurhash")
    return IncomingAttachment(
        url=url,
        media_type=media_type if isinstance(media_type, str) and len(media_type) <= 100
        else None,
        name=name[:MAX_DESCRIPTION] if isinstance(name, str) else "",
        width=_dimension(item.get("width")),
        height=_dimension(item.get("height")),
        blurhash=blurhash if isinstance(blurhash, str) and _BLURHASH.match(blurhash) else None,
    )


def _attachments(value: object) -> tuple[IncomingAttachment, ...]:
    items = value if isinstance(value, list) else [value]
    found = [a for a in map(_attachment, items[:50]) if a is not None]
    return tuple(found[:MAX_ATTACHMENTS])


def _first_url(value: object) -> str | None:
    if isinstance(value, str):
        return value
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            return item
        if isinstance(item, dict) and isinstance(item.get("href"), str):
            return str(item["href"])
    return None


def parse_note(document: object) -> IncomingNote:
    if not isinstance(document, dict):
        raise MalformedActivity("the object must be an embedded Note")
    if document.get("type") not in POST_TYPES:
        raise MalformedActivity(f"unsupported object type {document.get('type')!r}")
    content = document.get("content")
    language = None
    content_map = document.get("contentMap")
    if content is None and isinstance(content_map, dict) and content_map:
        language, content = next(iter(content_map.items()))
    elif isinstance(content_map, dict) and content_map:
        language = next(iter(content_map))
    name = document.get("name")
    if document.get("type") in ("Article", "Page") and isinstance(name, str) and name:
        content = f"<p><strong>{_escape(name)}</strong></p>{content or ''}"
    tags = document.get("tag")
    tag_list = tags if isinstance(tags, list) else [tags] if isinstance(tags, dict) else []
    typed = [tag for tag in tag_list if isinstance(tag, dict)]
    mentions = [
        tag["href"]
        for tag in typed
        if tag.get("type") == "Mention" and isinstance(tag.get("href"), str)
    ]
    hashtags = [
        tag["name"].lstrip("#")
        for tag in typed
        if tag.get("type") == "Hashtag" and isinstance(tag.get("name"), str)
    ]
    summary = _text(document.get("summary"), "summary", MAX_SUMMARY)
    published = document.get("published")
    updated = document.get("updated")
    return IncomingNote(
        uri=_uri(document.get("id"), "object.id"),
        attributed_to=ref(document.get("attributedTo"), "attributedTo"),
        content_html=_text(content, "content", MAX_CONTENT),
        summary=summary,
        sensitive=bool(document.get("sensitive")) or bool(summary),
        in_reply_to=optional_ref(document.get("inReplyTo"), "inReplyTo"),
        published=published if isinstance(published, str) else None,
        updated=updated if isinstance(updated, str) else None,
        url=_first_url(document.get("url")),
        to=refs(document.get("to", [])),
        cc=refs(document.get("cc", [])),
        mentions=mentions,
        hashtags=[tag.lower() for tag in hashtags if tag and len(tag) <= 100],
        language=language if isinstance(language, str) and len(language) <= 16 else None,
        attachments=_attachments(document.get("attachment")),
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class RemoteActor:
    uri: str
    actor_type: str
    username: str
    display_name: str
    summary_html: str
    inbox: str
    shared_inbox: str | None
    outbox: str | None
    followers: str | None
    following: str | None
    featured: str | None
    url: str | None
    icon_url: str | None
    icon_media_type: str | None
    manually_approves_followers: bool
    discoverable: bool
    key_id: str
    public_key_pem: str


def _keys(document: dict[str, Any]) -> list[dict[str, Any]]:
    value = document.get("publicKey")
    items = value if isinstance(value, list) else [value]
    return [item for item in items[:10] if isinstance(item, dict)]


def parse_actor(document: object, *, key_id: str | None = None) -> RemoteActor:
    """An actor document, with the key named `key_id` (or its first key owned by itself)."""
    if not isinstance(document, dict):
        raise MalformedActivity("an actor must be a JSON object")
    if not has_as_context(document):
        raise MalformedActivity("@context does not include ActivityStreams")
    actor_type = document.get("type")
    if actor_type not in ACTOR_TYPES:
        raise MalformedActivity(f"{actor_type!r} is not an actor type")
    uri = _uri(document.get("id"), "id")
    username = document.get("preferredUsername")
    if not isinstance(username, str) or not username or len(username) > 256:
        raise MalformedActivity("preferredUsername is required")
    owned = [k for k in _keys(document) if k.get("owner") == uri and isinstance(k.get("id"), str)]
    chosen = [k for k in owned if k.get("id") == key_id] if key_id else owned
    if not chosen or not isinstance(chosen[0].get("publicKeyPem"), str):
        raise MalformedActivity("the actor publishes no matching public key")
    endpoints = document.get("endpoints")
    shared = endpoints.get("sharedInbox") if isinstance(endpoints, dict) else None
    shared = shared or document.get("sharedInbox")
    icon = document.get("icon")
    icon = icon[0] if isinstance(icon, list) and icon else icon
    icon_url = _first_url(icon.get("url")) if isinstance(icon, dict) else None

    def link(name: str) -> str | None:
        value = document.get(name)
        return None if value is None else ref(value, name)

    return RemoteActor(
        uri=uri,
        actor_type=str(actor_type),
        username=username,
        display_name=_text(document.get("name"), "name", MAX_NAME),
        summary_html=_text(document.get("summary"), "summary", MAX_SUMMARY),
        inbox=_uri(document.get("inbox"), "inbox"),
        shared_inbox=None if shared is None else _uri(shared, "sharedInbox"),
        outbox=link("outbox"),
        followers=link("followers"),
        following=link("following"),
        featured=link("featured"),
        url=_first_url(document.get("url")),
        icon_url=icon_url,
        icon_media_type=icon.get("mediaType") if isinstance(icon, dict) else None,
        manually_approves_followers=document.get("manuallyApprovesFollowers") is True,
        discoverable=document.get("discoverable") is True,
        key_id=str(chosen[0]["id"]),
        public_key_pem=str(chosen[0]["publicKeyPem"]),
    )
