"""What the policies decided on their own: every rejection and rewrite of an activity
coming in or going out, newest first, so the team can see what its rules are doing."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from moderation.domains import InvalidDomain, normalize_domain
from server.storage.decisions import PAGE, recent_decisions
from server.web.guards import require_moderator
from server.web.people import row_id
from server.web.state import db_of
from server.web.templating import render

DIRECTIONS = {"inbound": "Coming in", "outbound": "Going out"}


async def decisions_page(request: Request) -> Response:
    require_moderator(request)
    typed = request.query_params.get("domain", "").strip()
    domain, problem = None, ""
    if typed:
        try:
            domain = normalize_domain(typed)
        except InvalidDomain:
            problem = "That is not a domain; showing every domain."
    before = row_id(request.query_params.get("before"))
    found = await recent_decisions(db_of(request), before=before, domain=domain,
                                   limit=PAGE + 1)
    shown = found[:PAGE]
    older = None
    if len(found) > PAGE:
        older = f"/admin/decisions?before={shown[-1].id}" + (f"&domain={domain}" if domain
                                                            else "")
    return render(request, "admin/decisions.html", {
        "decisions": shown, "older": older, "domain": domain or "", "typed": typed,
        "problem": problem, "directions": DIRECTIONS,
    }, status_code=422 if problem else 200)


routes = [Route("/admin/decisions", decisions_page, methods=["GET"])]
