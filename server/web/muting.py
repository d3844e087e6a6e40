"""Muting people and words: the forms and the muted-words settings page."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.storage import mutes as mute_store
from server.storage.actors import get_actor
from server.web.forms import read_form, text_field
from server.web.guards import require_viewer
from server.web.sessions import Viewer
from server.web.state import db_of
from server.web.templating import render

MUTED_WORDS_PATH = "/settings/muted-words"


def profile_path(username: str, domain: str, *, local: bool) -> str:
    return f"/@{username}" if local else f"/@{username}@{domain}"


async def _signed_form(request: Request) -> tuple[Viewer, FormData]:
    """The signed-in viewer and their form, its CSRF token checked (or the exceptions the
    app turns into a sign-in redirect and a kind refusal)."""
    viewer = require_viewer(request)
    return viewer, await read_form(request)


async def _set_mute(request: Request, *, muted: bool) -> Response:
    viewer, _ = await _signed_form(request)
    db = db_of(request)
    target = await get_actor(db, int(request.path_params["actor_id"]))
    if target is None or target.id == viewer.actor.id or target.actor_type != "Person":
        return render(request, "not_found.html", {}, status_code=404)
    if muted:
        await mute_store.mute(db, actor_id=viewer.actor.id, target_id=target.id)
    else:
        await mute_store.unmute(db, actor_id=viewer.actor.id, target_id=target.id)
    where = profile_path(target.username, target.domain, local=target.local)
    return RedirectResponse(where, status_code=303)


async def mute_person(request: Request) -> Response:
    return await _set_mute(request, muted=True)


async def unmute_person(request: Request) -> Response:
    return await _set_mute(request, muted=False)


async def _words_page(request: Request, viewer: Viewer, *, error: str | None = None,
                      phrase: str = "", status_code: int = 200) -> Response:
    words = await mute_store.muted_words(db_of(request), viewer.actor.id)
    return render(request, "muted_words.html", {
        "words": words, "error": error, "phrase": phrase,
        "max_length": mute_store.MAX_PHRASE_LENGTH, "max_words": mute_store.MAX_PHRASES,
    }, status_code=status_code)


async def muted_words_page(request: Request) -> Response:
    return await _words_page(request, require_viewer(request))


async def add_muted_word(request: Request) -> Response:
    viewer, form = await _signed_form(request)
    phrase = text_field(form, "phrase", strip=False)
    try:
        await mute_store.add_muted_word(db_of(request), viewer.actor.id, phrase)
    except mute_store.InvalidPhrase as error:
        return await _words_page(request, viewer, error=error.message, phrase=phrase[:200],
                                 status_code=400)
    return RedirectResponse(MUTED_WORDS_PATH, status_code=303)


async def remove_muted_word(request: Request) -> Response:
    viewer, form = await _signed_form(request)
    word_id = text_field(form, "word_id")
    if word_id.isdigit():
        await mute_store.remove_muted_word(db_of(request), viewer.actor.id, int(word_id))
    return RedirectResponse(MUTED_WORDS_PATH, status_code=303)


routes = [
    Route("/people/{actor_id:int}/mute", mute_person, methods=["POST"]),
    Route("/people/{actor_id:int}/unmute", unmute_person, methods=["POST"]),
    Route(MUTED_WORDS_PATH, muted_words_page),
    Route(MUTED_WORDS_PATH, add_muted_word, methods=["POST"]),
    Route(f"{MUTED_WORDS_PATH}/remove", remove_muted_word, methods=["POST"]),
]
