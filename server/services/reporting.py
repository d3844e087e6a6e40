"""Reports: a member's report, and the team forwarding one to the reported account's
server as a Flag from the instance actor (the reporter is never named there)."""

from __future__ import annotations

from federation import activities
from server.activitypub.context import Federation
from server.services.delivery import send_to
from server.services.relations import new_activity_id
from server.storage import reports as report_store
from server.storage.actors import get_actor
from server.storage.reports import Report


class ForwardRefused(Exception):
    """Only a report about someone on another server can be forwarded, once."""


async def forward(federation: Federation, report: Report, *, by_id: int, by_name: str) -> str:
    """Send the report's target and posts, with the reporter's comment, as a Flag to the
    target's server; returns that server's domain."""
    if report.forwarded_at is not None:
        raise ForwardRefused("this report has already been forwarded")
    target = None if report.target_actor_id is None else await get_actor(
        federation.db, report.target_actor_id)
    if target is None or target.local:
        raise ForwardRefused("only reports about people on other servers can be forwarded")
    objects = [target.uri, *(uri for uri in report.object_uris if uri != target.uri)]
    flag = activities.flag(new_activity_id(federation), federation.instance.actor.uri,
                           objects, report.comment)
    await send_to(federation, flag, federation.instance.actor, [target])
    await report_store.mark_forwarded(federation.db, report.id, by_id=by_id, by_name=by_name,
                                      domain=target.domain)
    return target.domain
