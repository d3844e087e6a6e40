"""OrderedCollections and their pages, in the shapes Mastodon serves and reads."""

from __future__ import annotations

from typing import Any

from federation.activitystreams import AS_CONTEXT


def ordered_collection(
    collection_id: str, total: int, *, first: str | None = None, last: str | None = None
) -> dict[str, Any]:
    """A collection head. Without `first`, Mastodon treats the collection as hidden."""
    document: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": total,
    }
    if first is not None:
        document["first"] = first
    if last is not None:
        document["last"] = last
    return document


def ordered_collection_page(
    page_id: str,
    *,
    part_of: str,
    items: list[Any],
    total: int | None = None,
    next_page: str | None = None,
    prev_page: str | None = None,
    context: list[Any] | str = AS_CONTEXT,
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": context,
        "id": page_id,
        "type": "OrderedCollectionPage",
        "partOf": part_of,
        "orderedItems": items,
    }
    if total is not None:
        document["totalItems"] = total
    if next_page is not None:
        document["next"] = next_page
    if prev_page is not None:
        document["prev"] = prev_page
    return document
