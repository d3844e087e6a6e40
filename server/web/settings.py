"""A member's own settings: the index, privacy choices and taking a break. The profile,
password, export and account deletion pages have modules of their own; every route is
listed here."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.activitypub.context import federation_of
from server.clock import from_text, now, to_text
from server.services.profile import update_privacy
from server.storage import accounts as account_store
from server.storage.accounts import PrivacyChoices
from server.web import settings_account, settings_apps, settings_export, settings_profile
from server.web.forms import FieldErrors, checkbox, read_form, text_field
from server.web.guards import require_viewer
from server.web.sessions import Viewer
from server.web.state import db_of
from server.web.templating import render

VISIBILITIES = [
    ("local", "Members only", "Only people with an account here. Never sent to other servers."),
    ("public", "Public", "Anyone, here and on other servers, and in public timelines."),
    ("unlisted", "Unlisted", "Anyone with the link, but kept out of public timelines."),
    ("followers", "Followers only", "Only the people you have accepted as followers."),
]
BREAKS = {
    "1d": ("1 day", timedelta(days=1)),
    "3d": ("3 days", timedelta(days=3)),
    "1w": ("1 week", timedelta(weeks=1)),
    "2w": ("2 weeks", timedelta(weeks=2)),
    "1m": ("1 month", timedelta(days=30)),
    "open": ("Until I come back", None),
}


def saved(path: str) -> RedirectResponse:
    """After a change: back to the page, which says it was saved."""
    return RedirectResponse(f"{path}?saved=1", status_code=303)


async def index(request: Request) -> Response:
    require_viewer(request)
    return render(request, "settings/index.html", {})


def _privacy_values(viewer: Viewer) -> PrivacyChoices:
    account = viewer.account
    return PrivacyChoices(
        manually_approves_followers=viewer.actor.manually_approves_followers,
        discoverable=viewer.actor.discoverable,
        noindex=account.noindex,
        hide_network=account.hide_network,
        default_visibility=account.default_visibility,
        quiet_mode=account.quiet_mode,
    )


def _privacy_page(request: Request, values: PrivacyChoices, errors: FieldErrors, *,
                  status_code: int = 200) -> Response:
    return render(request, "settings/privacy.html", {
        "values": values, "visibilities": VISIBILITIES, "errors": errors,
    }, status_code=status_code)


async def privacy_page(request: Request) -> Response:
    viewer = require_viewer(request)
    return _privacy_page(request, _privacy_values(viewer), FieldErrors())


async def save_privacy(request: Request) -> Response:
    viewer = require_viewer(request)
    form = await read_form(request)
    choices = PrivacyChoices(
        manually_approves_followers=checkbox(form, "manually_approves_followers"),
        discoverable=checkbox(form, "discoverable"),
        noindex=checkbox(form, "noindex"),
        hide_network=checkbox(form, "hide_network"),
        default_visibility=text_field(form, "default_visibility"),
        quiet_mode=checkbox(form, "quiet_mode"),
    )
    if choices.default_visibility not in {value for value, _, _ in VISIBILITIES}:
        errors = FieldErrors()
        errors.add("default_visibility", "Please choose who sees your posts by default.")
        return _privacy_page(request, choices, errors, status_code=422)
    await update_privacy(federation_of(request), viewer.actor, choices)
    return saved("/settings/privacy")


def _when(moment: str) -> str:
    """A break's end as people say it: "Tuesday 4 June 2024 at 15:30 (UTC)"."""
    at = from_text(moment)
    return f"{at:%A} {at.day} {at:%B %Y} at {at:%H:%M} (UTC)"


def _break_page(request: Request, viewer: Viewer, errors: FieldErrors, *,
                status_code: int = 200) -> Response:
    account = viewer.account
    current = None
    if account_store.on_break(account):
        assert account.break_until is not None
        current = ("" if account.break_until == account_store.UNTIL_I_COME_BACK
                   else _when(account.break_until))
    return render(request, "settings/break.html", {
        "current": current,
        "choices": [(key, label) for key, (label, _) in BREAKS.items()],
        "errors": errors,
    }, status_code=status_code)


async def break_page(request: Request) -> Response:
    viewer = require_viewer(request)
    return _break_page(request, viewer, FieldErrors())


async def start_break(request: Request) -> Response:
    viewer = require_viewer(request)
    form = await read_form(request)
    choice = BREAKS.get(text_field(form, "duration"))
    if choice is None:
        errors = FieldErrors()
        errors.add("duration", "Please choose how long your break should last.")
        return _break_page(request, viewer, errors, status_code=422)
    length = choice[1]
    until = account_store.UNTIL_I_COME_BACK if length is None else to_text(now() + length)
    await account_store.set_break(db_of(request), viewer.actor.id, until)
    return saved("/settings/break")


async def end_break(request: Request) -> Response:
    viewer = require_viewer(request)
    await read_form(request)
    await account_store.set_break(db_of(request), viewer.actor.id, None)
    return RedirectResponse("/settings/break?ended=1", status_code=303)


routes = [
    Route("/settings", index, methods=["GET"]),
    *settings_profile.routes,
    Route("/settings/privacy", privacy_page, methods=["GET"]),
    Route("/settings/privacy", save_privacy, methods=["POST"]),
    *settings_account.routes,
    Route("/settings/break", break_page, methods=["GET"]),
    Route("/settings/break", start_break, methods=["POST"]),
    Route("/settings/break/end", end_break, methods=["POST"]),
    *settings_export.routes,
    *settings_apps.routes,
]
