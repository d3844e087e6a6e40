"""Notes and their Create activities, addressed the way Mastodon addresses them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from federation.activitystreams import AS_CONTEXT, PUBLIC

NOTE_CONTEXT: list[Any] = [
    AS_CONTEXT,
    {
        "ostatus": "http://ostatus.org#",
        "atomUri": "ostatus:atomUri",
        "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
        "conversation": "ostatus:conversation",
        "sensitive": "as:sensitive",
        "toot": "http://joinmastodon.org/ns#",
        "blurhash": "toot:blurhash",
        "Hashtag": "as:Hashtag",
    },
]

FEDERATED_VISIBILITIES = ("public", "unlisted", "followers", "direct")


class NotFederated(Exception):
    """A members-only post was about to be turned into ActivityPub; it must never leave."""


@dataclass(frozen=True)
class Addressing:
    to: list[str]
    cc: list[str]


def address(visibility: str, *, followers: str, mentions: list[str]) -> Addressing:
    """Mastodon's to/cc for each visibility (see MASTODON-INTEROP.md §4)."""
    if visibility == "public":
        return Addressing(to=[PUBLIC], cc=[followers, *mentions])
    if visibility == "unlisted":
        return Addressing(to=[followers], cc=[PUBLIC, *mentions])
    if visibility == "followers":
        return Addressing(to=[followers], cc=list(mentions))
    if visibility == "direct":
        return Addressing(to=list(mentions), cc=[])
    raise NotFederated(f"visibility {visibility!r} is not federated")


@dataclass(frozen=True)
class AttachmentFacts:
    """An image of a Note, as Mastodon describes one (a Document)."""

    url: str
    media_type: str
    description: str = ""
    width: int | None = None
    height: int | None = None
    blurhash: str | None = None


def build_attachment(facts: AttachmentFacts) -> dict[str, Any]:
    document: dict[str, Any] = {"type": "Document", "mediaType": facts.media_type,
                                "url": facts.url, "name": facts.description or None}
    if facts.blurhash:
        document["blurhash"] = facts.blurhash
    if facts.width and facts.height:
        document["width"], document["height"] = facts.width, facts.height
    return document


@dataclass(frozen=True)
class NoteFacts:
    uri: str
    actor_uri: str
    followers_uri: str
    url: str | None
    content_html: str
    visibility: str
    published: str
    summary: str = ""
    sensitive: bool = False
    in_reply_to: str | None = None
    updated: str | None = None
    language: str | None = None
    mentions: list[tuple[str, str]] = field(default_factory=list)
    """(actor id, `@name@host`) pairs."""
    hashtags: list[tuple[str, str]] = field(default_factory=list)
    """(tag page URL, `#tag`) pairs."""
    attachments: list[AttachmentFacts] = field(default_factory=list)


def build_note(facts: NoteFacts) -> dict[str, Any]:
    addressing = address(
        facts.visibility,
        followers=facts.followers_uri,
        mentions=[uri for uri, _ in facts.mentions],
    )
    note: dict[str, Any] = {
        "id": facts.uri,
        "type": "Note",
        "summary": facts.summary or None,
        "inReplyTo": facts.in_reply_to,
        "published": facts.published,
        "url": facts.url,
        "attributedTo": facts.actor_uri,
        "to": addressing.to,
        "cc": addressing.cc,
        "sensitive": facts.sensitive or bool(facts.summary),
        "atomUri": facts.uri,
        "inReplyToAtomUri": facts.in_reply_to,
        "content": facts.content_html,
        "attachment": [build_attachment(a) for a in facts.attachments],
        "tag": [{"type": "Mention", "href": uri, "name": name} for uri, name in facts.mentions]
        + [{"type": "Hashtag", "href": href, "name": name} for href, name in facts.hashtags],
    }
    if facts.language:
        note["contentMap"] = {facts.language: facts.content_html}
    if facts.updated:
        note["updated"] = facts.updated
    return note


def build_create(note: dict[str, Any], *, with_context: bool = True) -> dict[str, Any]:
    """Wrap a Note in its Create, sharing its addressing; the id follows Mastodon's form."""
    activity: dict[str, Any] = {
        "id": f"{note['id']}/activity",
        "type": "Create",
        "actor": note["attributedTo"],
        "published": note["published"],
        "to": note["to"],
        "cc": note["cc"],
        "object": note,
    }
    if with_context:
        return {"@context": NOTE_CONTEXT, **activity}
    return activity
