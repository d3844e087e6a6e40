"""Builders for the activities a member's actions send, in Mastodon's shapes (§4).

Strict in what we send: full IRIs, arrays for to/cc, the actor as an IRI, and an
`@context` on every top-level activity.
"""

from __future__ import annotations

from typing import Any

from federation.activitystreams import AS_CONTEXT, PUBLIC


def _top(activity: dict[str, Any]) -> dict[str, Any]:
    return {"@context": AS_CONTEXT, **activity}


def follow(activity_id: str, actor: str, target: str) -> dict[str, Any]:
    return _top({"id": activity_id, "type": "Follow", "actor": actor, "object": target})


def _embedded_follow(follow_id: str, follower: str, followee: str) -> dict[str, Any]:
    return {"id": follow_id, "type": "Follow", "actor": follower, "object": followee}


def accept_follow(activity_id: str, followee: str, follow_id: str, follower: str) -> dict[str, Any]:
    return _top({
        "id": activity_id, "type": "Accept", "actor": followee,
        "object": _embedded_follow(follow_id, follower, followee),
    })


def reject_follow(activity_id: str, followee: str, follow_id: str, follower: str) -> dict[str, Any]:
    return _top({
        "id": activity_id, "type": "Reject", "actor": followee,
        "object": _embedded_follow(follow_id, follower, followee),
    })


def undo(activity_id: str, actor: str, undone: dict[str, Any]) -> dict[str, Any]:
    inner = {key: value for key, value in undone.items() if key != "@context"}
    activity: dict[str, Any] = {"id": activity_id, "type": "Undo", "actor": actor, "object": inner}
    if inner.get("type") == "Announce":
        activity["to"] = [PUBLIC]
    return _top(activity)


def like(activity_id: str, actor: str, note: str) -> dict[str, Any]:
    return _top({"id": activity_id, "type": "Like", "actor": actor, "object": note})


def announce(
    activity_id: str, actor: str, note: str, *, author: str, followers: str, published: str
) -> dict[str, Any]:
    return _top({
        "id": activity_id, "type": "Announce", "actor": actor, "published": published,
        "to": [PUBLIC], "cc": [author, followers], "object": note,
    })


def block(activity_id: str, actor: str, target: str) -> dict[str, Any]:
    return _top({"id": activity_id, "type": "Block", "actor": actor, "object": target})


def delete_note(actor: str, note: str, *, to: list[str], cc: list[str]) -> dict[str, Any]:
    return _top({
        "id": f"{note}#delete", "type": "Delete", "actor": actor, "to": to, "cc": cc,
        "object": {"id": note, "type": "Tombstone", "atomUri": note},
    })


def delete_actor(actor: str) -> dict[str, Any]:
    return _top({
        "id": f"{actor}#delete", "type": "Delete", "actor": actor, "to": [PUBLIC], "object": actor,
    })


def update(activity_id: str, actor: str, obj: dict[str, Any], *, to: list[str], cc: list[str]
           ) -> dict[str, Any]:
    inner = {key: value for key, value in obj.items() if key != "@context"}
    return {
        "@context": obj.get("@context", AS_CONTEXT), "id": activity_id, "type": "Update",
        "actor": actor, "to": to, "cc": cc, "object": inner,
    }



def flag(activity_id: str, actor: str, objects: list[str], content: str) -> dict[str, Any]:
    """A report forwarded to the server of the reported account, as Mastodon sends it:
    from the instance actor, so the member who reported stays unknown there."""
    return _top({"id": activity_id, "type": "Flag", "actor": actor, "content": content,
                 "object": objects})
