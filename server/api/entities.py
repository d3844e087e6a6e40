"""Mastodon's entities built from our rows: Account, Admin::Account, Role, Status and
MediaAttachment, shaped as Mastodon's serializers shape them (ids as strings, times in
ISO 8601 with milliseconds and `Z`).

Where Kinhaven has something Mastodon lacks, the Mastodon field gets the nearest
honest value and a `kinhaven_*` field carries ours: members-only posts are `private`
with `kinhaven_visibility: "local"`. Kinhaven keeps no sign-in addresses, so `ip` is
always null. Remote avatars and media go through the instance's media proxy, as the
pages show them, so a client never contacts another server for them.
"""

from __future__ import annotations

from typing import Any

from server.clock import from_text, to_text
from server.instance import Instance
from server.media.proxy import proxy_path
from server.media.store import media_url
from server.storage import accounts as account_store
from server.storage import follows as follow_store
from server.storage import holds as hold_store
from server.storage import posts as post_store
from server.storage import sanctions
from server.storage.accounts import Account
from server.storage.actors import Actor, get_actor
from server.storage.database import Database
from server.storage.media import Attachment, attachments_for
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


async def status_json(db: Database, instance: Instance, post: Post) -> JSON:
    """Mastodon's Status, without what Kinhaven does not count for clients yet
    (boosts, favourites, replies: zero; mentions and tags: empty)."""
    author = await get_actor(db, post.actor_id)
    assert author is not None  # a post's actor is deleted with it
    parent = None if post.in_reply_to_id is None else await post_store.get_post(
        db, post.in_reply_to_id)
    media = (await attachments_for(db, [post.id])).get(post.id, [])
    return {
        "id": str(post.id),
        "uri": post.uri,
        "url": post.url or post.uri,
        "created_at": timestamp(post.published_at),
        "edited_at": timestamp(post.edited_at),
        "account": await account_json(db, instance, author),
        "content": post.content_html,
        "visibility": VISIBILITY.get(post.visibility, "direct"),
        "kinhaven_visibility": post.visibility,
        "sensitive": post.sensitive,
        "spoiler_text": post.summary,
        "language": post.language,
        "in_reply_to_id": None if parent is None else str(parent.id),
        "in_reply_to_account_id": None if parent is None else str(parent.actor_id),
        "media_attachments": [media_json(instance, item) for item in media],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "reblogs_count": 0,
        "favourites_count": 0,
        "replies_count": 0,
        "reblog": None,
        "poll": None,
        "card": None,
        "application": None,
    }
