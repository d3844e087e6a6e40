"""Admins' safety settings: risk terms and what happens to a post that uses them, and
how many first posts of a new member a moderator reviews."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from moderation.risk import DEFAULT_RISK_TERMS, RiskResponse
from server.local_posts import LocalChoices, load_local_choices, save_local_choices
from server.storage import audit
from server.web.forms import FieldErrors, read_form, text_field
from server.web.guards import require_admin
from server.web.state import db_of
from server.web.templating import render

RESPONSES = [
    (RiskResponse.PUBLISH.value, "Publish it, and alert the moderators"),
    (RiskResponse.PUBLISH_WITH_NOTE.value,
     "Publish it with a note pointing to help, and alert the moderators"),
    (RiskResponse.HOLD.value, "Hold it until a moderator has looked"),
]
MAX_TERMS = 500
TERM_LENGTH = 100


async def safety_page(request: Request, *, errors: FieldErrors | None = None,
                      values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    require_admin(request)
    choices = await load_local_choices(db_of(request))
    shown = values or {
        "risk_response": choices.risk_response.value,
        "risk_terms": "\n".join(choices.risk_terms),
        "posts_to_review": str(choices.posts_to_review),
    }
    return render(request, "admin/safety.html", {
        "responses": RESPONSES, "values": shown, "errors": errors or {},
        "default_terms": ", ".join(DEFAULT_RISK_TERMS[:6]),
    }, status_code=status_code)


async def save_safety(request: Request) -> Response:
    viewer = require_admin(request)
    form = await read_form(request)
    values = {name: text_field(form, name)
              for name in ("risk_response", "risk_terms", "posts_to_review")}
    terms = [line.strip() for line in values["risk_terms"].splitlines() if line.strip()]
    errors = FieldErrors()
    if values["risk_response"] not in dict(RESPONSES):
        errors.add("risk_response", "Please choose what happens to such a post.")
    if len(terms) > MAX_TERMS:
        errors.add("risk_terms", f"Please keep to {MAX_TERMS} terms or fewer.")
    elif any(len(term) > TERM_LENGTH for term in terms):
        errors.add("risk_terms", f"Each term must be under {TERM_LENGTH} characters.")
    reviews = values["posts_to_review"]
    if not reviews.isdigit() or int(reviews) > 100:
        errors.add("posts_to_review", "Please give a whole number from 0 to 100.")
    if errors:
        return await safety_page(request, errors=errors, values=values, status_code=422)
    db = db_of(request)
    await save_local_choices(db, LocalChoices(
        risk_response=RiskResponse(values["risk_response"]), risk_terms=tuple(terms),
        posts_to_review=int(reviews),
    ))
    await audit.record(db, actor_id=viewer.actor.id, actor_name=f"@{viewer.actor.username}",
                       action="safety.update",
                       target=f"{values['risk_response']}, {len(terms)} terms, "
                              f"first {reviews} posts reviewed")
    return RedirectResponse("/admin/safety?saved=1", status_code=303)


routes = [
    Route("/admin/safety", safety_page, methods=["GET"]),
    Route("/admin/safety", save_safety, methods=["POST"]),
]
