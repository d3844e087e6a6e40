"""Mastodon's accounts endpoints: the signed-in member's own account, one account by id
or by name, search (remote handles resolved through WebFinger with `resolve=true`),
and following, unfollowing, blocking and unblocking through the same services as the
profile pages, so their moderation rules hold (blocked domains, limited accounts).

A suspended account (a member here or someone elsewhere) is not found, as on Mastodon,
except to undo what the caller did about them (unfollow, unblock, unmute). Following
takes Mastodon's `reblogs` (false: their boosts stay out of the caller's home timeline)
and `notify`, which is kept and reported in the Relationship but notifies of nothing
yet: Kinhaven has no notification for new posts. An account's statuses take
`exclude_replies` (replies to others; a thread of their own stays), `only_media`,
`tagged` and `exclude_reblogs` (a profile lists no boosts); `pinned` is an empty list,
for there is no pinning here."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.activitypub.context import Federation
from server.api.account_entities import credential_account_json, relationship_json
from server.api.auth import require_scope
from server.api.entities import account_json
from server.api.errors import not_found, validation_failed
from server.api.paging import link_header, read_window
from server.api.params import read_params
from server.api.responses import api_json
from server.api.routing import record_id
from server.api.timeline_statuses import entry_id, entry_statuses
from server.services import following, relations
from server.services.relations import RelationError
from server.storage import accounts as account_store
from server.storage import follows as follow_store
from server.storage import network, timelines
from server.storage import sanctions as sanction_store
from server.storage.actors import (
    Actor,
    get_actor,
    get_actor_by_handle,
    get_local_actor_by_username,
)
from server.storage.database import Database
from server.storage.paging import IdWindow
from server.storage.visibility import Reader
from server.web.state import db_of, instance_of


def known(actor: Actor | None) -> Actor:
    """Deleted accounts and the instance's own service actors are not found."""
    if actor is None or actor.deleted_at is not None \
            or (actor.local and actor.actor_type != "Person"):
        raise not_found()
    return actor


async def shown(db: Database, actor: Actor | None) -> Actor:
    """As `known`, and suspended accounts are not found either."""
    found = known(actor)
    if (await sanction_store.standing_by_id(db, found.id)).suspended:
        raise not_found()
    return found


async def target_of(request: Request, *, suspended_too: bool = False) -> Actor:
    """The account the path names; a suspended one only with `suspended_too`."""
    actor = await get_actor(db_of(request), record_id(request))
    return known(actor) if suspended_too else await shown(db_of(request), actor)


async def verify_credentials(request: Request) -> Response:
    caller = await require_scope(request, "read:accounts")
    return api_json(await credential_account_json(db_of(request), instance_of(request),
                                                  caller.actor))


async def one(request: Request) -> Response:
    await require_scope(request, "read:accounts")
    actor = await target_of(request)
    return api_json(await account_json(db_of(request), instance_of(request), actor))


async def lookup(request: Request) -> Response:
    await require_scope(request, "read:accounts")
    db = db_of(request)
    name = request.query_params.get("acct", "").removeprefix("@")
    if not name or "@" in name:
        raise not_found()
    actor = await shown(db, await get_local_actor_by_username(db, name))
    return api_json(await account_json(db, instance_of(request), actor))


def federation_of(request: Request) -> Federation:
    federation: Federation = request.app.state.federation
    return federation


async def _relation_answer(request: Request, viewer: Actor, other: Actor) -> Response:
    return api_json(await relationship_json(db_of(request), viewer, other))


async def follow(request: Request) -> Response:
    """Follow, or ask to; following again changes only the options sent."""
    caller = await require_scope(request, "write:follows")
    target = await target_of(request)
    params = await read_params(request)
    reblogs, notify = params.boolean("reblogs"), params.boolean("notify")
    try:
        await following.follow_person(federation_of(request), caller.actor, target)
    except RelationError as error:
        raise validation_failed(str(error)) from error
    if reblogs is not None or notify is not None:
        await follow_store.set_follow_options(db_of(request), caller.actor.id, target.id,
                                              show_reblogs=reblogs, notify=notify)
    return await _relation_answer(request, caller.actor, target)


async def unfollow(request: Request) -> Response:
    caller = await require_scope(request, "write:follows")
    target = await target_of(request, suspended_too=True)
    await relations.unfollow(federation_of(request), caller.actor, target)
    return await _relation_answer(request, caller.actor, target)


async def block(request: Request) -> Response:
    caller = await require_scope(request, "write:blocks")
    target = await target_of(request)
    if target.id == caller.actor.id:
        raise validation_failed("You cannot block yourself.")
    if await network.block_uri(db_of(request), caller.actor.id, target.id) is None:
        await relations.block(federation_of(request), caller.actor, target)
    return await _relation_answer(request, caller.actor, target)


async def unblock(request: Request) -> Response:
    caller = await require_scope(request, "write:blocks")
    target = await target_of(request, suspended_too=True)
    await following.unblock(federation_of(request), caller.actor, target)
    return await _relation_answer(request, caller.actor, target)


async def relationships(request: Request) -> Response:
    caller = await require_scope(request, "read:follows")
    params = await read_params(request)
    answers = []
    for text in params.texts("id"):
        actor = await get_actor(db_of(request), int(text)) if text.isdigit() \
            and len(text) < 19 else None
        if actor is not None:
            answers.append(await relationship_json(db_of(request), caller.actor, actor))
    return api_json(answers)


async def search(request: Request) -> Response:
    caller = await require_scope(request, "read:accounts")
    params = await read_params(request)
    query = (params.text("q") or "").strip().removeprefix("@")
    db, instance = db_of(request), instance_of(request)
    if not query:
        return api_json([])
    name, _, host = query.partition("@")
    found: list[Actor] = []
    if not host or host == instance.settings.domain:
        found = await network.find_members(db, caller.actor.id, name)
    elif params.boolean("resolve"):
        try:
            found = [await relations.find_remote_account(federation_of(request), query)]
        except RelationError:
            found = []
    else:
        known = await get_actor_by_handle(db, name, host)
        found = [] if known is None else [known]
    return api_json([await account_json(db, instance, actor) for actor in found
                     if actor.deleted_at is None])


STATUS_FILTERS = ("exclude_replies", "only_media", "tagged", "exclude_reblogs")
"""The account statuses' filters, carried over by the `Link` header's pages."""


async def statuses(request: Request) -> Response:
    """The account's posts through the profile timeline, so the reader sees only what
    they are entitled to (followers-only, direct, members-only and held posts not)."""
    caller = await require_scope(request, "read:statuses")
    db, instance = db_of(request), instance_of(request)
    target = await target_of(request)
    params = await read_params(request)
    window = read_window(params, default=20, maximum=40)
    exclude_replies, only_media = params.boolean("exclude_replies"), params.boolean("only_media")
    params.boolean("exclude_reblogs")  # a profile lists no boosts; only its type is checked
    tag = (params.text("tagged") or "").strip().removeprefix("#")
    if params.boolean("pinned"):
        return api_json([])
    page = await timelines.profile(db, Reader(caller.actor.id), target.id, window.max_id,
                                   limit=window.limit, since_id=window.since_id,
                                   min_id=window.min_id, exclude_replies=bool(exclude_replies),
                                   only_media=bool(only_media), tag=tag or None)
    ids = [entry_id(entry) for entry in page.entries]
    entities = await entry_statuses(db, instance, page.entries, caller.actor)
    links = IdWindow(limit=1 if page.next_max_id is not None else window.limit)
    return api_json(entities, headers=link_header(request, instance.urls.base, links, ids,
                                                  keep=STATUS_FILTERS))


async def _connections(request: Request, which: str) -> Response:
    """Followers or following, accepted follows only, paged by follow id. A member who
    hides their lists shows an empty one to everyone but themselves, as Mastodon does."""
    caller = await require_scope(request, "read:accounts")
    db, instance = db_of(request), instance_of(request)
    target = await target_of(request)
    window = read_window(await read_params(request), default=40, maximum=80)
    account = await account_store.get_account(db, target.id) if target.local else None
    if account is not None and account.hide_network and target.id != caller.actor.id:
        return api_json([])
    rows = await network.connections(db, target.id, which, before=window.max_id,
                                     limit=window.limit)
    entities = [await account_json(db, instance, row.actor) for row in rows]
    return api_json(entities, headers=link_header(
        request, instance.urls.base, window, [row.follow_id for row in rows]))


async def followers(request: Request) -> Response:
    return await _connections(request, "followers")


async def followed(request: Request) -> Response:
    return await _connections(request, "following")


routes: list[BaseRoute] = [
    Route("/v1/accounts/relationships", relationships, methods=["GET"]),
    Route("/v1/accounts/search", search, methods=["GET"]),
    Route("/v1/accounts/verify_credentials", verify_credentials, methods=["GET"]),
    Route("/v1/accounts/lookup", lookup, methods=["GET"]),
    Route("/v1/accounts/{id}", one, methods=["GET"]),
    Route("/v1/accounts/{id}/statuses", statuses, methods=["GET"]),
    Route("/v1/accounts/{id}/followers", followers, methods=["GET"]),
    Route("/v1/accounts/{id}/following", followed, methods=["GET"]),
    Route("/v1/accounts/{id}/follow", follow, methods=["POST"]),
    Route("/v1/accounts/{id}/unfollow", unfollow, methods=["POST"]),
    Route("/v1/accounts/{id}/block", block, methods=["POST"]),
    Route("/v1/accounts/{id}/unblock", unblock, methods=["POST"]),
]
