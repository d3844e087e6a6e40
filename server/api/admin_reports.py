"""Mastodon's admin API for reports: the list (open ones unless `resolved` is asked
for), one report, resolving and reopening, each audited through `server.storage.reports`
as the report queue page does.

Mastodon's categories are fewer than ours: a welfare concern or a harassment report is
`other` there, and `kinhaven_category` keeps what the reporter chose. A report that
came from another server names no reporter (Kinhaven does not keep who sent the Flag),
so, as Mastodon does for reports its own server files, the reporting account is the
instance actor, and `kinhaven_origin_domain` says where the report came from.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api.auth import require_moderator
from server.api.entities import JSON, admin_account_json, status_json, timestamp
from server.api.errors import or_not_found
from server.api.paging import paged_json, read_id, read_window
from server.api.params import read_params
from server.api.responses import api_json
from server.api.routing import record_id
from server.clock import from_text
from server.instance import Instance
from server.storage import posts as post_store
from server.storage import reports as report_store
from server.storage.actors import get_actor
from server.storage.database import Database
from server.storage.reports import Report
from server.web.state import db_of, instance_of

READ_REPORTS, WRITE_REPORTS = "admin:read:reports", "admin:write:reports"
MASTODON_CATEGORIES = ("spam", "violation", "legal", "other")
RESOLVED_ACTION = "no-action"
RESOLVED_NOTE = "Resolved through the admin API, with no further action."
FILTERS = ("resolved", "account_id", "target_account_id")


class _Reports:
    """Admin::Report entities for one answer, each account built once."""

    def __init__(self, db: Database, instance: Instance) -> None:
        self._db = db
        self._instance = instance
        self._accounts: dict[int, JSON | None] = {}

    async def _account(self, actor_id: int | None) -> JSON | None:
        if actor_id is None:
            return None
        if actor_id not in self._accounts:
            actor = await get_actor(self._db, actor_id)
            self._accounts[actor_id] = None if actor is None else await admin_account_json(
                self._db, self._instance, actor)
        return self._accounts[actor_id]

    async def entity(self, report: Report) -> JSON:
        reporter = await self._account(report.reporter_actor_id) \
            or await self._account(self._instance.actor.id)
        posts = await post_store.posts_by_uri(self._db, report.object_uris)
        statuses = [await status_json(self._db, self._instance, posts[uri])
                    for uri in dict.fromkeys(report.object_uris) if uri in posts]
        changes = [text for text in (report.created_at, report.resolved_at, report.forwarded_at)
                   if text]
        return {
            "id": str(report.id),
            "action_taken": report.state == "resolved",
            "action_taken_at": timestamp(report.resolved_at),
            "category": report.category if report.category in MASTODON_CATEGORIES else "other",
            "kinhaven_category": report.category,
            "comment": report.comment,
            "forwarded": report.forwarded_at is not None,
            "created_at": timestamp(report.created_at),
            "updated_at": timestamp(max(changes, key=from_text)),
            "account": reporter,
            "target_account": await self._account(report.target_actor_id),
            "assigned_account": None,
            "action_taken_by_account": await self._account(report.resolved_by),
            "statuses": statuses,
            "rules": [],
            "kinhaven_origin_domain": report.origin_domain,
            "kinhaven_resolution_action": report.resolution_action or None,
            "kinhaven_resolution_note": report.resolution_note or None,
        }


def _builder(request: Request) -> _Reports:
    return _Reports(db_of(request), instance_of(request))


async def _find(request: Request) -> Report:
    return or_not_found(await report_store.get_report(db_of(request), record_id(request)))


async def list_reports(request: Request) -> Response:
    await require_moderator(request, READ_REPORTS)
    params = await read_params(request)
    window = read_window(params)
    reports = await report_store.page_reports(
        db_of(request), window, resolved=bool(params.boolean("resolved")),
        reporter_id=read_id(params, "account_id"),
        target_id=read_id(params, "target_account_id"))
    builder = _builder(request)
    return paged_json(request, [await builder.entity(report) for report in reports], window,
                      [report.id for report in reports], keep=FILTERS)


async def show_report(request: Request) -> Response:
    await require_moderator(request, READ_REPORTS)
    return api_json(await _builder(request).entity(await _find(request)))


async def resolve_report(request: Request) -> Response:
    """Resolved with no further action; one already resolved is answered as it is."""
    caller = await require_moderator(request, WRITE_REPORTS)
    report = await _find(request)
    await report_store.resolve(db_of(request), report.id, by_id=caller.actor.id,
                               by_name=caller.by_name, action=RESOLVED_ACTION,
                               note=RESOLVED_NOTE)
    return api_json(await _builder(request).entity(await _find(request)))


async def reopen_report(request: Request) -> Response:
    """Back in the queue; one still open is answered as it is."""
    caller = await require_moderator(request, WRITE_REPORTS)
    report = await _find(request)
    await report_store.reopen(db_of(request), report.id, by_id=caller.actor.id,
                              by_name=caller.by_name)
    return api_json(await _builder(request).entity(await _find(request)))


routes = [
    Route("/v1/admin/reports", list_reports, methods=["GET"]),
    Route("/v1/admin/reports/{id}", show_report, methods=["GET"]),
    Route("/v1/admin/reports/{id}/resolve", resolve_report, methods=["POST"]),
    Route("/v1/admin/reports/{id}/reopen", reopen_report, methods=["POST"]),
]
