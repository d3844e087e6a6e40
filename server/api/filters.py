"""Mastodon's filters v2 (and the read-only v1 list made from their keywords): a member's
titled sets of keywords and posts, for chosen places of reading, that warn or hide.

Hide filters are applied by the server wherever the member reads, through the same
`ReaderFilter` that applies muted words, so a hidden post is simply absent. Warn (and
`blur`) filters are kept and listed for the apps to apply; `filter_results_json` gives
a Status its `filtered` field. A filter is the member's own: another member's answers
404, as an unknown one does. `expires_in` counts seconds from now (0 makes a filter that
has already ended, as in Mastodon); an ended filter is listed but does nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api.auth import Caller, require_scope
from server.api.entities import JSON, timestamp
from server.api.errors import ApiError, not_found, or_not_found, validation_failed
from server.api.params import Params, read_params
from server.api.responses import api_json
from server.api.routing import record_id
from server.clock import now, to_text
from server.storage import filters as filter_store
from server.storage.filters import (
    ACTIONS,
    CONTEXTS,
    ContentFilter,
    FilterChoices,
    FilterKeyword,
    FilterPost,
    KeywordChange,
    TooMany,
)
from server.storage.posts import Post
from server.storage.timelines import visible_post
from server.storage.visibility import Reader, plain_text
from server.web.state import db_of

READ, WRITE = "read:filters", "write:filters"
TITLE_LENGTH = 256
KEYWORD_LENGTH = 512
LONGEST_EXPIRY = 10 * 365 * 24 * 3600
_FORM_ENTRY = re.compile(r"\Akeywords_attributes\[(\d*)\]\[(\w+)\]\Z")


def keyword_json(keyword: FilterKeyword) -> JSON:
    return {"id": str(keyword.id), "keyword": keyword.keyword, "whole_word": keyword.whole_word}


def filter_post_json(entry: FilterPost) -> JSON:
    return {"id": str(entry.id), "status_id": str(entry.post_id)}


def filter_json(item: ContentFilter, *, with_rules: bool = True) -> JSON:
    """Mastodon's Filter; inside a Status's FilterResult it comes without its rules."""
    shown: JSON = {"id": str(item.id), "title": item.title, "context": list(item.contexts),
                   "expires_at": timestamp(item.expires_at), "filter_action": item.action}
    if with_rules:
        shown["keywords"] = [keyword_json(k) for k in item.keywords]
        shown["statuses"] = [filter_post_json(p) for p in item.posts]
    return shown


def v1_filter_json(item: ContentFilter, keyword: FilterKeyword) -> JSON:
    """Mastodon's v1 Filter: one keyword of a v2 filter, with that filter's settings."""
    return {"id": str(keyword.id), "phrase": keyword.keyword, "context": list(item.contexts),
            "expires_at": timestamp(item.expires_at), "irreversible": item.action == "hide",
            "whole_word": keyword.whole_word}


def filter_results_json(filters: Sequence[ContentFilter], post: Post) -> list[JSON]:
    """A Status's `filtered` (Mastodon's FilterResults): each of `filters` that matches the
    post, with what matched. Load the viewer's filters for the place once a request with
    `server.storage.filters.active_filters(db, viewer_id, context)`."""
    results = []
    text = f"{post.summary}\n\n{plain_text(post.content_html)}"
    for item in filters:
        pattern = filter_store.keywords_pattern(item.keywords)
        found = None if pattern is None else pattern.search(text)
        posts = [str(p.post_id) for p in item.posts if p.post_id == post.id]
        if found is None and not posts:
            continue
        results.append({"filter": filter_json(item, with_rules=False),
                        "keyword_matches": None if found is None else [found.group(0)],
                        "status_matches": posts or None})
    return results


def _one(name: str, value: object) -> Params:
    return Params([(name, value)])


def _title(params: Params, current: str | None) -> str:
    text = params.text("title")
    if text is None and current is not None:
        return current
    if text is None or not text.strip():
        raise validation_failed("Title can't be blank")
    if len(text) > TITLE_LENGTH:
        raise validation_failed(f"Title is too long (maximum is {TITLE_LENGTH} characters)")
    return text.strip()


def _contexts(params: Params, current: tuple[str, ...] | None) -> tuple[str, ...]:
    if "context" not in params and current is not None:
        return current
    chosen = tuple(dict.fromkeys(c.strip() for c in params.texts("context") if c.strip()))
    if not chosen:
        raise validation_failed("Context can't be blank")
    if any(context not in CONTEXTS for context in chosen):
        raise validation_failed("Context contains invalid context values")
    return chosen


def _action(params: Params, current: str | None) -> str:
    text = params.text("filter_action")
    if text is None or text == "":
        return current or "warn"
    if text not in ACTIONS:
        raise validation_failed(f"Filter action is not one of {', '.join(ACTIONS)}")
    return text


def _expires_at(params: Params, current: str | None) -> str | None:
    if "expires_in" not in params:
        return current
    text = params.text("expires_in")
    if text is None or not text.strip():
        return None
    text = text.strip()
    if not text.isascii() or not text.isdigit():
        raise validation_failed("expires_in must be a whole number of seconds")
    if len(text) > 12 or int(text) > LONGEST_EXPIRY:
        raise validation_failed("expires_in is too large")
    return to_text(now() + timedelta(seconds=int(text)))


def _entries(params: Params) -> list[dict[str, Any]]:
    """`keywords_attributes` as a list of objects, from JSON (a list, or an object keyed
    by position) or a form (`keywords_attributes[][keyword]`, `[0][keyword]`)."""
    sent = params.raw("keywords_attributes")
    if isinstance(sent, dict):
        sent = list(sent.values())
    if isinstance(sent, list):
        if not all(isinstance(entry, dict) for entry in sent):
            raise validation_failed("keywords_attributes must be a list of objects")
        return list(sent)
    if sent is not None:
        raise validation_failed("keywords_attributes must be a list of objects")
    indexed: dict[str, dict[str, Any]] = {}
    unnumbered: list[dict[str, Any]] = []
    for name in params.names():
        match = _FORM_ENTRY.match(name)
        if match is None:
            continue
        position, field = match.groups()
        value = params.text(name)
        if position:
            indexed.setdefault(position, {})[field] = value
            continue
        for number, each in enumerate(params.texts(name)):
            while len(unnumbered) <= number:
                unnumbered.append({})
            unnumbered[number][field] = each
    return [indexed[key] for key in sorted(indexed, key=int)] + unnumbered


def _keyword_text(value: object, *, required: bool) -> str | None:
    text = _one("keyword", value).text("keyword") if value is not None else None
    if text is None or not text.strip():
        if required:
            raise validation_failed("Keyword can't be blank")
        return None
    if len(text) > KEYWORD_LENGTH:
        raise validation_failed(f"Keyword is too long (maximum is {KEYWORD_LENGTH} characters)")
    return text.strip()


def _changes(params: Params, known: set[int] | None) -> list[KeywordChange]:
    """The keyword changes asked for; `known` holds the ids of the filter's keywords
    (None for a new filter, which has none to name)."""
    changes = []
    for entry in _entries(params):
        flags = Params(entry.items())
        id_text = flags.text("id")
        keyword_id = None
        if id_text is not None and id_text.strip():
            if not id_text.strip().isdigit() or known is None \
                    or int(id_text.strip()) not in known:
                raise not_found()
            keyword_id = int(id_text.strip())
        destroy = bool(flags.boolean("_destroy"))
        changes.append(KeywordChange(
            id=keyword_id,
            keyword=_keyword_text(entry.get("keyword"),
                                  required=keyword_id is None and not destroy),
            whole_word=flags.boolean("whole_word"), destroy=destroy))
    return changes


def _too_many(error: TooMany) -> ApiError:
    return validation_failed(f"You can keep at most {error.limit} {error.what}")


async def _own_filter(request: Request, caller: Caller, name: str = "id") -> ContentFilter:
    return or_not_found(await filter_store.get_filter(
        db_of(request), caller.actor.id, record_id(request, name)))


async def list_filters(request: Request) -> Response:
    caller = await require_scope(request, READ)
    return api_json([filter_json(f) for f in await filter_store.list_filters(
        db_of(request), caller.actor.id)])


async def show_filter(request: Request) -> Response:
    caller = await require_scope(request, READ)
    return api_json(filter_json(await _own_filter(request, caller)))


async def create_filter(request: Request) -> Response:
    caller = await require_scope(request, WRITE)
    params = await read_params(request)
    choices = FilterChoices(title=_title(params, None), contexts=_contexts(params, None),
                            action=_action(params, None),
                            expires_at=_expires_at(params, None))
    changes = _changes(params, None)
    db = db_of(request)
    try:
        filter_id = await filter_store.create_filter(db, caller.actor.id, choices, changes)
    except TooMany as error:
        raise _too_many(error) from error
    return api_json(filter_json(or_not_found(
        await filter_store.get_filter(db, caller.actor.id, filter_id))))


async def update_filter(request: Request) -> Response:
    caller = await require_scope(request, WRITE)
    current = await _own_filter(request, caller)
    params = await read_params(request)
    choices = FilterChoices(title=_title(params, current.title),
                            contexts=_contexts(params, current.contexts),
                            action=_action(params, current.action),
                            expires_at=_expires_at(params, current.expires_at))
    changes = _changes(params, {k.id for k in current.keywords})
    db = db_of(request)
    try:
        await filter_store.update_filter(db, caller.actor.id, current.id, choices, changes)
    except TooMany as error:
        raise _too_many(error) from error
    return api_json(filter_json(or_not_found(
        await filter_store.get_filter(db, caller.actor.id, current.id))))


async def delete_filter(request: Request) -> Response:
    caller = await require_scope(request, WRITE)
    current = await _own_filter(request, caller)
    await filter_store.delete_filter(db_of(request), caller.actor.id, current.id)
    return api_json({})


async def list_keywords(request: Request) -> Response:
    caller = await require_scope(request, READ)
    current = await _own_filter(request, caller, "filter_id")
    return api_json([keyword_json(k) for k in current.keywords])


async def add_keyword(request: Request) -> Response:
    caller = await require_scope(request, WRITE)
    current = await _own_filter(request, caller, "filter_id")
    params = await read_params(request)
    keyword = _keyword_text(params.raw("keyword"), required=True)
    assert keyword is not None
    whole_word = params.boolean("whole_word")
    db = db_of(request)
    try:
        keyword_id = await filter_store.add_keyword(
            db, current.id, keyword, True if whole_word is None else whole_word)
    except TooMany as error:
        raise _too_many(error) from error
    return api_json(keyword_json(or_not_found(
        await filter_store.get_keyword(db, caller.actor.id, keyword_id))))


async def _own_keyword(request: Request, caller: Caller) -> FilterKeyword:
    return or_not_found(await filter_store.get_keyword(
        db_of(request), caller.actor.id, record_id(request)))


async def show_keyword(request: Request) -> Response:
    caller = await require_scope(request, READ)
    return api_json(keyword_json(await _own_keyword(request, caller)))


async def update_keyword(request: Request) -> Response:
    caller = await require_scope(request, WRITE)
    current = await _own_keyword(request, caller)
    params = await read_params(request)
    keyword = _keyword_text(params.raw("keyword"), required=False) or current.keyword
    whole_word = params.boolean("whole_word")
    db = db_of(request)
    await filter_store.update_keyword(
        db, current.id, keyword, current.whole_word if whole_word is None else whole_word)
    return api_json(keyword_json(or_not_found(
        await filter_store.get_keyword(db, caller.actor.id, current.id))))


async def delete_keyword(request: Request) -> Response:
    caller = await require_scope(request, WRITE)
    current = await _own_keyword(request, caller)
    await filter_store.delete_keyword(db_of(request), current.id)
    return api_json({})


async def list_posts(request: Request) -> Response:
    caller = await require_scope(request, READ)
    current = await _own_filter(request, caller, "filter_id")
    return api_json([filter_post_json(p) for p in current.posts])


async def add_post(request: Request) -> Response:
    """Only a post the member may see can be named, so a filter never reveals others."""
    caller = await require_scope(request, WRITE)
    current = await _own_filter(request, caller, "filter_id")
    text = (await read_params(request)).text("status_id")
    if text is None or not text.strip():
        raise validation_failed("Status can't be blank")
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        raise not_found()
    db = db_of(request)
    post = or_not_found(await visible_post(db, Reader(caller.actor.id), int(text)))
    try:
        entry_id = await filter_store.add_filter_post(db, current.id, post.id)
    except TooMany as error:
        raise _too_many(error) from error
    return api_json(filter_post_json(or_not_found(
        await filter_store.get_filter_post(db, caller.actor.id, entry_id))))


async def _own_post(request: Request, caller: Caller) -> FilterPost:
    return or_not_found(await filter_store.get_filter_post(
        db_of(request), caller.actor.id, record_id(request)))


async def show_post(request: Request) -> Response:
    caller = await require_scope(request, READ)
    return api_json(filter_post_json(await _own_post(request, caller)))


async def delete_post(request: Request) -> Response:
    caller = await require_scope(request, WRITE)
    current = await _own_post(request, caller)
    await filter_store.delete_filter_post(db_of(request), current.id)
    return api_json({})


async def _v1_entries(request: Request, caller: Caller
                      ) -> list[tuple[ContentFilter, FilterKeyword]]:
    return [(item, keyword)
            for item in await filter_store.list_filters(db_of(request), caller.actor.id)
            for keyword in item.keywords]


async def list_v1_filters(request: Request) -> Response:
    caller = await require_scope(request, READ)
    return api_json([v1_filter_json(item, keyword)
                     for item, keyword in await _v1_entries(request, caller)])


async def show_v1_filter(request: Request) -> Response:
    caller = await require_scope(request, READ)
    wanted = record_id(request)
    for item, keyword in await _v1_entries(request, caller):
        if keyword.id == wanted:
            return api_json(v1_filter_json(item, keyword))
    raise not_found()


routes = [
    Route("/v2/filters", list_filters, methods=["GET"]),
    Route("/v2/filters", create_filter, methods=["POST"]),
    Route("/v2/filters/keywords/{id}", show_keyword, methods=["GET"]),
    Route("/v2/filters/keywords/{id}", update_keyword, methods=["PUT", "PATCH"]),
    Route("/v2/filters/keywords/{id}", delete_keyword, methods=["DELETE"]),
    Route("/v2/filters/statuses/{id}", show_post, methods=["GET"]),
    Route("/v2/filters/statuses/{id}", delete_post, methods=["DELETE"]),
    Route("/v2/filters/{filter_id}/keywords", list_keywords, methods=["GET"]),
    Route("/v2/filters/{filter_id}/keywords", add_keyword, methods=["POST"]),
    Route("/v2/filters/{filter_id}/statuses", list_posts, methods=["GET"]),
    Route("/v2/filters/{filter_id}/statuses", add_post, methods=["POST"]),
    Route("/v2/filters/{id}", show_filter, methods=["GET"]),
    Route("/v2/filters/{id}", update_filter, methods=["PUT", "PATCH"]),
    Route("/v2/filters/{id}", delete_filter, methods=["DELETE"]),
    Route("/v1/filters", list_v1_filters, methods=["GET"]),
    Route("/v1/filters/{id}", show_v1_filter, methods=["GET"]),
]
