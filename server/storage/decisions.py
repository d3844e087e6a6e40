"""What the policy pipelines decided other than plain acceptance: every rejection and
rewrite, inbound and outbound, with the deciding policy and its reason, for the team to
read back. (Holds are kept with the held item, in `holds`.)"""

from __future__ import annotations

from dataclasses import dataclass

from moderation import pipeline
from server.clock import now_text
from server.storage.database import Database

PAGE = 50


@dataclass(frozen=True)
class Decision:
    id: int
    direction: str
    subject_uri: str
    domain: str
    action: str
    policy: str
    reason: str
    created_at: str


async def record_decision(db: Database, decision: pipeline.Decision, *, direction: str,
                          subject_uri: str, domain: str) -> None:
    """Keep a rejection or a rewrite (an acceptance is not worth a row)."""
    if decision.action is pipeline.Action.ACCEPT:
        return
    reason = decision.reason
    if decision.rewrites:
        reason = f"{reason} [{', '.join(decision.rewrites)}]"
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO moderation_decisions (direction, subject_uri, domain, action, policy,"
            " reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (direction, subject_uri, domain, decision.action.value, decision.policy, reason,
             now_text()),
        )


async def recent_decisions(db: Database, *, before: int | None = None,
                           domain: str | None = None, limit: int = PAGE) -> list[Decision]:
    """Newest first, below the id `before`, for one domain if given."""
    rows = await db.fetch_all(
        "SELECT id, direction, subject_uri, domain, action, policy, reason, created_at"
        " FROM moderation_decisions WHERE id < ? AND (? IS NULL OR domain = lower(?))"
        " ORDER BY id DESC LIMIT ?",
        (before if before is not None else 2**62, domain, domain, limit))
    return [Decision(*row) for row in rows]
