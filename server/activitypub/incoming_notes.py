"""Remote notes arriving, stored in batches: every fact the checks need is fetched in
one query per kind for the whole batch, and the batch is written in one transaction.
A single note takes the same path as a batch of one."""

from __future__ import annotations

from dataclasses import dataclass

from federation.parse import IncomingNote, MalformedActivity, host_of, parse_note, visibility
from federation.sanitize import sanitize_html
from moderation.keywords import CW_PREFIX
from server.activitypub.context import Federation
from server.storage import actors as actor_store
from server.storage import follows as follow_store
from server.storage import posts as post_store
from server.storage.actors import Actor
from server.storage.media import NewRemoteAttachment
from server.storage.posts import NewRemotePost, Post


class NoteDropped(Exception):
    """The note was read and deliberately not stored; the message says why."""


@dataclass(frozen=True)
class Arrival:
    document: object
    sender: Actor
    boosted: bool = False
    """Boosted by someone a member follows: it concerns that member, whoever wrote it."""
    rewrites: tuple[str, ...] = ()
    """What moderation changes on the way in: "sensitive", "strip_media", "cw:<text>"."""


def _read(arrival: Arrival) -> IncomingNote:
    try:
        note = parse_note(arrival.document)
    except MalformedActivity as error:
        raise NoteDropped(str(error)) from error
    sender = arrival.sender
    if note.attributed_to != sender.uri or host_of(note.uri) != host_of(sender.uri):
        raise NoteDropped("the note is not the sender's own")
    return note


async def store_notes(federation: Federation, arrivals: list[Arrival]
                      ) -> list[Post | NoteDropped]:
    """Store each note that concerns someone here (Mastodon's rule: a member follows the
    sender, is mentioned, or is replied to); the result lines up with `arrivals`."""
    db = federation.db
    read: list[IncomingNote | NoteDropped] = []
    for arrival in arrivals:
        try:
            read.append(_read(arrival))
        except NoteDropped as dropped:
            read.append(dropped)
    notes = [note for note in read if isinstance(note, IncomingNote)]
    mentioned = await actor_store.local_actor_ids(
        db, list(dict.fromkeys(href for note in notes for href in note.mentions[:50])))
    parents = await post_store.posts_by_uri(
        db, list(dict.fromkeys(n.in_reply_to for n in notes if n.in_reply_to)))
    followed = await follow_store.with_local_followers(
        db, list({arrival.sender.id for arrival in arrivals}))
    gone = await post_store.tombstoned(db, [note.uri for note in notes])

    outcome: list[NewRemotePost | NoteDropped] = []
    writes = []
    for arrival, note in zip(arrivals, read, strict=True):
        if isinstance(note, NoteDropped):
            outcome.append(note)
            continue
        sender = arrival.sender
        mention_ids = list(dict.fromkeys(mentioned[h] for h in note.mentions if h in mentioned))
        parent = parents.get(note.in_reply_to) if note.in_reply_to else None
        replied_here = parent is not None and parent.local
        if not (arrival.boosted or mention_ids or replied_here or sender.id in followed):
            outcome.append(NoteDropped("the post concerns nobody here"))
            continue
        if note.uri in gone:
            outcome.append(NoteDropped(f"{note.uri} was deleted"))
            continue
        notify = [(actor_id, "mention") for actor_id in mention_ids]
        if parent is not None and replied_here and parent.actor_id not in mention_ids:
            notify.append((parent.actor_id, "reply"))
        rewrites = arrival.rewrites
        warning = next((r.removeprefix(CW_PREFIX) for r in rewrites if r.startswith(CW_PREFIX)),
                       "")
        post = NewRemotePost(
            uri=note.uri, actor_id=sender.id, url=note.url, in_reply_to_uri=note.in_reply_to,
            content_html=sanitize_html(note.content_html),
            summary=(note.summary or warning)[:500],
            sensitive=note.sensitive or "sensitive" in rewrites,
            visibility=visibility(note.to, note.cc, sender.followers_uri),
            language=note.language, published_at=note.published or "",
            mention_actor_ids=tuple(mention_ids), tags=tuple(note.hashtags),
            attachments=() if "strip_media" in rewrites else tuple(
                NewRemoteAttachment(a.url, a.media_type, a.name, a.width, a.height, a.blurhash)
                for a in note.attachments),
        )
        outcome.append(post)
        writes.append((post, notify))
    stored = await post_store.insert_remote_posts(db, writes)
    results: list[Post | NoteDropped] = []
    for item in outcome:
        if isinstance(item, NoteDropped):
            results.append(item)
        elif item.uri in stored:
            results.append(stored[item.uri])
        else:
            results.append(NoteDropped(f"{item.uri} was deleted"))
    return results
