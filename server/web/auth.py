"""Joining and signing in: the application form, sign-in with attempt limits, sign-out."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.accounts import InvalidAccount, create_member
from server.community import load_choices
from server.passwords import hash_password, verify_password
from server.services.sanctions import suspension_message
from server.storage import accounts as account_store
from server.storage import community as community_store
from server.storage import sessions as session_store
from server.storage.accounts import Application, EmailTaken, InviteInvalid, UsernameTaken
from server.web.forms import FieldErrors, checkbox, read_form, text_field
from server.web.guards import safe_next
from server.web.ratelimit import AttemptLimiter
from server.web.sessions import expired_session_cookie, start_session, viewer_of
from server.web.state import db_of, instance_of
from server.web.templating import render

# Five wrong passwords for one name, or thirty from one address, in fifteen minutes.
per_account = AttemptLimiter(attempts=5, window_seconds=15 * 60)
per_address = AttemptLimiter(attempts=30, window_seconds=15 * 60)
# Verifying against this when the name is unknown keeps both answers equally slow.
_UNKNOWN_ACCOUNT_HASH = hash_password("kinhaven-no-such-account")
REASON_MAX = 1000


def _redirect(location: str, cookie: bytes | None = None) -> RedirectResponse:
    response = RedirectResponse(location, status_code=303)
    if cookie is not None:
        response.raw_headers.append((b"set-cookie", cookie))
    return response


async def login_page(request: Request) -> Response:
    if viewer_of(request) is not None:
        return _redirect(safe_next(request.query_params.get("next")))
    return render(request, "login.html", {"next": safe_next(request.query_params.get("next")),
                                          "errors": {}, "username": ""})


def _wait_message(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many attempts. For your safety, please wait {minutes} {unit} and try again."


async def login(request: Request) -> Response:
    form = await read_form(request)
    db = db_of(request)
    username = text_field(form, "username").removeprefix("@").split("@", 1)[0]
    password = text_field(form, "password", strip=False)
    next_path = safe_next(text_field(form, "next"))
    address = f"address:{request.client.host if request.client else 'unknown'}"
    name_key = f"account:{username.lower()}"
    errors = FieldErrors()
    context = {"next": next_path, "username": username, "errors": errors}
    wait = max(per_account.blocked(name_key), per_address.blocked(address))
    if wait:
        errors.add("password", _wait_message(wait))
        return render(request, "login.html", context, status_code=429)
    account = await account_store.get_account_by_username(db, username) if username else None
    known_hash = account.password_hash if account and account.password_hash else None
    if not verify_password(known_hash or _UNKNOWN_ACCOUNT_HASH, password) or known_hash is None:
        per_account.failed(name_key)
        per_address.failed(address)
        errors.add("password", "That username and password do not match. Please try again.")
        return render(request, "login.html", context, status_code=401)
    assert account is not None
    per_account.succeeded(name_key)
    if account.pending:
        errors.add("username", "Your application is waiting for a moderator. Thank you for"
                   " your patience; you can sign in once it is approved.")
        return render(request, "login.html", context, status_code=403)
    if account.rejected_at is not None:
        given = account.rejection_reason
        reason = f" The reason given: {given}" if given else ""
        errors.add("username", f"Your application was not accepted.{reason}")
        return render(request, "login.html", context, status_code=403)
    if account.suspended:
        errors.add("username", await suspension_message(db, account))
        return render(request, "login.html", context, status_code=403)
    cookie = await start_session(db, instance_of(request), account.actor_id)
    return _redirect(next_path, cookie)


async def logout(request: Request) -> Response:
    await read_form(request)
    viewer = viewer_of(request)
    if viewer is not None:
        await session_store.end_session(db_of(request), viewer.session_token)
    return _redirect("/", expired_session_cookie(instance_of(request)))


async def _signup_context(request: Request, **extra: object) -> dict[str, object]:
    db = db_of(request)
    return {
        "choices": await load_choices(db),
        "rules": await community_store.list_rules(db),
        "errors": {},
        "values": {"invite": request.query_params.get("invite", "")},
        **extra,
    }


async def signup_page(request: Request) -> Response:
    if viewer_of(request) is not None:
        return _redirect("/home")
    return render(request, "signup.html", await _signup_context(request))


def _check_application(values: dict[str, str], *, mode: str, accepted: bool,
                       has_rules: bool) -> FieldErrors:
    errors = FieldErrors()
    if not values["username"]:
        errors.add("username", "Please choose a username.")
    if values["password"] != values["password_again"]:
        errors.add("password_again", "The two passwords are not the same.")
    if mode == "approval" and not values["invite"] and not values["reason"]:
        errors.add("reason", "Please tell us a little about why you would like to join.")
    if len(values["reason"]) > REASON_MAX:
        errors.add("reason", f"Please keep this under {REASON_MAX} characters.")
    if mode == "invite" and not values["invite"]:
        errors.add("invite", "An invite code is needed to join this community.")
    if has_rules and not accepted:
        errors.add("accept_rules", "Please read the rules and tick the box to accept them.")
    return errors


async def signup(request: Request) -> Response:
    form = await read_form(request)
    db = db_of(request)
    choices = await load_choices(db)
    fields = ("username", "email", "password", "password_again", "reason", "invite")
    values = {name: text_field(form, name, strip=not name.startswith("password"))
              for name in fields}
    rules = await community_store.list_rules(db)
    if choices.registrations == "closed":
        return render(request, "signup.html", await _signup_context(request), status_code=403)
    errors = _check_application(values, mode=choices.registrations,
                                accepted=checkbox(form, "accept_rules"), has_rules=bool(rules))
    shown = {k: v for k, v in values.items() if not k.startswith("password")}
    if errors:
        context = await _signup_context(request, errors=errors, values=shown)
        return render(request, "signup.html", context, status_code=422)
    invited = bool(values["invite"])
    approved = choices.registrations == "open" or invited
    try:
        account_id = await create_member(
            db, instance_of(request).settings,
            username=values["username"], password=values["password"],
            email=values["email"] or None, approved=approved,
            application=Application(reason=values["reason"], rules_accepted=bool(rules),
                                    invite_code=values["invite"] or None),
        )
    except InvalidAccount as error:
        errors.add(error.field, f"{str(error)[0].upper()}{str(error)[1:]}.")
    except UsernameTaken:
        errors.add("username", "That username is taken. Please choose another.")
    except EmailTaken:
        errors.add("email", "That e-mail address is already used by another account.")
    except InviteInvalid:
        errors.add("invite", "That invite code is not valid any more. Please ask for a new one.")
    if errors:
        context = await _signup_context(request, errors=errors, values=shown)
        return render(request, "signup.html", context, status_code=422)
    if approved:
        cookie = await start_session(db, instance_of(request), account_id)
        return _redirect("/home", cookie)
    return render(request, "message.html", {
        "heading": "Thank you for applying",
        "paragraphs": [
            "A moderator will read your application soon. Once it is approved you can sign in"
            " with the username and password you chose.",
            "If you need support before then, the “Need help now?” link at the top of every"
            " page lists people you can talk to straight away.",
        ],
    })


routes = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/signup", signup_page, methods=["GET"]),
    Route("/signup", signup, methods=["POST"]),
]
