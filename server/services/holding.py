"""Deciding on held posts, for the queue page and `kinhaven queue` alike."""

from __future__ import annotations

from server.activitypub.context import Federation
from server.services.posting import release
from server.storage import holds as hold_store
from server.storage import inbound as inbound_store
from server.storage import posts as post_store
from server.workers.inbound import InboundWorker


class NotWaiting(Exception):
    """No hold with this id is waiting for a decision."""


async def decide_hold(federation: Federation, hold_id: int, *, approve: bool,
                      by_id: int | None, by_name: str, note: str) -> None:
    """Approve (the post goes out as if it had never been held) or reject (it stays with
    its author only, with the note)."""
    decided = await hold_store.decide(federation.db, hold_id, approve=approve, by_id=by_id,
                                      by_name=by_name, note=note)
    if decided is None:
        raise NotWaiting(hold_id)
    post = await post_store.get_post(federation.db, decided.post_id)
    if approve and post is not None and post.deleted_at is None:
        await release(federation, post)


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
