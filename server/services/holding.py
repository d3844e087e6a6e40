"""Deciding on held posts, for the queue page and `kinhaven queue` alike."""

from __future__ import annotations

import json

from federation.sanitize import sanitize_html
from moderation.auto_hide import POLICY as REPORTS_POLICY
from server.activitypub.context import Federation
from server.services.posting import delete, release
from server.storage import holds as hold_store
from server.storage import inbound as inbound_store
from server.storage import posts as post_store
from server.storage.actors import get_actor
from server.workers.inbound import InboundWorker

NOTE_LENGTH = 500
"""The longest note a moderator may leave on a decision (the author may read it)."""


class NotWaiting(Exception):
    """No hold with this id is waiting for a decision."""


async def decide_hold(federation: Federation, hold_id: int, *, approve: bool,
                      by_id: int | None, by_name: str, note: str) -> None:
    """Decide on a held post; a member whose post is turned down is told, with the note.

    A post held before it went out: approving sends it as if it had never been held;
    rejecting keeps it with its author only. A post hidden after reports
    (`moderation.auto_hide`) was published and delivered already: approving only shows
    it again (nothing is sent twice); rejecting removes it, as its author deleting it
    would for a member's post (a Delete follows where the Create went), or marks it
    deleted here for a post from elsewhere."""
    db = federation.db
    hold = await hold_store.get_hold(db, hold_id)
    if hold is None or hold.decision is not None:
        raise NotWaiting(hold_id)
    post = await post_store.get_post(db, hold.post_id)
    reported = hold.policy == REPORTS_POLICY
    notice = None
    if not approve and post is not None and post.local and post.deleted_at is None:
        notice = hold_store.AuthorNotice(post.actor_id, None if reported else post.id)
    if await hold_store.decide(db, hold_id, approve=approve, by_id=by_id, by_name=by_name,
                               note=note, notice=notice) is None:
        raise NotWaiting(hold_id)
    if post is None or post.deleted_at is not None:
        return
    if not reported:
        if approve:
            await release(federation, post)
    elif approve:
        await post_store.release_post(db, post, [])
    elif post.local:
        author = await get_actor(db, post.actor_id)
        assert author is not None
        await delete(federation, author, post)
    else:
        await post_store.mark_deleted(db, post.id)


async def decide_remote_hold(federation: Federation, held_id: int, *, approve: bool,
                             by_id: int | None, by_name: str, note: str) -> str | None:
    """Approve (the activity is applied as if it had just arrived and been accepted) or
    reject (it stays unapplied). Returns why an approved one could not be applied."""
    inbound_id = await hold_store.decide_inbound(federation.db, held_id, approve=approve,
                                                 by_id=by_id, by_name=by_name, note=note)
    if inbound_id is None:
        raise NotWaiting(held_id)
    if not approve:
        return None
    activity = await inbound_store.get_activity(federation.db, inbound_id)
    if activity is None:
        return "the activity is no longer stored"
    return await InboundWorker(federation).apply_approved(activity)


def held_activity_text(body: str) -> str:
    """What a held remote post says, made safe to show (it is remote HTML)."""
    try:
        activity = json.loads(body)
    except ValueError:
        return ""
    obj = activity.get("object") if isinstance(activity, dict) else None
    if not isinstance(obj, dict):
        return ""
    parts = [obj.get("summary"), obj.get("content")]
    return sanitize_html(" ".join(part for part in parts if isinstance(part, str)))
