"""Moderators' actions for tests, through the same service the pages and the API use."""

from __future__ import annotations

from server.services.sanctions import Moderator, sanction
from server.storage.actors import get_actor
from server.storage.database import Database
from server.storage.sanctions import Sanction

PAST = "2000-01-01T00:00:00.000Z"
CONSOLE = Moderator(actor_id=None, name="test console", role="admin")


async def sanction_account(db: Database, actor_id: int, kind: str, *, duration: str = "lifted",
                           reason: str = "test reason") -> Sanction:
    target = await get_actor(db, actor_id)
    assert target is not None
    return await sanction(db, target, kind=kind, duration=duration, reason=reason, note="",
                          by=CONSOLE)


async def end_sanctions_now(db: Database, actor_id: int) -> None:
    """Time passes: every standing sanction of the actor reaches its end."""
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE actors SET suspended_until = min(suspended_until, ?),"
            " limited_until = min(limited_until, ?), sensitive_until = min(sensitive_until, ?)"
            " WHERE id = ?", (*[PAST] * 3, actor_id))


async def open_follows(db: Database, actor_id: int) -> None:
    """The member lets anyone follow without asking (the default is to ask)."""
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE actors SET manually_approves_followers = 0 WHERE id = ?", (actor_id,))
