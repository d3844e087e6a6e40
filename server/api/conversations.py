"""Mastodon's conversations: the member's direct-message threads, each with the
others in it, its last post and whether it is unread; marking one read, and removing
one from the list.

What a conversation holds is read by `server.storage.conversations` under the thread
page's rules, so a direct post is seen only by its author and the people it names,
and nothing from people the member blocks or mutes is shown. A conversation's id is
its thread root's post id; pages go by the id of each one's last post, as Mastodon's.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api.auth import Caller, require_scope
from server.api.entities import JSON, account_json
from server.api.errors import or_not_found
from server.api.paging import paged_json, read_window
from server.api.params import read_params
from server.api.responses import api_json
from server.api.routing import record_id
from server.api.timeline_statuses import post_status
from server.instance import Instance
from server.storage import conversations as conversation_store
from server.storage.actors import get_actor
from server.storage.conversations import Conversation
from server.storage.database import Database
from server.web.state import db_of, instance_of

READ, WRITE = "read:statuses", "write:conversations"
DEFAULT_LIMIT, MAX_LIMIT = 20, 40


async def _entity(db: Database, instance: Instance, caller: Caller,
                  conversation: Conversation) -> JSON:
    accounts = []
    for actor_id in conversation.participant_ids:
        actor = await get_actor(db, actor_id)
        if actor is not None:
            accounts.append(await account_json(db, instance, actor))
    return {
        "id": str(conversation.id),
        "unread": conversation.unread,
        "accounts": accounts,
        "last_status": await post_status(db, instance, conversation.last, caller.actor),
    }


async def list_conversations(request: Request) -> Response:
    caller = await require_scope(request, READ)
    window = read_window(await read_params(request), default=DEFAULT_LIMIT,
                         maximum=MAX_LIMIT)
    db, instance = db_of(request), instance_of(request)
    found = await conversation_store.page(db, caller.actor.id, window)
    entities = [await _entity(db, instance, caller, item) for item in found]
    return paged_json(request, entities, window, [item.last.id for item in found])


async def _one(request: Request, caller: Caller) -> Conversation:
    return or_not_found(await conversation_store.get(
        db_of(request), caller.actor.id, record_id(request)))


async def remove_conversation(request: Request) -> Response:
    caller = await require_scope(request, WRITE)
    await read_params(request)
    await conversation_store.remove(db_of(request), caller.actor.id,
                                    await _one(request, caller))
    return api_json({})


async def read_conversation(request: Request) -> Response:
    caller = await require_scope(request, WRITE)
    await read_params(request)
    db = db_of(request)
    conversation = await _one(request, caller)
    await conversation_store.mark_read(db, caller.actor.id, conversation)
    read = or_not_found(await conversation_store.get(db, caller.actor.id, conversation.id))
    return api_json(await _entity(db, instance_of(request), caller, read))


routes = [
    Route("/v1/conversations", list_conversations, methods=["GET"]),
    Route("/v1/conversations/{id}", remove_conversation, methods=["DELETE"]),
    Route("/v1/conversations/{id}/read", read_conversation, methods=["POST"]),
]
