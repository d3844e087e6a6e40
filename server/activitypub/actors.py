"""Actor documents and their collections, negotiated against the HTML profile page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from federation.activitystreams import Representation, activity_content_type, negotiate
from federation.actors import build_actor
from federation.collections import ordered_collection, ordered_collection_page
from federation.notes import NOTE_CONTEXT, build_create, build_note
from server.activitypub.authorized import refused_unsigned
from server.activitypub.context import federation_of
from server.activitypub.convert import to_actor_facts
from server.services.posting import note_facts
from server.storage import accounts as account_store
from server.storage import follows as follow_store
from server.storage import posts as post_store
from server.storage.actors import Actor, get_local_actor_by_username
from server.web.pages import render_local_profile
from server.web.responses import ActivityResponse, json_error
from server.web.state import db_of, instance_of

FOLLOWS_PAGE_SIZE = 12
OUTBOX_PAGE_SIZE = 20


class _Unavailable(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def _member(request: Request) -> Actor:
    """The member named in the path, if approved and present; else a 404 or 410."""
    db = db_of(request)
    actor = await get_local_actor_by_username(db, request.path_params["username"])
    if actor is None or actor.actor_type != "Person" or actor.deleted_at is not None:
        raise _Unavailable(404, "no such account")
    account = await account_store.get_account(db, actor.id)
    if account is None or not account.approved:
        raise _Unavailable(404, "no such account")
    if account.suspended:
        raise _Unavailable(410, "this account is suspended")
    return actor


def _activity(request: Request, document: dict[str, object]) -> Response:
    return ActivityResponse(
        document, media_type=activity_content_type(request.headers.get("accept")),
        headers={"Vary": "Accept, Signature"},
    )


async def _unsigned_refused(request: Request) -> bool:
    return await refused_unsigned(federation_of(request), request)


def _not_acceptable() -> Response:
    return json_error(
        406, "ask for application/activity+json, application/ld+json or text/html"
    )


async def actor_document(request: Request) -> Response:
    try:
        actor = await _member(request)
    except _Unavailable as error:
        return json_error(error.status, str(error))
    representation = negotiate(request.headers.get("accept"))
    if representation is None:
        return _not_acceptable()
    if representation is Representation.HTML:
        return await render_local_profile(request, actor)
    if await _unsigned_refused(request):
        return json_error(401, "this instance requires signed requests")
    return _activity(request, build_actor(to_actor_facts(actor, instance_of(request).urls)))


async def instance_actor(request: Request) -> Response:
    """Always served, signed or not, so that servers in secure mode can verify our keys."""
    instance = instance_of(request)
    return _activity(request, build_actor(to_actor_facts(instance.actor, instance.urls)))


async def instance_outbox(request: Request) -> Response:
    instance = instance_of(request)
    return _activity(request, ordered_collection(f"{instance.actor.uri}/outbox", 0))


def _page_number(request: Request) -> int | None:
    raw = request.query_params.get("page")
    if raw is None:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        raise _Unavailable(400, "page must be a number from 1")
    return int(raw)


async def _follow_collection(request: Request, *, followers: bool) -> Response:
    try:
        actor = await _member(request)
        page = _page_number(request)
    except _Unavailable as error:
        return json_error(error.status, str(error))
    if await _unsigned_refused(request):
        return json_error(401, "this instance requires signed requests")
    db = db_of(request)
    collection_id = actor.followers_uri if followers else actor.following_uri
    assert collection_id is not None
    count = follow_store.count_followers if followers else follow_store.count_following
    total = await count(db, actor.id)
    account = await account_store.get_account(db, actor.id)
    hidden = account is None or account.hide_network
    if page is None:
        first = None if hidden else f"{collection_id}?page=1"
        return _activity(request, ordered_collection(collection_id, total, first=first))
    if hidden:
        return json_error(403, "this member keeps their connections private")
    lister = follow_store.list_follower_uris if followers else follow_store.list_following_uris
    items = await lister(
        db, actor.id, offset=(page - 1) * FOLLOWS_PAGE_SIZE, limit=FOLLOWS_PAGE_SIZE
    )
    has_next = page * FOLLOWS_PAGE_SIZE < total
    return _activity(
        request,
        ordered_collection_page(
            f"{collection_id}?page={page}",
            part_of=collection_id,
            items=items,
            total=total,
            next_page=f"{collection_id}?page={page + 1}" if has_next else None,
            prev_page=f"{collection_id}?page={page - 1}" if page > 1 else None,
        ),
    )


async def followers(request: Request) -> Response:
    return await _follow_collection(request, followers=True)


async def following(request: Request) -> Response:
    return await _follow_collection(request, followers=False)


def _id_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise _Unavailable(400, f"{name} must be a post id")
    return int(raw)


async def outbox(request: Request) -> Response:
    """Public posts only: followers-only, direct and members-only posts never appear here."""
    try:
        actor = await _member(request)
        max_id = _id_param(request, "max_id")
        min_id = _id_param(request, "min_id")
    except _Unavailable as error:
        return json_error(error.status, str(error))
    if await _unsigned_refused(request):
        return json_error(401, "this instance requires signed requests")
    db = db_of(request)
    outbox_id = actor.outbox_uri
    assert outbox_id is not None
    total = await post_store.count_public_posts(db, actor.id)
    if request.query_params.get("page") != "true":
        return _activity(
            request,
            ordered_collection(
                outbox_id,
                total,
                first=f"{outbox_id}?page=true",
                last=f"{outbox_id}?min_id=0&page=true",
            ),
        )
    posts = await post_store.list_public_posts(
        db, actor.id, limit=OUTBOX_PAGE_SIZE, max_id=max_id, min_id=min_id
    )
    federation = federation_of(request)
    items = [
        build_create(build_note(await note_facts(federation, p, actor)), with_context=False)
        for p in posts
    ]
    cursor = "" if max_id is None else f"max_id={max_id}&"
    cursor += "" if min_id is None else f"min_id={min_id}&"
    full = len(posts) == OUTBOX_PAGE_SIZE
    return _activity(
        request,
        ordered_collection_page(
            f"{outbox_id}?{cursor}page=true",
            part_of=outbox_id,
            items=items,
            next_page=f"{outbox_id}?max_id={posts[-1].id}&page=true" if full else None,
            prev_page=f"{outbox_id}?min_id={posts[0].id}&page=true" if posts else None,
            context=NOTE_CONTEXT,
        ),
    )


routes = [
    Route("/actor", instance_actor),
    Route("/actor/outbox", instance_outbox),
    Route("/users/{username}", actor_document),
    Route("/users/{username}/followers", followers),
    Route("/users/{username}/following", following),
    Route("/users/{username}/outbox", outbox),
]
