"""Moderators' actions for tests, through the same service the pages and the API use."""

from __future__ import annotations

from server.services.sanctions import Moderator, sanction
from server.storage.actors import get_actor
from server.storage.database import Database
from server.storage.sanctions import Sanction

CONSOLE = Moderator(actor_id=None, name="test console", role="admin")


async def sanction_account(db: Database, actor_id: int, kind: str, *, duration: str = "lifted",
                           reason: str = "test reason") -> Sanction:
    target = await get_actor(db, actor_id)
    assert target is not None
    return await sanction(db, target, kind=kind, duration=duration, reason=reason, note="",
                          by=CONSOLE)
