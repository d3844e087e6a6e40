"""Reported posts hidden while no moderator is on duty.

When nobody on the team is watching (`moderation.duty`), a post that several members
report is hidden until a moderator has looked, rather than staying up all night. The
thresholds are deliberately small numbers of people, not a score: three different
members, or five reports in all (one worried member may report more than once).
"""

from __future__ import annotations

POLICY = "reports"
"""The name the hold carries, so the queue knows the post was already published."""
REPORTERS_TO_HIDE = 3
REPORTS_TO_HIDE = 5


def hide_reason(*, reporters: int, reports: int, on_duty: bool) -> str | None:
    """Why the post is to be hidden now, or None to leave it up. `reporters` counts the
    different members with an open report about it, `reports` all those reports."""
    if on_duty:
        return None
    if reporters >= REPORTERS_TO_HIDE:
        return f"Reported by {reporters} members while no moderator was on duty"
    if reports >= REPORTS_TO_HIDE:
        return f"Reported {reports} times while no moderator was on duty"
    return None
