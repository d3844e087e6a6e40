"""Rows to ActivityStreams facts (`to_*` functions); the reverse comes with the inbox."""

from __future__ import annotations

from federation.actors import ActorFacts
from federation.notes import NoteFacts
from server.storage.actors import Actor
from server.storage.posts import Post
from server.urls import Urls


def to_actor_facts(actor: Actor, urls: Urls) -> ActorFacts:
    is_person = actor.actor_type == "Person"
    return ActorFacts(
        uri=actor.uri,
        actor_type=actor.actor_type,
        username=actor.username,
        webfinger=actor.handle,
        display_name=actor.display_name,
        summary_html=actor.summary_html,
        inbox=actor.inbox_uri,
        shared_inbox=actor.shared_inbox_uri or urls.shared_inbox,
        key_id=actor.public_key_id,
        public_key_pem=actor.public_key_pem,
        published=actor.created_at[:19] + "Z",
        outbox=actor.outbox_uri,
        followers=actor.followers_uri,
        following=actor.following_uri,
        featured=actor.featured_uri,
        url=actor.url,
        icon_url=actor.icon_url or (urls.default_avatar() if is_person else None),
        icon_media_type=actor.icon_media_type or "image/png",
        manually_approves_followers=actor.manually_approves_followers,
        discoverable=actor.discoverable,
    )


def to_note_facts(post: Post, author: Actor) -> NoteFacts:
    assert author.followers_uri is not None
    return NoteFacts(
        uri=post.uri,
        actor_uri=author.uri,
        followers_uri=author.followers_uri,
        url=post.url,
        content_html=post.content_html,
        visibility=post.visibility,
        published=post.published_at[:19] + "Z",
        summary=post.summary,
        sensitive=post.sensitive,
        in_reply_to=post.in_reply_to_uri,
        updated=None if post.edited_at is None else post.edited_at[:19] + "Z",
        language=post.language,
    )
