"""The moderators' page for domain policy: blocks with their severity and options, the
allowlist, and (for admins) the federation mode.

Every change goes through `server.storage.policy`, which audits it in the same
transaction. Bad input re-shows the page with the reason next to the field and
changes nothing; unblocking asks first, on a page of its own, since no script runs here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from moderation.domain_csv import MAX_COMMENT
from moderation.domains import (
    ALLOWLIST,
    LIMIT,
    NOOP,
    OPEN,
    SUSPEND,
    InvalidDomain,
    covers,
    normalize_domain,
)
from server.storage import policy as policy_store
from server.web.forms import FieldErrors, checkbox, read_form, text_field
from server.web.guards import require_admin, require_moderator
from server.web.sessions import Viewer
from server.web.state import db_of, instance_of
from server.web.templating import render

SEVERITIES = [(SUSPEND, "Suspend: nothing is exchanged with this server"),
              (LIMIT, "Limit: kept off public timelines; follows from there need approval"),
              (NOOP, "None: only the options below apply")]
SEVERITY_NAMES = {SUSPEND: "Suspended", LIMIT: "Limited", NOOP: "None"}
OPTIONS = [("reject_media", "Reject media: pictures and files from there are not shown"),
           ("reject_reports", "Reject reports: reports from there are refused"),
           ("force_sensitive", "Mark media sensitive: pictures from there are hidden until"
            " clicked")]
MODES = [(OPEN, "Open: every server except suspended ones"),
         (ALLOWLIST, "Allowlist: only the servers on the allowlist")]
COMMENT_LENGTH = MAX_COMMENT
PAGE = 100


def by_name(viewer: Viewer) -> str:
    """Who the audit log names for a change made on these pages."""
    return f"@{viewer.actor.username}"


def done(what: str, **names: str) -> RedirectResponse:
    """Back to the page, which says what was just done (see `_notice`)."""
    return RedirectResponse(f"/admin/domains?{urlencode({'done': what, **names})}",
                            status_code=303)


def checked_domain(request: Request, text: str, field: str, errors: FieldErrors,
                   own_message: str) -> str:
    """The domain as stored (`*.Bad.Example` -> `bad.example`), or "" with the reason."""
    if not text:
        errors.add(field, "Please give the server's domain, such as example.social.")
        return ""
    try:
        domain = normalize_domain(text)
    except InvalidDomain:
        errors.add(field, "That is not a domain. Please give only the server's name, such as"
                   " example.social, without https:// or a path.")
        return ""
    own = instance_of(request).settings.domain
    if covers(domain, own):
        errors.add(field, own_message.format(own=own))
        return ""
    return domain


def checked_length(values: dict[str, str], names: tuple[str, ...], errors: FieldErrors) -> None:
    for name in names:
        if len(values[name]) > COMMENT_LENGTH:
            errors.add(name, f"Please keep this under {COMMENT_LENGTH} characters.")


def _follows(count: int) -> str:
    return "1 follow" if count == 1 else f"{count} follows"


def _notice(params: QueryParams) -> str:
    """The line saying what was just done, rebuilt from checked parameters only."""
    done, severed = params.get("done", ""), params.get("severed", "")
    if done == "mode" and params.get("mode") in dict(MODES):
        return f"The federation mode is now {params['mode']}."
    try:
        domain = normalize_domain(params.get("domain", ""))
    except InvalidDomain:
        return ""
    if done == "blocked":
        note = (f" Suspending it severed {_follows(int(severed))} between members here and"
                " accounts there." if severed.isdigit() else "")
        return f"The policy for {domain} is saved.{note}"
    return {"unblocked": f"{domain} is no longer moderated.",
            "allowed": f"{domain} is on the allowlist.",
            "already": f"{domain} was already on the allowlist.",
            "disallowed": f"{domain} is no longer on the allowlist."}.get(done, "")


async def _edited(request: Request) -> dict[str, Any]:
    """The block form filled in with a recorded policy, for "Change"."""
    try:
        domain = normalize_domain(request.query_params.get("edit", ""))
    except InvalidDomain:
        return {}
    policy = (await policy_store.domain_policies(db_of(request), [domain])).get(domain)
    if policy is None:
        return {}
    return {"domain": policy.domain, "severity": policy.severity,
            "reject_media": policy.reject_media, "reject_reports": policy.reject_reports,
            "force_sensitive": policy.force_sensitive, "obfuscate": policy.obfuscate,
            "public_comment": policy.public_comment, "private_comment": policy.private_comment}


async def domains_page(request: Request, *, errors: FieldErrors | None = None,
                       values: dict[str, Any] | None = None, status_code: int = 200
                       ) -> Response:
    require_moderator(request)
    db = db_of(request)
    after = request.query_params.get("after") or None
    blocks = await policy_store.list_blocks(db, after=after, limit=PAGE + 1)
    settings = instance_of(request).settings
    return render(request, "admin/domains.html", {
        "blocks": blocks[:PAGE], "next_after": blocks[PAGE - 1].domain
        if len(blocks) > PAGE else None, "count": await policy_store.count_blocks(db),
        "allows": await policy_store.list_allows(db),
        "mode": await policy_store.federation_mode(db, settings.federation_mode),
        "severities": SEVERITIES, "severity_names": SEVERITY_NAMES, "options": OPTIONS,
        "modes": MODES, "max_comment": COMMENT_LENGTH, "notice": _notice(request.query_params),
        "errors": errors or {}, "values": values if values is not None else await _edited(request),
    }, status_code=status_code)


async def save_block(request: Request) -> Response:
    viewer = require_moderator(request)
    form = await read_form(request)
    values: dict[str, Any] = {name: text_field(form, name) for name in (
        "domain", "severity", "public_comment", "private_comment")}
    flags = {name: checkbox(form, name)
             for name in ("reject_media", "reject_reports", "force_sensitive", "obfuscate")}
    errors = FieldErrors()
    domain = checked_domain(request, values["domain"], "domain", errors,
                            "That is this server's own domain ({own}), or a domain covering"
                            " it: this server cannot block itself.")
    if values["severity"] not in SEVERITY_NAMES:
        errors.add("severity", "Please choose suspend, limit or none.")
    checked_length(values, ("public_comment", "private_comment"), errors)
    if errors:
        return await domains_page(request, errors=errors, values={**values, **flags},
                                  status_code=422)
    severed = await policy_store.block_domain(
        db_of(request), domain, severity=values["severity"], reason=values["public_comment"],
        private_reason=values["private_comment"], reject_media=flags["reject_media"],
        reject_reports=flags["reject_reports"], force_sensitive=flags["force_sensitive"],
        obfuscate=flags["obfuscate"], by_id=viewer.actor.id, by_name=by_name(viewer))
    if values["severity"] == SUSPEND:
        return done("blocked", domain=domain, severed=str(severed))
    return done("blocked", domain=domain)


async def _unblock_page(request: Request, domain: str, *, errors: FieldErrors | None = None,
                        reason: str = "", status_code: int = 200) -> Response:
    policy = (await policy_store.domain_policies(db_of(request), [domain])).get(domain)
    if policy is None:
        return render(request, "message.html", {
            "heading": "Nothing to unblock",
            "paragraphs": [f"No policy is recorded for {domain}; someone may have removed it"
                           " already. Nothing was changed."],
            "back": "/admin/domains",
        }, status_code=404)
    return render(request, "admin/domain_unblock.html", {
        "policy": policy, "severity_names": SEVERITY_NAMES, "errors": errors or {},
        "reason": reason, "max_comment": COMMENT_LENGTH,
    }, status_code=status_code)


def _named(text: str) -> str:
    """A domain named by a button or a link: it came from our own page, so a bad one is
    shown as not found rather than as a field error."""
    try:
        return normalize_domain(text)
    except InvalidDomain:
        return text[:100]


async def confirm_unblock(request: Request) -> Response:
    require_moderator(request)
    return await _unblock_page(request, _named(request.query_params.get("domain", "")))


async def unblock(request: Request) -> Response:
    viewer = require_moderator(request)
    form = await read_form(request)
    domain, reason = _named(text_field(form, "domain")), text_field(form, "reason")
    if len(reason) > COMMENT_LENGTH:
        errors = FieldErrors()
        errors.add("reason", f"Please keep this under {COMMENT_LENGTH} characters.")
        return await _unblock_page(request, domain, errors=errors, reason=reason,
                                   status_code=422)
    try:
        removed = await policy_store.unblock_domain(db_of(request), domain, reason=reason,
                                                    by_id=viewer.actor.id,
                                                    by_name=by_name(viewer))
    except InvalidDomain:
        removed = False
    if not removed:
        return await _unblock_page(request, domain)
    return done("unblocked", domain=domain)


async def allow(request: Request) -> Response:
    viewer = require_moderator(request)
    form = await read_form(request)
    values = {name: text_field(form, name) for name in ("allow_domain", "allow_reason")}
    errors = FieldErrors()
    domain = checked_domain(request, values["allow_domain"], "allow_domain", errors,
                            "That is this server's own domain ({own}): it always federates"
                            " with itself.")
    checked_length(values, ("allow_reason",), errors)
    if errors:
        return await domains_page(request, errors=errors, values=values, status_code=422)
    added = await policy_store.allow_domain(db_of(request), domain,
                                            reason=values["allow_reason"],
                                            by_id=viewer.actor.id, by_name=by_name(viewer))
    return done("allowed" if added else "already", domain=domain)


async def disallow(request: Request) -> Response:
    viewer = require_moderator(request)
    form = await read_form(request)
    domain = _named(text_field(form, "domain"))
    try:
        removed = await policy_store.disallow_domain(db_of(request), domain,
                                                     by_id=viewer.actor.id,
                                                     by_name=by_name(viewer))
    except InvalidDomain:
        removed = False
    if not removed:
        return render(request, "message.html", {
            "heading": "Not on the allowlist",
            "paragraphs": [f"{domain} is not on the allowlist; someone may have removed it"
                           " already. Nothing was changed."],
            "back": "/admin/domains",
        }, status_code=404)
    return done("disallowed", domain=domain)


async def change_mode(request: Request) -> Response:
    viewer = require_admin(request)
    form = await read_form(request)
    values: dict[str, Any] = {name: text_field(form, name) for name in ("mode", "mode_reason")}
    values["confirm_allowlist"] = checkbox(form, "confirm_allowlist")
    errors = FieldErrors()
    if values["mode"] not in dict(MODES):
        errors.add("mode", "Please choose open or allowlist.")
    elif values["mode"] == ALLOWLIST and not values["confirm_allowlist"]:
        errors.add("confirm_allowlist", "Please tick the box to confirm that only the servers"
                   " on the allowlist will federate with this community.")
    checked_length(values, ("mode_reason",), errors)
    if errors:
        return await domains_page(request, errors=errors, values=values, status_code=422)
    await policy_store.set_federation_mode(db_of(request), values["mode"],
                                           reason=values["mode_reason"],
                                           by_id=viewer.actor.id, by_name=by_name(viewer))
    return done("mode", mode=values["mode"])


routes = [
    Route("/admin/domains", domains_page, methods=["GET"]),
    Route("/admin/domains", save_block, methods=["POST"]),
    Route("/admin/domains/unblock", confirm_unblock, methods=["GET"]),
    Route("/admin/domains/unblock", unblock, methods=["POST"]),
    Route("/admin/domains/allow", allow, methods=["POST"]),
    Route("/admin/domains/disallow", disallow, methods=["POST"]),
    Route("/admin/domains/mode", change_mode, methods=["POST"]),
]
