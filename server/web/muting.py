"""Muting people and words: the forms and the muted-words settings page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.storage import mutes as mute_store
from server.storage.actors import get_actor
from server.web.reading import sign_in_redirect
from server.web.sessions import Viewer, csrf_matches, viewer_of
from server.web.state import db_of
from server.web.templating import render

MUTED_WORDS_PATH = "/settings/muted-words"


def profile_path(username: str, domain: str, *, local: bool) -> str:
    return f"/@{username}" if local else f"/@{username}@{domain}"


async def _signed_form(request: Request) -> tuple[Viewer | None, dict[str, str], Response | None]:
    """The viewer and the submitted fields, or the answer to give instead (not signed
    in, or a form without its CSRF token)."""
    viewer = viewer_of(request)
    if viewer is None:
        return None, {}, sign_in_redirect(request)
    form = await request.form()
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    if not csrf_matches(request, fields.get("csrf_token", "")):
        page = render(request, "message.html", {
            "title": "Please try again",
            "message": "That form had expired. Go back, reload the page and try again.",
        }, status_code=403)
        return None, {}, page
    return viewer, fields, None


async def _set_mute(request: Request, *, muted: bool) -> Response:
    viewer, _, refusal = await _signed_form(request)
    if refusal is not None:
        return refusal
    assert viewer is not None
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
    viewer = viewer_of(request)
    if viewer is None:
        return sign_in_redirect(request)
    return await _words_page(request, viewer)


async def add_muted_word(request: Request) -> Response:
    viewer, fields, refusal = await _signed_form(request)
    if refusal is not None:
        return refusal
    assert viewer is not None
    phrase = fields.get("phrase", "")
    try:
        await mute_store.add_muted_word(db_of(request), viewer.actor.id, phrase)
    except mute_store.InvalidPhrase as error:
        return await _words_page(request, viewer, error=error.message, phrase=phrase[:200],
                                 status_code=400)
    return RedirectResponse(MUTED_WORDS_PATH, status_code=303)


async def remove_muted_word(request: Request) -> Response:
    viewer, fields, refusal = await _signed_form(request)
    if refusal is not None:
        return refusal
    assert viewer is not None
    word_id = fields.get("word_id", "")
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
