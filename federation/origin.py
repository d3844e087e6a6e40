"""Origin checks: an activity may only speak for its signer, about its signer's things.

A server can sign only for its own actors, so everything an activity asserts must
sit on the signer's host: the activity id, the actor, and for Create, Update and
Delete the object and its author. Announce, Like and Follow name other servers'
objects legitimately, so only their envelope is checked.
"""

from __future__ import annotations

from federation.parse import Envelope, host_of, ref


class OriginMismatch(Exception):
    """The activity claims something its signer cannot vouch for."""


_AUTHORED = frozenset({"Create", "Update", "Delete"})


def check_origin(envelope: Envelope, signer: str) -> None:
    if envelope.actor != signer:
        raise OriginMismatch(f"signed by {signer} but the actor is {envelope.actor}")
    actor_host = host_of(envelope.actor)
    if host_of(envelope.id) != actor_host:
        raise OriginMismatch(f"the activity id {envelope.id} is not on {actor_host}")
    if envelope.type in _AUTHORED and envelope.object_id is not None:
        if host_of(envelope.object_id) != actor_host:
            raise OriginMismatch(f"the object {envelope.object_id} is not on {actor_host}")
        embedded = envelope.object
        if embedded is not None and embedded.get("attributedTo") is not None:
            author = ref(embedded["attributedTo"], "attributedTo")
            if author != envelope.actor:
                raise OriginMismatch(f"the object is attributed to {author}, not the actor")
    if envelope.type == "Undo" and envelope.object is not None:
        inner_actor = envelope.object.get("actor")
        if inner_actor is not None and ref(inner_actor, "object.actor") != envelope.actor:
            raise OriginMismatch("an actor may only undo its own activities")
