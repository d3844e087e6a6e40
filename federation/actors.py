"""Actor documents as Mastodon reads them (Person for members, Application for the instance)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from federation.activitystreams import AS_CONTEXT, SECURITY_CONTEXT, WEBFINGER_CONTEXT

ACTOR_CONTEXT: list[Any] = [
    AS_CONTEXT,
    SECURITY_CONTEXT,
    WEBFINGER_CONTEXT,
    {
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "toot": "http://joinmastodon.org/ns#",
        "featured": {"@id": "toot:featured", "@type": "@id"},
        "discoverable": "toot:discoverable",
        "indexable": "toot:indexable",
    },
]


@dataclass(frozen=True)
class ActorFacts:
    """What an actor document says, independent of where it is stored."""

    uri: str
    actor_type: str
    username: str
    webfinger: str
    display_name: str
    summary_html: str
    inbox: str
    shared_inbox: str
    key_id: str
    public_key_pem: str
    published: str
    outbox: str | None = None
    followers: str | None = None
    following: str | None = None
    featured: str | None = None
    url: str | None = None
    icon_url: str | None = None
    icon_media_type: str | None = None
    manually_approves_followers: bool = True
    discoverable: bool = False


def build_actor(facts: ActorFacts) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": ACTOR_CONTEXT,
        "id": facts.uri,
        "type": facts.actor_type,
        "preferredUsername": facts.username,
        "webfinger": facts.webfinger,
        "name": facts.display_name,
        "summary": facts.summary_html,
        "inbox": facts.inbox,
        "manuallyApprovesFollowers": facts.manually_approves_followers,
        "discoverable": facts.discoverable,
        "indexable": False,
        "published": facts.published,
        "publicKey": {
            "id": facts.key_id,
            "owner": facts.uri,
            "publicKeyPem": facts.public_key_pem,
        },
        "endpoints": {"sharedInbox": facts.shared_inbox},
    }
    optional = {
        "outbox": facts.outbox,
        "followers": facts.followers,
        "following": facts.following,
        "featured": facts.featured,
        "url": facts.url,
    }
    document.update({key: value for key, value in optional.items() if value is not None})
    if facts.icon_url is not None:
        document["icon"] = {
            "type": "Image",
            "mediaType": facts.icon_media_type or "image/png",
            "url": facts.icon_url,
        }
    return document
