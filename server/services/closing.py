"""A member deleting their account: everyone who knew them is told, then it is gone."""

from __future__ import annotations

from federation import activities
from server.activitypub.context import Federation
from server.services.delivery import send
from server.storage import accounts as account_store
from server.storage import follows as follow_store
from server.storage.actors import Actor


async def delete_account(federation: Federation, member: Actor) -> None:
    inboxes = await follow_store.connected_inboxes(federation.db, member.id)
    await send(federation, activities.delete_actor(member.uri), member, inboxes)
    await account_store.close_account(federation.db, member.id)
