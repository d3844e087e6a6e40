"""Statuses: post, read, edit and delete a post, its thread, its source and history.

Posting goes through `posting.publish`, as the compose page does, so the moderation
pipeline applies the same: a post it holds is created and shown to its author alone
(`kinhaven_held: true`) until a moderator lets it out, and one it rejects is a 422
with the reason. The compose page's care check for risk terms is a page of its own
before posting; the API has no such step (Mastodon has none), so apps post directly
and the pipeline's holds still apply.

Visibility follows Mastodon's names (`private` is our followers-only) plus the
`local_only` flag of Mastodon's forks for our members-only posts; a client that sends
neither gets the member's own default, narrowed for a reply as the compose page does.
"""

from __future__ import annotations

import asyncio
import re
from weakref import WeakValueDictionary

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.api import status_reactions
from server.api.auth import Caller, require_scope
from server.api.entities import (
    JSON,
    account_json,
    media_json,
    status_json,
    statuses_json,
    timestamp,
)
from server.api.errors import ApiError, not_found, validation_failed
from server.api.params import Params, read_params
from server.api.responses import api_json
from server.api.status_lookup import (
    Found,
    federation_of,
    find_status,
    optional_caller,
    reader_of,
)
from server.api.timeline_statuses import read_status_id
from server.services import posting
from server.services.posting import MAX_MEDIA, PostError
from server.storage import idempotency, timelines
from server.storage.actors import get_actor
from server.storage.media import attachments_for
from server.storage.posts import Post
from server.storage.visibility import Reader
from server.web.state import db_of, instance_of

VISIBILITIES = {"public": "public", "unlisted": "unlisted", "private": "followers",
                "direct": "direct", "local": "local"}
"""Mastodon's names, and our own `local`, to ours."""
MAX_KEY = 200
MANY_LIMIT = 20
_KEY_LOCKS: WeakValueDictionary[tuple[int, str], asyncio.Lock] = WeakValueDictionary()
"""One lock per key being used (it goes when no request holds it), so two requests
with the same key never both post."""
_LANGUAGE = re.compile(r"\A[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})?\Z")


def _visibility(params: Params, caller: Caller, parent: Post | None) -> str:
    named = params.text("visibility") or None
    local_only = params.boolean("local_only")
    if named is not None and named not in VISIBILITIES:
        raise validation_failed(f"Visibility {named!r} is not one of public, unlisted,"
                                " private, direct")
    if local_only:
        if named in ("private", "direct"):
            raise validation_failed("local_only applies to public and unlisted posts")
        return "local"
    if named is not None:
        return VISIBILITIES[named]
    default = caller.account.default_visibility
    return default if parent is None else posting.reply_visibility(default, parent)


def _media_ids(params: Params) -> list[int]:
    texts = params.texts("media_ids")
    if not all(text.isascii() and text.isdigit() and len(text) <= 18 for text in texts):
        raise validation_failed("media_ids must be ids of your uploads")
    if len(texts) > MAX_MEDIA:
        raise validation_failed(f"a post can have at most {MAX_MEDIA} attachments")
    return [int(text) for text in texts]


def _language(params: Params) -> str | None:
    language = params.text("language") or None
    if language is not None and not _LANGUAGE.match(language):
        raise validation_failed("language must be an ISO 639 code")
    return language


async def _parent(request: Request, params: Params, reader: Reader) -> Post | None:
    """The post replied to, which the caller must be able to see (404 otherwise)."""
    named = params.text("in_reply_to_id")
    if not named:
        return None
    parsed = read_status_id(named)
    if parsed is None or parsed[0] != "p":
        raise not_found()
    parent = await timelines.visible_post(db_of(request), reader, parsed[1])
    if parent is None:
        raise not_found()
    return parent


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key", "").strip()
    if len(key) > MAX_KEY:
        raise validation_failed(f"Idempotency-Key is limited to {MAX_KEY} characters")
    return key or None


def _refuse_unsupported(params: Params) -> None:
    """Scheduled posts and polls are refused rather than posted without them."""
    if params.text("scheduled_at"):
        raise validation_failed("Kinhaven does not schedule posts")
    if any(name in params for name in ("poll", "poll[options]", "poll[expires_in]")):
        raise validation_failed("Kinhaven has no polls")


def _post_error(error: PostError) -> ApiError:
    return validation_failed(f"{str(error)[0].upper()}{str(error)[1:]}")


async def create_status(request: Request) -> Response:
    caller = await require_scope(request, "write:statuses")
    key = _idempotency_key(request)
    if key is None:
        return await _create(request, caller)
    lock = _KEY_LOCKS.setdefault((caller.actor.id, key), asyncio.Lock())
    async with lock:  # a retry sent while the first is still posting waits for it
        db = db_of(request)
        earlier = await idempotency.post_for_key(db, caller.actor.id, key)
        post = None if earlier is None else await timelines.visible_post(
            db, reader_of(caller), earlier)
        if post is not None:
            return api_json(await status_json(db, instance_of(request), post,
                                              viewer=caller.actor))
        answer = await _create(request, caller, key)
    return answer


async def _create(request: Request, caller: Caller, key: str | None = None) -> Response:
    db = db_of(request)
    params = await read_params(request)
    _refuse_unsupported(params)
    parent = await _parent(request, params, reader_of(caller))
    try:
        post = await posting.publish(
            federation_of(request), caller.actor, params.text("status") or "",
            visibility=_visibility(params, caller, parent),
            summary=params.text("spoiler_text") or "",
            sensitive=bool(params.boolean("sensitive")),
            in_reply_to=None if parent is None else parent.uri,
            media_ids=_media_ids(params), language=_language(params),
            app_id=caller.token.app_id,
        )
    except PostError as error:
        raise _post_error(error) from error
    if key is not None:
        await idempotency.remember_key(db, caller.actor.id, key, post.id)
    return api_json(await status_json(db, instance_of(request), post, viewer=caller.actor))


async def get_status(request: Request) -> Response:
    caller = await optional_caller(request, "read:statuses")
    found = await find_status(request, reader_of(caller))
    return api_json(await status_reactions.shown(request, found, caller))


async def get_statuses(request: Request) -> Response:
    """Several posts at once (`id[]`), those the caller may see, in the order asked."""
    caller = await optional_caller(request, "read:statuses")
    named = (await read_params(request)).texts("id")[:MANY_LIMIT]
    ids = [parsed[1] for parsed in map(read_status_id, named)
           if parsed is not None and parsed[0] == "p"]
    db, reader = db_of(request), reader_of(caller)
    posts = [post for post in [await timelines.visible_post(db, reader, i)
                               for i in dict.fromkeys(ids)] if post is not None]
    return api_json(await statuses_json(db, instance_of(request), posts,
                                        viewer=None if caller is None else caller.actor))


async def _own(request: Request, caller: Caller) -> Found:
    """The caller's own post (through its own id, not a boost's), or 404."""
    found = await find_status(request, reader_of(caller))
    if found.boost is not None or found.post.actor_id != caller.actor.id:
        raise not_found()
    return found


async def edit_status(request: Request) -> Response:
    caller = await require_scope(request, "write:statuses")
    post = (await _own(request, caller)).post
    params = await read_params(request)
    db = db_of(request)
    if "media_ids" in params:
        kept = [item.id for item in (await attachments_for(db, [post.id])).get(post.id, [])]
        if _media_ids(params) != kept:
            raise validation_failed("Kinhaven cannot change the media of a post yet")
    text = params.text("status")
    try:
        updated = await posting.edit(
            federation_of(request), caller.actor, post,
            (post.source_text or "") if text is None else text,
            summary=params.text("spoiler_text") or "",
            sensitive=bool(params.boolean("sensitive")))
    except PostError as error:
        raise _post_error(error) from error
    return api_json(await status_json(db, instance_of(request), updated, viewer=caller.actor))


async def delete_status(request: Request) -> Response:
    """Deleted, and answered with the post and its source, for "delete and redraft"."""
    caller = await require_scope(request, "write:statuses")
    post = (await _own(request, caller)).post
    shown = await status_json(db_of(request), instance_of(request), post,
                              viewer=caller.actor)
    await posting.delete(federation_of(request), caller.actor, post)
    return api_json({**shown, "text": post.source_text or ""})


async def status_context(request: Request) -> Response:
    caller = await optional_caller(request, "read:statuses")
    reader = reader_of(caller)
    found = await find_status(request, reader)
    db, instance = db_of(request), instance_of(request)
    thread = await timelines.thread(db, reader, found.post.id)
    if thread is None:
        raise not_found()
    viewer = None if caller is None else caller.actor
    return api_json({
        "ancestors": await statuses_json(db, instance, thread.ancestors, viewer=viewer),
        "descendants": await statuses_json(db, instance, thread.replies, viewer=viewer),
    })


async def status_source(request: Request) -> Response:
    caller = await require_scope(request, "read:statuses")
    post = (await find_status(request, reader_of(caller))).post
    return api_json({"id": str(post.id), "text": post.source_text or "",
                     "spoiler_text": post.summary})


async def status_history(request: Request) -> Response:
    """Kinhaven keeps no earlier versions of an edited post, so the history is the
    version in force, as Mastodon shows a post never edited."""
    caller = await optional_caller(request, "read:statuses")
    post = (await find_status(request, reader_of(caller))).post
    db, instance = db_of(request), instance_of(request)
    author = await get_actor(db, post.actor_id)
    assert author is not None
    media = (await attachments_for(db, [post.id])).get(post.id, [])
    version: JSON = {
        "content": post.content_html,
        "spoiler_text": post.summary,
        "sensitive": post.sensitive,
        "created_at": timestamp(post.edited_at or post.published_at),
        "account": await account_json(db, instance, author),
        "poll": None,
        "media_attachments": [media_json(instance, item) for item in media],
        "emojis": [],
    }
    return api_json([version])


routes: list[BaseRoute] = [
    Route("/v1/statuses", create_status, methods=["POST"]),
    Route("/v1/statuses", get_statuses, methods=["GET"]),
    Route("/v1/statuses/{id}", get_status, methods=["GET"]),
    Route("/v1/statuses/{id}", edit_status, methods=["PUT"]),
    Route("/v1/statuses/{id}", delete_status, methods=["DELETE"]),
    Route("/v1/statuses/{id}/context", status_context, methods=["GET"]),
    Route("/v1/statuses/{id}/source", status_source, methods=["GET"]),
    Route("/v1/statuses/{id}/history", status_history, methods=["GET"]),
    *status_reactions.routes,
]
