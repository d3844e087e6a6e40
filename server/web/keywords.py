"""Moderators' keyword rules: words or patterns, and what happens to posts using them."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from moderation.keywords import (
    InvalidRule,
    KeywordAction,
    KeywordMatcher,
    KeywordRule,
    MatchMode,
    RuleDirection,
)
from server.storage import keywords as keyword_store
from server.web.forms import FieldErrors, read_form, text_field
from server.web.guards import require_moderator
from server.web.state import db_of
from server.web.templating import render

ACTIONS = [
    (KeywordAction.FLAG.value, "Let it through, and tell the moderators"),
    (KeywordAction.WARN.value, "Add a content warning"),
    (KeywordAction.HOLD.value, "Hold it until a moderator has looked"),
    (KeywordAction.REJECT.value, "Refuse it"),
]
MODES = [(MatchMode.WORD.value, "Whole words or a phrase"),
         (MatchMode.PATTERN.value, "A pattern (regular expression)")]
DIRECTIONS = [(RuleDirection.BOTH.value, "Posts from here and from other servers"),
              (RuleDirection.INBOUND.value, "Posts from other servers only"),
              (RuleDirection.OUTBOUND.value, "Members' posts only")]
MAX_RULES = 10_000
FIELD_LENGTH = 200


async def rules_page(request: Request, *, errors: FieldErrors | None = None,
                     values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    require_moderator(request)
    return render(request, "admin/keywords.html", {
        "rules": await keyword_store.list_rules(db_of(request)),
        "actions": ACTIONS, "modes": MODES, "directions": DIRECTIONS,
        "errors": errors or {}, "values": values or {},
        "action_names": dict(ACTIONS), "direction_names": dict(DIRECTIONS),
    }, status_code=status_code)


async def add_rule(request: Request) -> Response:
    viewer = require_moderator(request)
    form = await read_form(request)
    values = {name: text_field(form, name)
              for name in ("text", "mode", "action", "direction", "note", "warning")}
    errors = FieldErrors()
    for name, choices in (("mode", MODES), ("action", ACTIONS), ("direction", DIRECTIONS)):
        if values[name] not in dict(choices):
            errors.add(name, "Please choose one of the options.")
    if not values["text"]:
        errors.add("text", "Please give the words or the pattern to look for.")
    for name in ("text", "note", "warning"):
        if len(values[name]) > FIELD_LENGTH:
            errors.add(name, f"Please keep this under {FIELD_LENGTH} characters.")
    db = db_of(request)
    if len(await keyword_store.list_rules(db)) >= MAX_RULES:
        errors.add("text", f"There are already {MAX_RULES} rules; remove some first.")
    if not errors:
        rule = KeywordRule(id="new", text=values["text"], mode=MatchMode(values["mode"]),
                           action=KeywordAction(values["action"]),
                           direction=RuleDirection(values["direction"]), note=values["note"],
                           warning=values["warning"])
        try:
            KeywordMatcher([rule])
        except InvalidRule as error:
            errors.add("text", f"This rule cannot be used: {error.problem}.")
    if errors:
        return await rules_page(request, errors=errors, values=values, status_code=422)
    await keyword_store.add_rule(db, rule, by_id=viewer.actor.id,
                                 by_name=f"@{viewer.actor.username}")
    return RedirectResponse("/admin/keywords", status_code=303)


async def remove_rule(request: Request) -> Response:
    viewer = require_moderator(request)
    await read_form(request)
    if not await keyword_store.remove_rule(db_of(request), request.path_params["rule_id"],
                                           by_id=viewer.actor.id,
                                           by_name=f"@{viewer.actor.username}"):
        raise HTTPException(404)
    return RedirectResponse("/admin/keywords", status_code=303)


routes = [
    Route("/admin/keywords", rules_page, methods=["GET"]),
    Route("/admin/keywords", add_rule, methods=["POST"]),
    Route("/admin/keywords/{rule_id:int}/remove", remove_rule, methods=["POST"]),
]
