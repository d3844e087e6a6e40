"""Posts as ActivityPub objects, served only to those entitled to see them.

Public and unlisted posts are served to anyone (or, in secure mode, to any signed
request); followers-only and direct posts only to a signed request from an actor
they address; members-only posts never. Refusals are 404s, so that a private
post's existence is not revealed.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from federation.activitystreams import Representation, activity_content_type, negotiate
from federation.notes import NOTE_CONTEXT, build_note
from server.activitypub.authorized import secure_mode, signed_requester
from server.activitypub.context import Federation, federation_of
from server.services.posting import note_facts
from server.storage import follows as follow_store
from server.storage import posts as post_store
from server.storage.actors import Actor, get_local_actor_by_username
from server.web.responses import ActivityResponse, json_error


async def _entitled(federation: Federation, post: post_store.Post, author: Actor,
                    requester: Actor | None) -> bool:
    if post.held_at is not None or post.deleted_at is not None:
        return False
    if post.visibility in ("public", "unlisted"):
        return True
    if post.visibility == "local" or requester is None:
        return False
    if requester.id in await post_store.mentioned_actor_ids(federation.db, post.id):
        return True
    return post.visibility == "followers" and await follow_store.is_following(
        federation.db, requester.id, author.id)


async def note(request: Request) -> Response:
    federation = federation_of(request)
    db = federation.db
    author = await get_local_actor_by_username(db, request.path_params["username"])
    post_id = request.path_params["post_id"]
    post = None
    if author is not None:
        post = await post_store.get_post_by_uri(
            db, federation.instance.urls.post(author.username, post_id))
    if author is None or post is None:
        gone = author is not None and await post_store.is_tombstoned(
            db, federation.instance.urls.post(author.username, post_id))
        return json_error(410 if gone else 404, "gone" if gone else "no such post")
    representation = negotiate(request.headers.get("accept"))
    if representation is None:
        return json_error(406, "ask for application/activity+json or text/html")
    requester = await signed_requester(federation, request)
    if await secure_mode(federation) and requester is None:
        return json_error(401, "this instance requires signed requests")
    if not await _entitled(federation, post, author, requester):
        return json_error(404, "no such post")
    if representation is Representation.HTML:
        return Response(status_code=303, headers={"Location": post.url or "/"})
    document = {"@context": NOTE_CONTEXT, **build_note(await note_facts(federation, post, author))}
    headers = {"Vary": "Accept, Signature"}
    return ActivityResponse(document, media_type=activity_content_type(
        request.headers.get("accept")), headers=headers)


routes = [Route("/users/{username}/statuses/{post_id:int}", note)]
