"""`PATCH /api/v1/accounts/update_credentials`: the caller's profile and privacy choices,
through the same service and the same limits as the settings pages.

Everything sent is checked before anything is kept: one problem and the whole request
is a 422 (`Validation failed: ...`) with nothing stored. What is not sent stays as it
is. JSON (`{"source": {"privacy": ...}}`), form and multipart bodies (Mastodon.py sends
`source[privacy]` fields, and multipart once a picture goes with them) are all read.

- `display_name` (30 characters, printable), `note` (the bio as typed, 500 characters),
  `locked`, `discoverable`, `indexable` (off is the pages' "ask search engines not to
  index"), `hide_collections`, and an `avatar` image (re-encoded, metadata removed, as
  the profile page does).
- `source[privacy]` by Mastodon's names: `public`, `unlisted`, `private` (followers
  only). Kinhaven's own default, members only, has no Mastodon name: it reads as
  `private` with `source.kinhaven_privacy` saying `local`, so a client sending back the
  `private` it was shown keeps members only; `source[kinhaven_privacy]` (`local`,
  `public`, `unlisted`, `followers`) sets any of the four. `direct` is not a default a
  member can choose on the pages either, and is refused.
- `bot`: accounts here are people, so `bot=true` is refused and `false` accepted.
- Accepted but not kept, for want of anywhere to keep them: `header` (no header
  pictures here), `fields_attributes` (no profile fields), `source[sensitive]` and
  `source[language]` (no default sensitive mark or posting language). Each is still
  checked for its type, and the answer shows what is really in force.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.api.account_entities import credential_account_json
from server.api.accounts import federation_of
from server.api.auth import require_scope
from server.api.errors import validation_failed
from server.api.params import Params, read_params_and_files
from server.api.responses import api_json
from server.media.images import MAX_BYTES, MediaRejected, ProcessedImage, process_upload
from server.services.profile import AccountChange, profile_problems, update_account
from server.storage import profiles as profile_store
from server.storage.accounts import Account, PrivacyChoices
from server.storage.actors import get_actor
from server.web.state import db_of, instance_of

FILES = ("avatar", "header")
UPLOAD_LIMIT = 2 * MAX_BYTES + 64 * 1024
"""The largest body taken: both pictures at their largest and room for the fields."""

BY_MASTODON_NAME = {"public": "public", "unlisted": "unlisted", "private": "followers"}
KINHAVEN_DEFAULTS = ("local", "public", "unlisted", "followers")
"""The defaults the privacy page offers, by Kinhaven's names."""


def _source(params: Params) -> Params:
    """`source[...]` form fields, or a JSON `source` object, as params of their own."""
    nested = params.raw("source")
    pairs: list[tuple[str, object]] = []
    if isinstance(nested, dict):
        pairs += [(str(key), value) for key, value in nested.items()]
    elif nested is not None and nested != "":
        raise validation_failed("source must be an object")
    for name in params.names():
        if name.startswith("source[") and name.endswith("]"):
            pairs.append((name[len("source["):-1], params.raw(name)))
    return Params(pairs)


def _visibility(source: Params, current: str) -> str:
    """The default visibility asked for, by either name, or the current one."""
    kinhaven = source.text("kinhaven_privacy")
    if kinhaven:
        if kinhaven not in KINHAVEN_DEFAULTS:
            raise validation_failed(
                f"Kinhaven privacy must be one of {', '.join(KINHAVEN_DEFAULTS)}")
        return kinhaven
    privacy = source.text("privacy")
    if not privacy:
        return current
    if privacy == "private" and current == "local":
        return current  # how members only reads: sent back unchanged
    if privacy not in BY_MASTODON_NAME:
        raise validation_failed("Privacy must be one of public, unlisted, private")
    return BY_MASTODON_NAME[privacy]


def _check_unkept(params: Params, source: Params) -> None:
    """The values accepted and not kept are still refused when they cannot be read."""
    source.boolean("sensitive")
    language = source.text("language")
    if language and not (language.isascii() and language.isalpha() and len(language) <= 3):
        raise validation_failed("Language must be an ISO 639 code")
    if params.boolean("bot"):
        raise validation_failed("Bot accounts are not offered here: accounts are people")


def _privacy(params: Params, source: Params, account: Account, locked: bool,
             discoverable: bool) -> PrivacyChoices:
    def flag(name: str, current: bool) -> bool:
        value = params.boolean(name)
        return current if value is None else value

    return PrivacyChoices(
        manually_approves_followers=flag("locked", locked),
        discoverable=flag("discoverable", discoverable),
        noindex=not flag("indexable", not account.noindex),
        hide_network=flag("hide_collections", account.hide_network),
        default_visibility=_visibility(source, account.default_visibility),
        quiet_mode=account.quiet_mode,
    )


async def _avatar(data: bytes | None) -> ProcessedImage | None:
    if not data:
        return None
    try:
        return await asyncio.to_thread(process_upload, data)
    except MediaRejected as error:
        raise validation_failed(f"Avatar {error.reason}") from error


async def update_credentials(request: Request) -> Response:
    caller = await require_scope(request, "write:accounts")
    db, actor = db_of(request), caller.actor
    params, files = await read_params_and_files(request, limit=UPLOAD_LIMIT, files=FILES)
    source = _source(params)
    _check_unkept(params, source)
    sent_name, sent_note = params.text("display_name"), params.text("note")
    display_name = actor.display_name if sent_name is None else sent_name.strip()
    bio = (await profile_store.bio_source(db, actor.id)) if sent_note is None \
        else sent_note.replace("\r\n", "\n").strip()
    problems = profile_problems(display_name, bio)
    if problems:
        raise validation_failed(", ".join(problems.values()))
    privacy = _privacy(params, source, caller.account, actor.manually_approves_followers,
                       actor.discoverable)
    change = AccountChange(display_name=display_name, bio=bio, privacy=privacy,
                           avatar=await _avatar(files.get("avatar")))
    await update_account(federation_of(request), actor, change)
    updated = await get_actor(db, actor.id)
    assert updated is not None
    return api_json(await credential_account_json(db, instance_of(request), updated))


routes: list[BaseRoute] = [
    Route("/v1/accounts/update_credentials", update_credentials, methods=["PATCH"]),
]
