"""The team's pages: applications to review and the community's settings."""

from __future__ import annotations

import secrets
from datetime import timedelta

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.activitypub.authorized import SECURE_MODE_SETTING
from server.clock import now, to_text
from server.community import REGISTRATION_MODES, load_choices, save_choices
from server.storage import accounts as account_store
from server.storage import audit
from server.storage import community as community_store
from server.storage.settings import get_setting, set_setting
from server.web.blocklist import PUBLIC_LIST_SETTING
from server.web.forms import FieldErrors, checkbox, read_form, text_field
from server.web.guards import require_admin, require_moderator
from server.web.state import db_of
from server.web.templating import render

RULES_MAX = 30
RULE_LENGTH = 300
CRISIS_LENGTH = 4000
DESCRIPTION_LENGTH = 1000


async def admin_index(request: Request) -> Response:
    require_moderator(request)
    pending = await account_store.pending_applications(db_of(request))
    return render(request, "admin/index.html", {"pending": len(pending)})


async def applications_page(request: Request, *, errors: FieldErrors | None = None,
                            status_code: int = 200) -> Response:
    require_moderator(request)
    pending = await account_store.pending_applications(db_of(request))
    return render(request, "admin/applications.html",
                  {"applications": pending, "errors": errors or {}}, status_code=status_code)


async def decide(request: Request) -> Response:
    viewer = require_moderator(request)
    form = await read_form(request)
    db = db_of(request)
    account_id = request.path_params["account_id"]
    if request.path_params["decision"] not in ("approve", "reject"):
        raise HTTPException(404)
    approve = request.path_params["decision"] == "approve"
    reason = text_field(form, "reason")
    if not approve and not reason:
        errors = FieldErrors()
        errors.add(f"reason-{account_id}", "Please give a reason; the applicant will see it.")
        return await applications_page(request, errors=errors, status_code=422)
    if len(reason) > 500:
        errors = FieldErrors()
        errors.add(f"reason-{account_id}", "Please keep the reason under 500 characters.")
        return await applications_page(request, errors=errors, status_code=422)
    decided = await account_store.decide_application(
        db, account_id, approve=approve, reviewer_id=viewer.actor.id,
        reviewer_name=f"@{viewer.actor.username}", reason=reason,
    )
    if not decided:
        return render(request, "message.html", {
            "heading": "Already decided",
            "paragraphs": ["Someone else has already decided on this application."],
            "back": "/admin/applications",
        }, status_code=409)
    return RedirectResponse("/admin/applications", status_code=303)


async def _settings_context(request: Request) -> dict[str, object]:
    db = db_of(request)
    return {
        "choices": await load_choices(db),
        "modes": list(REGISTRATION_MODES.items()),
        "rules_text": "\n".join(rule.text for rule in await community_store.list_rules(db)),
        "federated_timeline": (await get_setting(db, "federated_timeline")) != "off",
        "secure_mode": (await get_setting(db, SECURE_MODE_SETTING)) == "1",
        "public_domain_blocks": (await get_setting(db, PUBLIC_LIST_SETTING)) != "off",
        "invites": await community_store.list_invites(db),
        "errors": {},
    }


async def settings_page(request: Request) -> Response:
    require_admin(request)
    return render(request, "admin/settings.html", await _settings_context(request))


def _check_settings(registrations: str, rules: list[str], crisis: str,
                    description: str) -> FieldErrors:
    errors = FieldErrors()
    if registrations not in REGISTRATION_MODES:
        errors.add("registrations", "Please choose one of the ways to join.")
    if len(rules) > RULES_MAX:
        errors.add("rules", f"Please keep to {RULES_MAX} rules or fewer.")
    if any(len(rule) > RULE_LENGTH for rule in rules):
        errors.add("rules", f"Each rule must be under {RULE_LENGTH} characters.")
    if len(crisis) > CRISIS_LENGTH:
        errors.add("crisis_resources", f"Please keep this under {CRISIS_LENGTH} characters.")
    if len(description) > DESCRIPTION_LENGTH:
        errors.add("description", f"Please keep this under {DESCRIPTION_LENGTH} characters.")
    return errors


async def save_settings(request: Request) -> Response:
    viewer = require_admin(request)
    form = await read_form(request)
    db = db_of(request)
    registrations = text_field(form, "registrations")
    rules = [line.strip() for line in text_field(form, "rules").splitlines() if line.strip()]
    crisis = text_field(form, "crisis_resources")
    description = text_field(form, "description")
    errors = _check_settings(registrations, rules, crisis, description)
    if errors:
        context = await _settings_context(request)
        context["errors"] = errors
        return render(request, "admin/settings.html", context, status_code=422)
    await save_choices(db, registrations=registrations, crisis_resources=crisis,
                       description=description)
    await community_store.replace_rules(db, rules)
    await set_setting(db, "federated_timeline", "on" if checkbox(form, "federated_timeline")
                      else "off")
    await set_setting(db, SECURE_MODE_SETTING, "1" if checkbox(form, "secure_mode") else "0")
    await set_setting(db, PUBLIC_LIST_SETTING,
                      "on" if checkbox(form, "public_domain_blocks") else "off")
    await audit.record(db, actor_id=viewer.actor.id, actor_name=f"@{viewer.actor.username}",
                       action="settings.update",
                       target=f"registrations={registrations}, {len(rules)} rules")
    return RedirectResponse("/admin/settings?saved=1", status_code=303)


async def create_invite(request: Request) -> Response:
    viewer = require_admin(request)
    form = await read_form(request)
    uses_text = text_field(form, "max_uses")
    days_text = text_field(form, "expires_days")
    errors = FieldErrors()
    if uses_text and (not uses_text.isdigit() or not 1 <= int(uses_text) <= 1000):
        errors.add("max_uses", "Uses must be a whole number from 1 to 1000, or empty for no limit.")
    if days_text and (not days_text.isdigit() or not 1 <= int(days_text) <= 365):
        errors.add("expires_days", "Days must be a whole number from 1 to 365, or empty.")
    if errors:
        context = await _settings_context(request)
        context["errors"] = errors
        return render(request, "admin/settings.html", context, status_code=422)
    await audit.record(db_of(request), actor_id=viewer.actor.id,
                       actor_name=f"@{viewer.actor.username}", action="invite.create",
                       target=f"uses={uses_text or 'unlimited'}, days={days_text or 'never'}")
    await community_store.create_invite(
        db_of(request),
        code=secrets.token_urlsafe(9),
        created_by=viewer.actor.id,
        max_uses=int(uses_text) if uses_text else None,
        expires_at=to_text(now() + timedelta(days=int(days_text))) if days_text else None,
    )
    return RedirectResponse("/admin/settings#invites", status_code=303)


ROLE_NAMES = {"member": "Member", "moderator": "Moderator", "admin": "Admin"}


async def members_page(request: Request, *, errors: FieldErrors | None = None,
                       status_code: int = 200) -> Response:
    require_admin(request)
    after = request.query_params.get("after") or None
    members = await account_store.list_members(db_of(request), after=after)
    return render(request, "admin/members.html", {
        "members": members, "roles": list(ROLE_NAMES.items()), "errors": errors or {},
        "next_after": members[-1].username if len(members) == 50 else None,
    }, status_code=status_code)


async def change_role(request: Request) -> Response:
    viewer = require_admin(request)
    form = await read_form(request)
    account_id = request.path_params["account_id"]
    role = text_field(form, f"role-{account_id}")
    errors = FieldErrors()
    if role not in ROLE_NAMES:
        errors.add(f"role-{account_id}", "Please choose member, moderator or admin.")
        return await members_page(request, errors=errors, status_code=422)
    try:
        await account_store.set_role(db_of(request), account_id, role, by_id=viewer.actor.id,
                                     by_name=f"@{viewer.actor.username}")
    except LookupError as error:
        raise HTTPException(404) from error
    except account_store.LastAdmin:
        errors.add(f"role-{account_id}", "This is the only admin; appoint another admin first.")
        return await members_page(request, errors=errors, status_code=409)
    return RedirectResponse("/admin/members", status_code=303)


async def audit_page(request: Request) -> Response:
    require_moderator(request)
    before = request.query_params.get("before", "")
    entries = await audit.recent(db_of(request),
                                 before=int(before) if before.isdigit() else None)
    older = entries[-1].id if len(entries) == audit.PAGE else None
    return render(request, "admin/audit.html", {"entries": entries, "older": older})


routes = [
    Route("/admin", admin_index),
    Route("/admin/applications", applications_page, methods=["GET"]),
    Route("/admin/applications/{account_id:int}/{decision:str}", decide, methods=["POST"]),
    Route("/admin/settings", settings_page, methods=["GET"]),
    Route("/admin/settings", save_settings, methods=["POST"]),
    Route("/admin/invites", create_invite, methods=["POST"]),
    Route("/admin/audit", audit_page, methods=["GET"]),
    Route("/admin/members", members_page, methods=["GET"]),
    Route("/admin/members/{account_id:int}/role", change_role, methods=["POST"]),
]
