"""Hiding a reported post while no moderator is on duty, until one has looked.

Called after each member's report about a post: the admins' duty hours say whether
someone is watching, the open reports say how many members are worried, and
`moderation.auto_hide` decides. The post then waits in the hold queue like a held one,
seen only by its author; it was published and delivered already, so the queue's
decisions on it are different (`server.services.holding`).
"""

from __future__ import annotations

import logging
from datetime import datetime

from moderation.auto_hide import POLICY, hide_reason
from moderation.duty import on_duty
from server.clock import now
from server.duty_hours import load_duty_hours
from server.storage import holds as hold_store
from server.storage import reports as report_store
from server.storage.database import Database
from server.storage.posts import Post

logger = logging.getLogger(__name__)

AUTOMATIC = "Kinhaven (automatic)"
"""Who the audit log says acted: no person did."""


async def hide_if_reported_enough(db: Database, post: Post, *,
                                  moment: datetime | None = None) -> bool:
    """Hide `post` when the reports about it call for it now; True if it was hidden.
    A post is hidden this way once at most: after a moderator's decision, later
    reports wait for the team like any others."""
    if post.held_at is not None or post.deleted_at is not None:
        return False
    hours = await load_duty_hours(db)
    watched = on_duty(hours, moment or now())
    if watched:
        return False
    reporters, reports = await report_store.open_report_counts(db, post.uri)
    reason = hide_reason(reporters=reporters, reports=reports, on_duty=watched)
    if reason is None:
        return False
    hidden = await hold_store.hide_post(db, post.id, policy=POLICY, reason=reason,
                                        by_name=AUTOMATIC)
    if hidden:
        logger.info("post %s hidden: %s", post.id, reason)
    return hidden
