"""Admins' safety settings: risk terms and what happens to a post that uses them, how
many first posts of a new member a moderator reviews, the moderators' duty hours (while
nobody is on duty, much-reported posts are hidden), and how many members a stranger's
post may mention before it is held."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from moderation.auto_hide import REPORTERS_TO_HIDE, REPORTS_TO_HIDE
from moderation.duty import (
    DEFAULT_TIMEZONE,
    DutyHoursInvalid,
    on_duty,
    parse_duty_hours,
    parse_timezone,
)
from moderation.mention_spam import MAX_THRESHOLD
from moderation.risk import DEFAULT_RISK_TERMS, RiskResponse
from server.clock import now
from server.duty_hours import load_duty_hours, save_duty_hours
from server.local_posts import LocalChoices, load_local_choices, save_local_choices
from server.policies import mention_threshold, save_mention_threshold
from server.storage import audit
from server.storage.database import Database
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
DUTY_HOURS_LENGTH = 500
FIELDS = ("risk_response", "risk_terms", "posts_to_review", "duty_hours", "duty_timezone",
          "mention_threshold")


async def safety_page(request: Request, *, errors: FieldErrors | None = None,
                      values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    require_admin(request)
    db = db_of(request)
    choices = await load_local_choices(db)
    hours = await load_duty_hours(db)
    shown = values or {
        "risk_response": choices.risk_response.value,
        "risk_terms": "\n".join(choices.risk_terms),
        "posts_to_review": str(choices.posts_to_review),
        **await _saved(db),
    }
    return render(request, "admin/safety.html", {
        "responses": RESPONSES, "values": shown, "errors": errors or {},
        "default_terms": ", ".join(DEFAULT_RISK_TERMS[:6]),
        "duty_set": bool(hours.shifts), "on_duty_now": on_duty(hours, now()),
        "reporters_to_hide": REPORTERS_TO_HIDE, "reports_to_hide": REPORTS_TO_HIDE,
    }, status_code=status_code)


async def _saved(db: Database) -> dict[str, str]:
    """The saved values of the later fields, also kept when a form (from a page opened
    before they existed) is sent without them."""
    hours = await load_duty_hours(db)
    return {
        "duty_hours": hours.text,
        "duty_timezone": hours.timezone,
        "mention_threshold": str(await mention_threshold(db)),
    }


def _sentence(error: DutyHoursInvalid) -> str:
    text = str(error)
    return f"{text[0].upper()}{text[1:]}."


async def save_safety(request: Request) -> Response:
    viewer = require_admin(request)
    form = await read_form(request)
    values = {name: text_field(form, name) for name in FIELDS}
    for name, saved in (await _saved(db_of(request))).items():
        if name not in form:
            values[name] = saved
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
    hours = None
    try:
        timezone = parse_timezone(values["duty_timezone"])
    except DutyHoursInvalid as error:
        errors.add("duty_timezone", _sentence(error))
        timezone = DEFAULT_TIMEZONE
    if len(values["duty_hours"]) > DUTY_HOURS_LENGTH:
        errors.add("duty_hours", f"Please keep the hours under {DUTY_HOURS_LENGTH} characters.")
    else:
        try:
            hours = parse_duty_hours(values["duty_hours"], timezone)
        except DutyHoursInvalid as error:
            errors.add("duty_hours", _sentence(error))
    mentions = values["mention_threshold"]
    if not mentions.isdigit() or int(mentions) > MAX_THRESHOLD:
        errors.add("mention_threshold", f"Please give a whole number from 0 to {MAX_THRESHOLD}.")
    if errors or hours is None:
        return await safety_page(request, errors=errors, values=values, status_code=422)
    db = db_of(request)
    await save_local_choices(db, LocalChoices(
        risk_response=RiskResponse(values["risk_response"]), risk_terms=tuple(terms),
        posts_to_review=int(reviews),
    ))
    await save_duty_hours(db, hours)
    await save_mention_threshold(db, int(mentions))
    await audit.record(db, actor_id=viewer.actor.id, actor_name=f"@{viewer.actor.username}",
                       action="safety.update",
                       target=f"{values['risk_response']}, {len(terms)} terms, "
                              f"first {reviews} posts reviewed, duty hours "
                              f"{hours.text or 'none'} ({hours.timezone}), strangers'"
                              f" posts held at {mentions} mentions")
    return RedirectResponse("/admin/safety?saved=1", status_code=303)


routes = [
    Route("/admin/safety", safety_page, methods=["GET"]),
    Route("/admin/safety", save_safety, methods=["POST"]),
]
