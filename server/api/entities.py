"""Mastodon's entities built from our rows: Account, Admin::Account, Role, Status and
MediaAttachment, shaped as Mastodon's serializers shape them (ids as strings, times in
ISO 8601 with milliseconds and `Z`).

Where Kinhaven has something Mastodon lacks, the Mastodon field gets the nearest
honest value and a `kinhaven_*` field carries ours: members-only posts are `private`
with `kinhaven_visibility: "local"`, and a post held for a moderator (shown only to its
author, and to moderators) carries `kinhaven_held: true`. Kinhaven keeps no sign-in
addresses, so `ip` is always null. Remote avatars and media go through the instance's
media proxy, as the pages show them, so a client never contacts another server for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from server.clock import from_text, to_text
from server.instance import Instance
from server.media.proxy import proxy_path
from server.media.store import media_url
from server.storage import accounts as account_store
from server.storage import bookmarks as bookmark_store
from server.storage import follows as follow_store
from server.storage import holds as hold_store
from server.storage import interactions, sanctions
from server.storage import oauth as oauth_store
from server.storage import posts as post_store
from server.storage.accounts import Account
from server.storage.actors import Actor, get_actor
from server.storage.database import Database
from server.storage.interactions import Boost
from server.storage.media import Attachment, attachments_for
from server.storage.oauth import OAuthApp
from server.storage.posts import Post

JSON = dict[str, Any]
VISIBILITY = {"public": "public", "unlisted": "unlisted", "followers": "private",
              "direct": "direct", "local": "private"}
ALL_PERMISSIONS = (1 << 21) - 1
MODERATOR_PERMISSIONS = (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 7) | (1 << 10)
"""Mastodon's permission bits for what Kinhaven's moderators may do: see the audit log
and dashboard, handle reports, manage federation, blocks and users."""
ROLES: dict[str, JSON] = {
    "member": {"id": "-99", "name": "", "color": "", "permissions": "0",
               "highlighted": False},
    "moderator": {"id": "1", "name": "Moderator", "color": "", "highlighted": True,
                  "permissions": str(MODERATOR_PERMISSIONS)},
    "admin": {"id": "2", "name": "Admin", "color": "", "highlighted": True,
              "permissions": str(ALL_PERMISSIONS)},
}


def timestamp(text: str | None) -> str | None:
    """Any stored time as Mastodon writes times: `2026-08-01T10:00:00.000Z`."""
    return None if not text else to_text(from_text(text))


def _day(text: str) -> str:
    """Mastodon shows only the day an account was made, as midnight UTC."""
    return to_text(from_text(text).replace(hour=0, minute=0, second=0, microsecond=0))


def image_url(instance: Instance, url: str | None) -> str | None:
    """An absolute URL a client may load: ours as is, another server's through the proxy."""
    if not url:
        return None
    base = instance.urls.base
    path = proxy_path(instance.secret_key, url, local_base=base)
    return None if not path else (path if path.startswith(base) else f"{base}{path}")


def role_json(role: str) -> JSON:
    return dict(ROLES.get(role, ROLES["member"]))


async def account_json(db: Database, instance: Instance, actor: Actor) -> JSON:
    """Mastodon's Account: the public profile any client may be shown."""
    gone = actor.deleted_at is not None
    avatar = (None if gone else image_url(instance, actor.icon_url)) \
        or instance.urls.default_avatar()
    header = f"{instance.urls.base}/static/header.png"
    return {
        "id": str(actor.id),
        "username": actor.username,
        "acct": actor.username if actor.local else actor.handle,
        "display_name": "" if gone else actor.display_name,
        "locked": actor.manually_approves_followers,
        "bot": actor.actor_type in ("Application", "Service"),
        "group": actor.actor_type == "Group",
        "discoverable": actor.discoverable,
        "created_at": _day(actor.created_at),
        "note": "" if gone else actor.summary_html,
        "url": actor.url or actor.uri,
        "uri": actor.uri,
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": await follow_store.count_followers(db, actor.id),
        "following_count": await follow_store.count_following(db, actor.id),
        "statuses_count": await hold_store.count_published_posts(db, actor.id),
        "last_status_at": None,
        "emojis": [],
        "fields": [],
    }


async def admin_account_json(db: Database, instance: Instance, actor: Actor) -> JSON:
    """Mastodon's Admin::Account: the account as moderators see it, with the member's
    e-mail address, role and standing. Accounts elsewhere have no role or address."""
    account: Account | None = await account_store.get_account(db, actor.id) \
        if actor.local else None
    standing = await sanctions.standing_by_id(db, actor.id)
    return {
        "id": str(actor.id),
        "username": actor.username,
        "domain": None if actor.local else actor.domain,
        "created_at": timestamp(account.created_at if account else actor.created_at),
        "email": None if account is None else account.email,
        "ip": None,
        "ips": [],
        "locale": None,
        "invite_request": (account.application_reason or None) if account else None,
        "role": None if account is None else role_json(account.role),
        "confirmed": account is not None and account.approved,
        "suspended": standing.suspended,
        "silenced": standing.limited,
        "sensitized": standing.sensitive,
        "disabled": account is not None and account.password_hash == "",
        "approved": account is not None and account.approved,
        "account": await account_json(db, instance, actor),
    }


def _media_type(content_type: str | None) -> str:
    kind = (content_type or "").split("/")[0]
    return {"image": "image", "video": "video", "audio": "audio"}.get(kind, "unknown")


def media_json(instance: Instance, attachment: Attachment) -> JSON:
    """Mastodon's MediaAttachment; another server's file is shown through the proxy."""
    base = instance.urls.base
    url: str | None
    preview: str | None
    if attachment.file_name is not None:
        url = media_url(base, attachment.file_name)
        preview = media_url(base, attachment.preview_file_name or attachment.file_name)
    else:
        url = preview = image_url(instance, attachment.remote_url)
    size = None if not attachment.width or not attachment.height else {
        "width": attachment.width, "height": attachment.height,
        "size": f"{attachment.width}x{attachment.height}",
        "aspect": attachment.width / attachment.height}
    return {
        "id": str(attachment.id),
        "type": _media_type(attachment.content_type),
        "url": url,
        "preview_url": preview,
        "remote_url": attachment.remote_url,
        "meta": None if size is None else {"original": size},
        "description": attachment.description or None,
        "blurhash": attachment.blurhash,
    }


@dataclass
class _PageFacts:
    """What a page of Statuses shows besides the posts, each read once for the page."""

    authors: dict[int, JSON] = field(default_factory=dict)
    parents: dict[int, Post] = field(default_factory=dict)
    media: dict[int, list[Attachment]] = field(default_factory=dict)
    mentions: dict[int, list[JSON]] = field(default_factory=dict)
    tags: dict[int, list[str]] = field(default_factory=dict)
    likes: dict[int, int] = field(default_factory=dict)
    boosts: dict[int, int] = field(default_factory=dict)
    replies: dict[int, int] = field(default_factory=dict)
    liked: set[int] = field(default_factory=set)
    boosted: set[int] = field(default_factory=set)
    saved: set[int] = field(default_factory=set)
    apps: dict[int, OAuthApp] = field(default_factory=dict)
    """The apps the viewer posted these from (Mastodon shows them to the author)."""


async def _account_of(db: Database, instance: Instance, facts: _PageFacts, actor_id: int
                      ) -> JSON:
    if actor_id not in facts.authors:
        actor = await get_actor(db, actor_id)
        assert actor is not None  # a post's actor is deleted with it
        facts.authors[actor_id] = await account_json(db, instance, actor)
    return facts.authors[actor_id]


def mention_json(actor: Actor) -> JSON:
    """Mastodon's Status::Mention."""
    return {"id": str(actor.id), "username": actor.username,
            "acct": actor.username if actor.local else actor.handle,
            "url": actor.url or actor.uri}


async def _page_facts(db: Database, posts: Sequence[Post], viewer: Actor | None
                      ) -> _PageFacts:
    ids = [post.id for post in posts]
    parent_ids = [post.in_reply_to_id for post in posts if post.in_reply_to_id is not None]
    mentioned = await post_store.mentions_of(db, ids)
    people: dict[int, JSON] = {}
    for actor_id in {i for found in mentioned.values() for i in found}:
        actor = await get_actor(db, actor_id)
        if actor is not None:
            people[actor_id] = mention_json(actor)
    facts = _PageFacts(
        parents=await post_store.posts_by_ids(db, parent_ids),
        media=await attachments_for(db, ids),
        mentions={post_id: [people[i] for i in found if i in people]
                  for post_id, found in mentioned.items()},
        tags=await post_store.tags_for(db, ids),
        likes=await interactions.counts_for(db, "like", ids),
        boosts=await interactions.counts_for(db, "boost", ids),
        replies=await post_store.reply_counts(db, ids),
    )
    if viewer is not None:
        facts.liked = await interactions.done_by(db, "like", viewer.id, ids)
        facts.boosted = await interactions.done_by(db, "boost", viewer.id, ids)
        facts.saved = await bookmark_store.bookmarked(db, viewer.id, ids)
        facts.apps = await oauth_store.apps_by_id(db, list({
            post.app_id for post in posts if post.actor_id == viewer.id and post.app_id}))
    return facts


def _application(post: Post, facts: _PageFacts, viewer: Actor | None) -> JSON | None:
    """The app a post was sent from, for its author only: which apps a member uses is
    theirs to know."""
    if viewer is None or post.actor_id != viewer.id or post.app_id is None:
        return None
    app = facts.apps.get(post.app_id)
    return None if app is None else {"name": app.name, "website": app.website}


async def _one_status(db: Database, instance: Instance, post: Post, facts: _PageFacts,
                      viewer: Actor | None) -> JSON:
    parent = None if post.in_reply_to_id is None else facts.parents.get(post.in_reply_to_id)
    base = instance.urls.base
    status: JSON = {
        "id": str(post.id),
        "uri": post.uri,
        "url": post.url or post.uri,
        "created_at": timestamp(post.published_at),
        "edited_at": timestamp(post.edited_at),
        "account": await _account_of(db, instance, facts, post.actor_id),
        "content": post.content_html,
        "visibility": VISIBILITY.get(post.visibility, "direct"),
        "kinhaven_visibility": post.visibility,
        "kinhaven_held": post.held_at is not None,
        "sensitive": post.sensitive,
        "spoiler_text": post.summary,
        "language": post.language,
        "in_reply_to_id": None if parent is None else str(parent.id),
        "in_reply_to_account_id": None if parent is None else str(parent.actor_id),
        "media_attachments": [media_json(instance, item)
                              for item in facts.media.get(post.id, [])],
        "mentions": facts.mentions.get(post.id, []),
        "tags": [{"name": tag, "url": f"{base}/tags/{tag}"}
                 for tag in facts.tags.get(post.id, [])],
        "emojis": [],
        "reblogs_count": facts.boosts.get(post.id, 0),
        "favourites_count": facts.likes.get(post.id, 0),
        "replies_count": facts.replies.get(post.id, 0),
        "reblog": None,
        "poll": None,
        "card": None,
        "application": _application(post, facts, viewer),
    }
    if viewer is not None:
        status.update({
            "favourited": post.id in facts.liked,
            "reblogged": post.id in facts.boosted,
            "bookmarked": post.id in facts.saved,
            "muted": False,
            "pinned": False,
        })
    return status


async def statuses_json(db: Database, instance: Instance, posts: Sequence[Post], *,
                        viewer: Actor | None = None) -> list[JSON]:
    """Mastodon's Statuses for a page of posts, in their order, with a fixed number of
    queries for the page. With a `viewer`, each says whether they liked, boosted or
    bookmarked it; without one those fields are left out, as Mastodon leaves them out
    for anonymous readers."""
    facts = await _page_facts(db, posts, viewer)
    return [await _one_status(db, instance, post, facts, viewer) for post in posts]


async def status_json(db: Database, instance: Instance, post: Post, *,
                      viewer: Actor | None = None) -> JSON:
    """Mastodon's Status for one post (see `statuses_json`)."""
    return (await statuses_json(db, instance, [post], viewer=viewer))[0]


BOOST_PREFIX = "b"
"""Boosts are numbered apart from posts, so a boost's Status id is `b<boost id>`."""


def boost_status_id(boost_id: int) -> str:
    return f"{BOOST_PREFIX}{boost_id}"


async def boost_status_json(db: Database, instance: Instance, original: JSON, booster: Actor,
                            boost: Boost, *, viewer: Actor | None = None) -> JSON:
    """A boost as Mastodon shows one: a Status of the booster's whose `reblog` is the
    Status boosted (`original`, already shaped for the viewer)."""
    shown: JSON = {
        **original,
        "id": boost_status_id(boost.id),
        "uri": boost.uri,
        "url": None,
        "created_at": timestamp(boost.created_at),
        "edited_at": None,
        "account": await account_json(db, instance, booster),
        "content": "",
        "spoiler_text": "",
        "sensitive": False,
        "language": None,
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "reblogs_count": 0,
        "favourites_count": 0,
        "replies_count": 0,
        "reblog": original,
    }
    if viewer is not None:
        shown.update({"favourited": False, "bookmarked": False,
                      "reblogged": original.get("reblogged", False)})
    return shown
