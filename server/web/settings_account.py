"""The account itself: changing the password, and deleting the account.

Both ask for the current password, and a wrong one counts against the same attempt
limits as signing in, so neither page can be used to guess a password faster.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.activitypub.context import federation_of
from server.passwords import WeakPassword, check_strength, hash_password, verify_password
from server.services.closing import delete_account
from server.services.profile import forget_avatar_file
from server.storage import accounts as account_store
from server.storage import oauth as oauth_store
from server.storage import sessions as session_store
from server.web import auth
from server.web.forms import FieldErrors, read_form, text_field
from server.web.guards import require_viewer
from server.web.sessions import Viewer, expired_session_cookie
from server.web.state import db_of, instance_of
from server.web.templating import render


def _limiter_keys(request: Request, viewer: Viewer) -> tuple[str, str]:
    """The sign-in limiter's keys for this member and this address."""
    host = request.client.host if request.client else "unknown"
    return f"account:{viewer.actor.username.lower()}", f"address:{host}"


def _password_refused(request: Request, viewer: Viewer, password: str, field: str,
                      errors: FieldErrors) -> int | None:
    """None when `password` is the member's own; else the status to answer with, and the
    reason next to `field`."""
    name_key, address = _limiter_keys(request, viewer)
    wait = max(auth.per_account.blocked(name_key), auth.per_address.blocked(address))
    if wait:
        minutes = max(1, round(wait / 60))
        errors.add(field, f"Too many tries with a wrong password. For your safety, please"
                          f" wait {minutes} minute{'s' if minutes > 1 else ''} and try again.")
        return 429
    if not verify_password(viewer.account.password_hash, password):
        auth.per_account.failed(name_key)
        auth.per_address.failed(address)
        errors.add(field, "That is not your current password. Please try again.")
        return 422
    auth.per_account.succeeded(name_key)
    return None


async def password_page(request: Request) -> Response:
    require_viewer(request)
    return render(request, "settings/password.html", {"errors": {}})


async def change_password(request: Request) -> Response:
    viewer = require_viewer(request)
    form = await read_form(request)
    current = text_field(form, "current_password", strip=False)
    new = text_field(form, "new_password", strip=False)
    again = text_field(form, "new_password_again", strip=False)
    errors = FieldErrors()
    status = _password_refused(request, viewer, current, "current_password", errors)
    if status is None:
        try:
            check_strength(new)
        except WeakPassword as error:
            errors.add("new_password", f"{str(error)[0].upper()}{str(error)[1:]}.")
        if new != again:
            errors.add("new_password_again", "The two new passwords are not the same.")
        status = 422 if errors else None
    if status is not None:
        return render(request, "settings/password.html", {"errors": errors},
                      status_code=status)
    db = db_of(request)
    await account_store.set_password_hash(db, viewer.actor.id, hash_password(new))
    await session_store.end_other_sessions(db, viewer.actor.id, keep=viewer.session_token)
    await oauth_store.revoke_all_apps_for(db, viewer.actor.id)
    return RedirectResponse("/settings/password?saved=1", status_code=303)


async def delete_page(request: Request) -> Response:
    require_viewer(request)
    return render(request, "settings/delete.html", {"errors": {}})


async def delete(request: Request) -> Response:
    viewer = require_viewer(request)
    form = await read_form(request)
    errors = FieldErrors()
    status = _password_refused(request, viewer, text_field(form, "password", strip=False),
                               "password", errors)
    typed = text_field(form, "confirm_username").removeprefix("@")
    if status is None and typed.lower() != viewer.actor.username.lower():
        errors.add("confirm_username", f"Please type your username, {viewer.actor.username},"
                                       " to confirm.")
        status = 422
    db = db_of(request)
    if status is None and viewer.account.role == "admin" and (
            await account_store.count_accounts(db, role="admin") <= 1):
        errors.add("password", "You are this community's only admin. Please make someone"
                               " else an admin first, so the community is not left without one.")
        status = 409
    if status is not None:
        return render(request, "settings/delete.html", {"errors": errors}, status_code=status)
    federation = federation_of(request)
    await forget_avatar_file(federation, viewer.actor)
    await delete_account(federation, viewer.actor)
    response = RedirectResponse("/settings/deleted", status_code=303)
    response.raw_headers.append((b"set-cookie", expired_session_cookie(instance_of(request))))
    return response


async def deleted(request: Request) -> Response:
    """Shown to whoever arrives here, signed in or not: it holds nothing personal."""
    return render(request, "settings/deleted.html", {})


routes = [
    Route("/settings/password", password_page, methods=["GET"]),
    Route("/settings/password", change_password, methods=["POST"]),
    Route("/settings/delete", delete_page, methods=["GET"]),
    Route("/settings/delete", delete, methods=["POST"]),
    Route("/settings/deleted", deleted, methods=["GET"]),
]
