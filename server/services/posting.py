"""Posting: a member's post, its Create, and its deliveries, committed together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from federation import activities
from federation.notes import (
    FEDERATED_VISIBILITIES,
    NOTE_CONTEXT,
    NoteFacts,
    address,
    build_create,
    build_note,
)
from moderation.auto_hide import POLICY as REPORTS_POLICY
from moderation.keywords import CW_PREFIX
from moderation.pipeline import Action
from server.activitypub.context import Federation
from server.activitypub.convert import to_note_facts
from server.formatting import MentionRef, find_mentions, render
from server.local_posts import judge_local_post
from server.media.attachments import attachment_facts, local_files
from server.media.store import MediaStore
from server.services.delivery import deliveries, inbox_for, permitted_inboxes, send
from server.services.relations import RelationError, find_remote_account
from server.storage import follows as follow_store
from server.storage import holds as hold_store
from server.storage import media as media_store
from server.storage import posts as post_store
from server.storage import sanctions as sanction_store
from server.storage.actors import Actor, get_actor, get_local_actor_by_username
from server.storage.decisions import record_decision
from server.storage.deliveries import Delivery
from server.storage.posts import VISIBILITIES, Post

MAX_POST_CHARACTERS = 5000
MAX_SUMMARY_CHARACTERS = 500
MAX_MEDIA = 4


NARROWEST_LAST = ("public", "unlisted", "local", "followers", "direct")


def reply_visibility(own_default: str, parent: Post) -> str:
    """Who a reply reaches when the member does not say: no more than its parent does
    (Mastodon's rule) nor more than their own default, so a reply to a private post
    never quotes it to a wider audience by accident."""
    return max(own_default, parent.visibility, key=NARROWEST_LAST.index)


class PostError(Exception):
    """A post that cannot be published; `field` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


async def _resolve_mentions(federation: Federation, text: str) -> dict[MentionRef, Actor]:
    """Mentions we can name: members here, and remote people found through WebFinger.
    A mention we cannot resolve stays plain text rather than failing the post."""
    found: dict[MentionRef, Actor] = {}
    local_domain = federation.instance.settings.domain.lower()
    for ref in find_mentions(text)[:20]:
        if ref.host is None or ref.host == local_domain:
            actor = await get_local_actor_by_username(federation.db, ref.username)
        else:
            try:
                actor = await find_remote_account(federation, f"{ref.username}@{ref.host}")
            except RelationError:
                actor = None
        if actor is not None and actor.actor_type == "Person":
            found[ref] = actor
    return found


async def note_facts(federation: Federation, post: Post, author: Actor) -> NoteFacts:
    """The Note as it federates, mentions, hashtags and attachments included."""
    mentioned = [await get_actor(federation.db, i)
                 for i in await post_store.mentioned_actor_ids(federation.db, post.id)]
    tags = await post_store.tags_of(federation.db, post.id)
    media = (await media_store.attachments_for(federation.db, [post.id])).get(post.id, [])
    base = federation.instance.urls.base
    return replace(
        to_note_facts(post, author),
        mentions=[(a.uri, f"@{a.handle}") for a in mentioned if a is not None],
        hashtags=[(f"{base}/tags/{t}", f"#{t}") for t in tags],
        attachments=[attachment_facts(m, base) for m in media],
    )


async def _audience_inboxes(federation: Federation, author: Actor, visibility: str,
                            mentioned: list[Actor], parent_author: Actor | None) -> list[str]:
    if visibility not in FEDERATED_VISIBILITIES:
        return []
    inboxes = [] if visibility == "direct" else await follow_store.follower_inboxes(
        federation.db, author.id)
    recipients = [*mentioned, *([parent_author] if parent_author else [])]
    if visibility == "direct":
        recipients = mentioned
    for actor in recipients:  # someone suspended here is sent nothing, mentioned or not
        if not actor.local and not (
                await sanction_store.standing_of(federation.db, actor.uri)).suspended:
            inboxes.append(inbox_for(actor, "Create"))
    return list(dict.fromkeys(inboxes))


async def publish(
    federation: Federation,
    author: Actor,
    text: str,
    *,
    visibility: str,
    summary: str = "",
    sensitive: bool = False,
    in_reply_to: str | None = None,
    media_ids: Sequence[int] = (),
    language: str | None = None,
    app_id: int | None = None,
) -> Post:
    """Store and send a member's post; `media_ids` are their own uploads, not yet in a
    post, attached in that order in the same transaction. `app_id` is the OAuth app
    it was sent from, shown to its author alone."""
    text = text.strip()
    media_ids = list(dict.fromkeys(media_ids))
    if not text and not media_ids:
        raise PostError("text", "a post needs some text")
    if len(text) > MAX_POST_CHARACTERS:
        raise PostError("text", f"posts are limited to {MAX_POST_CHARACTERS} characters")
    if len(summary) > MAX_SUMMARY_CHARACTERS:
        raise PostError("summary", f"content warnings are limited to {MAX_SUMMARY_CHARACTERS}")
    if visibility not in VISIBILITIES:
        raise PostError("visibility", f"visibility must be one of {', '.join(VISIBILITIES)}")
    db = federation.db
    urls = federation.instance.urls
    if len(media_ids) > MAX_MEDIA:
        raise PostError("media_ids", f"a post can have at most {MAX_MEDIA} images")
    media = await media_store.unattached_uploads(db, author.id, media_ids)
    if len(media) != len(media_ids):
        raise PostError("media_ids", "some of these images are not yours or are already posted")
    parent = None if in_reply_to is None else await post_store.get_post_by_uri(db, in_reply_to)
    if in_reply_to is not None and parent is None:
        raise PostError("in_reply_to", "the post you are replying to is not known here")
    parent_author = None if parent is None else await get_actor(db, parent.actor_id)
    resolved = await _resolve_mentions(federation, text)
    formatted = render(
        text,
        mention_urls={ref: actor.url or actor.uri for ref, actor in resolved.items()},
        tag_url=f"{urls.base}/tags/{{tag}}",
    )
    mentioned = [resolved[ref] for ref in formatted.mentions]
    inboxes = await _audience_inboxes(federation, author, visibility, mentioned, parent_author)
    inboxes = await permitted_inboxes(
        federation, "Create", author, inboxes, subject=f"{author.uri} (new post)"
    )

    decision = await judge_local_post(
        db, author_uri=author.uri, domain=federation.instance.settings.domain,
        text=f"{summary}\n{text}", visibility=visibility,
    )
    if decision.action is not Action.HOLD:  # a hold is kept with the held post
        await record_decision(db, decision, direction="outbound",
                              subject_uri=f"{author.uri} (new post)",
                              domain=federation.instance.settings.domain)
    if decision.action is Action.REJECT:
        raise PostError("text", f"this post cannot be published here: {decision.reason}")
    hold = (decision.policy, decision.reason) if decision.action is Action.HOLD else None
    alert = (decision.policy, decision.reason) if {"alert", "flag"} & set(
        decision.rewrites) else None
    for rewrite in decision.rewrites:
        if rewrite == "sensitive":
            sensitive = True
        elif rewrite.startswith(CW_PREFIX) and not summary.strip():
            summary = rewrite.removeprefix(CW_PREFIX)

    def jobs(post: Post) -> list[Delivery]:
        if post.visibility not in FEDERATED_VISIBILITIES:
            return []
        facts = replace(
            to_note_facts(post, author),
            mentions=[(a.uri, f"@{a.handle}") for a in mentioned],
            hashtags=[(f"{urls.base}/tags/{t}", f"#{t}") for t in formatted.hashtags],
            attachments=[attachment_facts(m, urls.base) for m in media],
        )
        return deliveries(build_create(build_note(facts)), author, inboxes)

    try:
        post = await post_store.insert_local_post(
            db, actor_id=author.id, uri_for_id=urls.post(author.username, "{id}"),
            url_for_id=urls.post_page(author.username, "{id}"),
            content_html=formatted.html, source_text=text, visibility=visibility,
            summary=summary.strip(), sensitive=sensitive or bool(summary.strip()),
            language=language, in_reply_to_uri=in_reply_to,
            mention_actor_ids=[a.id for a in mentioned],
            tags=formatted.hashtags, media_ids=media_ids, deliveries=jobs, hold=hold,
            alert=alert, support_note="support_note" in decision.rewrites,
            notices=member_notices(author, visibility, mentioned, parent_author),
            app_id=app_id,
        )
    except media_store.MediaUnavailable as error:  # attached elsewhere in the meantime
        raise PostError("media_ids", str(error)) from error
    if inboxes and visibility in FEDERATED_VISIBILITIES and hold is None:
        federation.delivery_ready.set()
    return post


async def release(federation: Federation, post: Post) -> None:
    """A moderator approved a held post: it becomes visible, is sent as a Create would
    have been when it was written, and the members it mentions or answers hear of it."""
    author = await get_actor(federation.db, post.actor_id)
    assert author is not None
    mentioned, parent_author = await _addressed(federation, post)
    jobs: list[Delivery] = []
    if post.visibility in FEDERATED_VISIBILITIES:
        inboxes = await permitted_inboxes(
            federation, "Create", author,
            await _audience_inboxes(federation, author, post.visibility, mentioned,
                                    parent_author),
            subject=f"{post.uri} (approved)",
        )
        note = build_note(await note_facts(federation, post, author))
        jobs = deliveries(build_create(note), author, inboxes)
    notices = member_notices(author, post.visibility, mentioned, parent_author)
    await post_store.release_post(federation.db, post, jobs, notices)
    if jobs:
        federation.delivery_ready.set()


async def _addressed(federation: Federation, post: Post) -> tuple[list[Actor], Actor | None]:
    """The people a stored post mentions, and the author of the post it answers."""
    mentioned = [a for a in [await get_actor(federation.db, i) for i in
                             await post_store.mentioned_actor_ids(federation.db, post.id)]
                 if a is not None]
    parent = (None if post.in_reply_to_uri is None
              else await post_store.get_post_by_uri(federation.db, post.in_reply_to_uri))
    parent_author = None if parent is None else await get_actor(federation.db, parent.actor_id)
    return mentioned, parent_author


def member_notices(author: Actor, visibility: str, mentioned: list[Actor],
                   parent_author: Actor | None) -> list[tuple[int, str]]:
    """Members here to notify of a new post, as a post from elsewhere notifies them: each
    member mentioned, and the author of the post it answers (unless a direct message
    leaves them out). Nobody is notified of their own post."""
    notices = [(actor.id, "mention") for actor in mentioned
               if actor.local and actor.id != author.id]
    if parent_author is not None and parent_author.local and parent_author.id != author.id \
            and visibility != "direct" and parent_author not in mentioned:
        notices.append((parent_author.id, "reply"))
    return list(dict.fromkeys(notices))


async def _recipients(federation: Federation, post: Post, author: Actor) -> list[str]:
    mentioned, parent_author = await _addressed(federation, post)
    return await _audience_inboxes(federation, author, post.visibility, mentioned, parent_author)


async def _went_out(federation: Federation, post: Post) -> bool:
    """Whether the post's Create was sent: it is not held, or it was hidden only after it
    had gone out (after reports), so others have it and are to hear of changes."""
    if post.held_at is None:
        return True
    hold = await hold_store.hold_of_post(federation.db, post.id)
    return hold is not None and hold.policy == REPORTS_POLICY


async def edit(federation: Federation, author: Actor, post: Post, text: str, *,
               summary: str = "", sensitive: bool = False) -> Post:
    """A member's own post, rewritten; a content warning always marks it sensitive."""
    if post.actor_id != author.id:
        raise PostError("post", "only the author can edit a post")
    text = text.strip()
    if not text or len(text) > MAX_POST_CHARACTERS:
        raise PostError("text", f"a post needs 1 to {MAX_POST_CHARACTERS} characters")
    if len(summary) > MAX_SUMMARY_CHARACTERS:
        raise PostError("summary", f"content warnings are limited to {MAX_SUMMARY_CHARACTERS}")
    resolved = await _resolve_mentions(federation, text)
    formatted = render(
        text,
        mention_urls={ref: actor.url or actor.uri for ref, actor in resolved.items()},
        tag_url=f"{federation.instance.urls.base}/tags/{{tag}}",
    )
    await post_store.update_post(federation.db, post.id, content_html=formatted.html,
                                 summary=summary.strip(),
                                 sensitive=sensitive or bool(summary.strip()),
                                 source_text=text)
    await post_store.add_mentions_and_tags(
        federation.db, post.id, actor_ids=[resolved[ref].id for ref in formatted.mentions],
        tags=formatted.hashtags,
    )
    updated = await post_store.get_post(federation.db, post.id)
    assert updated is not None
    if updated.visibility in FEDERATED_VISIBILITIES and await _went_out(federation, updated):
        note = build_note(await note_facts(federation, updated, author))
        stamp = (updated.edited_at or updated.published_at)[:19]
        activity = activities.update(
            f"{updated.uri}#updates/{stamp}", author.uri, {"@context": NOTE_CONTEXT, **note},
            to=note["to"], cc=note["cc"],
        )
        await send(federation, activity, author, await _recipients(federation, updated, author))
    return updated


async def delete(federation: Federation, author: Actor, post: Post) -> None:
    if post.actor_id != author.id:
        raise PostError("post", "only the author can delete a post")
    inboxes = await _recipients(federation, post, author)
    media = (await media_store.attachments_for(federation.db, [post.id])).get(post.id, [])
    went_out = await _went_out(federation, post)
    await post_store.delete_post(federation.db, post.id, post.uri)
    await MediaStore.for_settings(federation.instance.settings).remove(*local_files(media))
    if post.visibility in FEDERATED_VISIBILITIES and went_out:
        addressing = address(post.visibility, followers=author.followers_uri or "",
                             mentions=[])
        await send(federation, activities.delete_note(author.uri, post.uri, to=addressing.to,
                                                      cc=addressing.cc), author, inboxes)
