"""A member changing how others see them: name, bio, picture and the privacy choices
that remote servers keep a copy of. Each change goes to the followers' servers as an
Update of the Person, as Mastodon sends it, so their copies do not go stale.

The settings pages save the profile and the privacy choices apart; the client API's
`update_credentials` saves both at once (`update_account`). Both check a name and bio
with `profile_problems`, so the limits are the same wherever a member edits them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from federation import activities
from federation.activitystreams import PUBLIC
from federation.actors import build_actor
from server.activitypub.context import Federation
from server.activitypub.convert import to_actor_facts
from server.formatting import MentionRef, find_mentions, render
from server.media.images import ProcessedImage
from server.media.store import MediaStore, media_url
from server.services.delivery import send
from server.storage import accounts as account_store
from server.storage import follows as follow_store
from server.storage import profiles as profile_store
from server.storage.accounts import PrivacyChoices
from server.storage.actors import Actor, get_actor, get_local_actor_by_username
from server.storage.profiles import Picture

DISPLAY_NAME_MAX = 30
BIO_MAX = 500
MENTIONS_MAX = 20


def profile_problems(display_name: str, bio: str) -> dict[str, str]:
    """What keeps a name and bio from being saved, by field, in words for the member
    (empty when nothing does)."""
    problems: dict[str, str] = {}
    if len(display_name) > DISPLAY_NAME_MAX:
        problems["display_name"] = \
            f"Please keep your name to {DISPLAY_NAME_MAX} characters or fewer."
    elif any(not character.isprintable() for character in display_name):
        problems["display_name"] = "Your name can only have letters, numbers and symbols."
    if len(bio) > BIO_MAX:
        problems["bio"] = (f"Please keep your bio to {BIO_MAX} characters or fewer"
                           f" (it has {len(bio)}).")
    return problems


async def _current(federation: Federation, member: Actor) -> Actor:
    actor = await get_actor(federation.db, member.id)
    assert actor is not None
    return actor


async def announce_profile(federation: Federation, member: Actor) -> None:
    """Send the Person as it is now to every server where someone follows the member."""
    actor = await _current(federation, member)
    person = build_actor(to_actor_facts(actor, federation.instance.urls))
    activity = activities.update(
        f"{actor.uri}#updates/{secrets.token_hex(8)}", actor.uri, person,
        to=[PUBLIC], cc=[actor.followers_uri] if actor.followers_uri else [],
    )
    await send(federation, activity, actor,
               await follow_store.follower_inboxes(federation.db, actor.id))


async def _mention_urls(federation: Federation, text: str) -> dict[MentionRef, str]:
    """Mentions of members here and of people this server already knows; a bio is saved
    without calling out to other servers, so anyone else stays plain text."""
    local_domain = federation.instance.settings.domain.lower()
    urls: dict[MentionRef, str] = {}
    for ref in find_mentions(text)[:MENTIONS_MAX]:
        if ref.host is None or ref.host == local_domain:
            actor = await get_local_actor_by_username(federation.db, ref.username)
        else:
            actor = await profile_store.known_person(federation.db, ref.username, ref.host)
        if actor is not None and actor.actor_type == "Person" and actor.deleted_at is None:
            urls[ref] = actor.url or actor.uri
    return urls


async def bio_html(federation: Federation, text: str) -> str:
    """A bio typed as plain text, as safe HTML with links, mentions and hashtags."""
    if not text.strip():
        return ""
    formatted = render(
        text, mention_urls=await _mention_urls(federation, text),
        tag_url=f"{federation.instance.urls.base}/tags/{{tag}}",
    )
    return formatted.html


@dataclass(frozen=True)
class ProfileChange:
    """What the profile form sends, already checked against the limits above.
    `avatar` is a processed upload (metadata gone); `default_avatar` asks for ours."""

    display_name: str
    bio: str
    avatar: ProcessedImage | None = None
    default_avatar: bool = False


async def update_profile(federation: Federation, member: Actor, change: ProfileChange) -> None:
    """Save the profile, then send one Update to followers' servers."""
    db = federation.db
    await profile_store.save_profile(
        db, member.id, display_name=change.display_name,
        summary_html=await bio_html(federation, change.bio), bio_source=change.bio,
    )
    if change.avatar is not None or change.default_avatar:
        await _replace_avatar(federation, member, change.avatar)
    await announce_profile(federation, member)


def _own_media_name(federation: Federation, url: str | None) -> str | None:
    prefix = media_url(federation.instance.urls.base, "")
    return url[len(prefix):] if url and url.startswith(prefix) else None


async def _replace_avatar(federation: Federation, member: Actor,
                          image: ProcessedImage | None) -> None:
    """The processed preview as the new picture, or None for the default one; the old
    file is removed once the new one is in place."""
    store = MediaStore.for_settings(federation.instance.settings)
    old = _own_media_name(federation, (await _current(federation, member)).icon_url)
    if image is None:
        await profile_store.save_avatar(federation.db, member.id, url=None, media_type=None)
    else:
        picture = image.preview
        name = store.new_name(picture.extension)
        await store.save(name, picture.data)
        await profile_store.save_avatar(
            federation.db, member.id, url=media_url(federation.instance.urls.base, name),
            media_type=picture.content_type,
        )
    if old is not None:
        await store.remove(old)


async def forget_avatar_file(federation: Federation, member: Actor) -> None:
    """Remove the picture's file (an account being closed): nothing of it is kept."""
    old = _own_media_name(federation, member.icon_url)
    if old is not None:
        await MediaStore.for_settings(federation.instance.settings).remove(old)


async def update_privacy(federation: Federation, member: Actor,
                         choices: PrivacyChoices) -> None:
    """Save the choices; what the Person document says (follow approval, discoverable)
    is sent to followers' servers when it changed."""
    before = await _current(federation, member)
    await account_store.set_privacy(federation.db, member.id, choices)
    if (before.manually_approves_followers != choices.manually_approves_followers
            or before.discoverable != choices.discoverable):
        await announce_profile(federation, member)


@dataclass(frozen=True)
class AccountChange:
    """Profile and privacy as they are to be after one client API request (the caller
    fills in what the request left out), already checked with `profile_problems`;
    `avatar` is a processed upload, or None to keep the picture."""

    display_name: str
    bio: str
    privacy: PrivacyChoices
    avatar: ProcessedImage | None = None


async def update_account(federation: Federation, member: Actor, change: AccountChange) -> None:
    """Save everything in one transaction, then send one Update to followers' servers.
    A new picture's file is written first: if the save fails, that file is removed and
    the old picture stays; once it succeeds, the old file is removed."""
    db = federation.db
    summary_html = await bio_html(federation, change.bio)
    store = MediaStore.for_settings(federation.instance.settings)
    old = _own_media_name(federation, (await _current(federation, member)).icon_url)
    name, picture = None, None
    if change.avatar is not None:
        preview = change.avatar.preview
        name = store.new_name(preview.extension)
        await store.save(name, preview.data)
        picture = Picture(media_url(federation.instance.urls.base, name), preview.content_type)
    try:
        await profile_store.save_settings(
            db, member.id, display_name=change.display_name, summary_html=summary_html,
            bio_source=change.bio, privacy=change.privacy, avatar=picture,
        )
    except BaseException:
        if name is not None:
            await store.remove(name)
        raise
    if name is not None and old is not None:
        await store.remove(old)
    await announce_profile(federation, member)
