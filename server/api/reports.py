"""Mastodon's `POST /api/v1/reports`: a member reports an account and some of its posts,
through the same storage as the report form, so it lands in the moderators' queue
(and a post reported often enough is hidden as the form's reports hide it).

The posts must be the account's and visible to the reporter, else 422; an account
that does not exist, is gone, or is the reporter's own is not found. Besides
Mastodon's categories (spam, legal, violation, other), Kinhaven's own are accepted:
`welfare` (worried about the person: the top of the queue) and `harassment`.
Kinhaven's rules are not numbered for reports, so `rule_ids` are read and not kept.
With `forward`, a report about someone on another server is sent on to that server at
once, as a Flag from the instance (the reporter is never named there), as the team
forwards one from the queue.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.activitypub.context import Federation
from server.api.auth import require_scope
from server.api.entities import JSON, account_json, timestamp
from server.api.errors import not_found, validation_failed
from server.api.params import Params, read_params
from server.api.responses import api_json
from server.instance import Instance
from server.services.auto_hide import hide_if_reported_enough
from server.services.reporting import forward
from server.storage import reports as report_store
from server.storage import timelines
from server.storage.actors import Actor, get_actor
from server.storage.database import Database
from server.storage.posts import Post
from server.storage.reports import Report
from server.storage.visibility import Reader
from server.web.state import db_of, instance_of

WRITE_REPORTS = "write:reports"
COMMENT_LENGTH = 1000
MAX_STATUSES = 20
MASTODON_CATEGORIES = ("spam", "legal", "violation", "other")


def _number(text: str, name: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise validation_failed(f"{name} must be ids")
    return int(text)


async def _target(db: Database, params: Params, reporter: Actor) -> Actor:
    text = (params.text("account_id") or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise not_found()
    actor = await get_actor(db, int(text))
    if actor is None or actor.deleted_at is not None or actor.id == reporter.id:
        raise not_found()
    return actor


async def _posts(db: Database, params: Params, reporter: Actor, target: Actor) -> list[Post]:
    ids = list(dict.fromkeys(_number(text.strip(), "status_ids")
                             for text in params.texts("status_ids")))
    if len(ids) > MAX_STATUSES:
        raise validation_failed(f"a report names at most {MAX_STATUSES} posts")
    posts = []
    for post_id in ids:
        post = await timelines.visible_post(db, Reader(reporter.id), post_id)
        if post is None or post.actor_id != target.id:
            raise validation_failed("Statuses must be posts of the reported account")
        posts.append(post)
    return posts


def _category(params: Params) -> str:
    category = (params.text("category") or "other").strip()
    if category not in report_store.CATEGORIES:
        raise validation_failed(f"Category must be one of {', '.join(MASTODON_CATEGORIES)}")
    return category


async def report_json(db: Database, instance: Instance, report: Report, posts: list[Post],
                      target: Actor) -> JSON:
    """Mastodon's Report, as the reporter sees it."""
    return {
        "id": str(report.id),
        "action_taken": report.state == "resolved",
        "action_taken_at": timestamp(report.resolved_at),
        "category": report.category if report.category in MASTODON_CATEGORIES else "other",
        "kinhaven_category": report.category,
        "comment": report.comment,
        "forwarded": report.forwarded_at is not None,
        "created_at": timestamp(report.created_at),
        "status_ids": [str(post.id) for post in posts],
        "rule_ids": None,
        "target_account": await account_json(db, instance, target),
    }


async def file_report(request: Request) -> Response:
    caller = await require_scope(request, WRITE_REPORTS)
    params = await read_params(request)
    db = db_of(request)
    target = await _target(db, params, caller.actor)
    posts = await _posts(db, params, caller.actor, target)
    comment = params.text("comment") or ""
    if len(comment) > COMMENT_LENGTH:
        raise validation_failed(f"Comment is too long (maximum is {COMMENT_LENGTH} characters)")
    category = _category(params)
    params.texts("rule_ids")  # read, so a wrong kind is refused, but not kept
    wants_forward = bool(params.boolean("forward"))
    report_id = await report_store.file_report(
        db, reporter_id=caller.actor.id, target_actor_id=target.id, category=category,
        comment=comment, object_uris=[post.uri for post in posts])
    for post in posts:
        await hide_if_reported_enough(db, post)
    if wants_forward and not target.local:
        federation: Federation = request.app.state.federation
        filed = await report_store.get_report(db, report_id)
        assert filed is not None
        await forward(federation, filed, by_id=caller.actor.id, by_name=caller.by_name)
    report = await report_store.get_report(db, report_id)
    assert report is not None
    return api_json(await report_json(db, instance_of(request), report, posts, target))


routes = [Route("/v1/reports", file_report, methods=["POST"])]
