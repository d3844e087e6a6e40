"""A member's data as files they can keep and Mastodon can import.

The CSV files follow Mastodon's export formats (Settings → Import and export there reads
them back); the posts are an ActivityPub outbox of Create activities with the actor
document beside it, as Mastodon's archive has them. Everything is built in memory: one
member's data is small.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from federation.actors import build_actor
from federation.notes import NOTE_CONTEXT, build_create, build_note
from server.activitypub.context import Federation
from server.activitypub.convert import to_actor_facts
from server.services.posting import note_facts
from server.storage import exports
from server.storage.actors import Actor

FOLLOWING_HEADER = ("Account address", "Show boosts", "Notify on new posts", "Languages")
MUTED_HEADER = ("Account address", "Hide notifications")
FOLLOWERS_HEADER = ("Account address",)

_README = """\
Your data from {domain}, exported for @{handle} on {date}.

following_accounts.csv  the people you follow (Mastodon can import this file)
followers.csv           the people who follow you
blocked_accounts.csv    the people you blocked, one address a line (Mastodon can import it)
muted_accounts.csv      the people you muted (Mastodon can import it)
outbox.json             all your posts, as ActivityPub Create activities
actor.json              your profile, as ActivityPub sees it

Members-only posts never left {domain}; in outbox.json they are addressed only to the
people they mention.
"""


def csv_text(rows: Sequence[tuple[str, ...]], header: tuple[str, ...] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


async def following_csv(federation: Federation, member: Actor) -> str:
    rows = [(handle, "true", "false", "")
            for handle in await exports.following(federation.db, member.id)]
    return csv_text(rows, FOLLOWING_HEADER)


async def followers_csv(federation: Federation, member: Actor) -> str:
    rows = [(handle,) for handle in await exports.followers(federation.db, member.id)]
    return csv_text(rows, FOLLOWERS_HEADER)


async def blocked_csv(federation: Federation, member: Actor) -> str:
    """Mastodon's block list export has no header: one address a line."""
    return csv_text([(handle,) for handle in await exports.blocked(federation.db, member.id)])


async def muted_csv(federation: Federation, member: Actor) -> str | None:
    """None where this instance keeps no mutes. Notifications are marked hidden: on an
    import that is the gentler reading of a mute."""
    handles = await exports.muted(federation.db, member.id)
    if handles is None:
        return None
    return csv_text([(handle, "true") for handle in handles], MUTED_HEADER)


async def outbox(federation: Federation, member: Actor) -> dict[str, Any]:
    """Every post, members-only and private ones too, as an OrderedCollection of Creates."""
    items = []
    for post in await exports.all_posts(federation.db, member.id):
        facts = await note_facts(federation, post, member)
        if facts.visibility == "local":
            # Members-only has no ActivityPub audience: it reached nobody elsewhere.
            facts = replace(facts, visibility="direct")
        items.append(build_create(build_note(facts), with_context=False))
    return {
        "@context": NOTE_CONTEXT,
        "id": member.outbox_uri or f"{member.uri}/outbox",
        "type": "OrderedCollection",
        "totalItems": len(items),
        "orderedItems": items,
    }


def actor_document(federation: Federation, member: Actor) -> dict[str, Any]:
    return build_actor(to_actor_facts(member, federation.instance.urls))


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


async def archive(federation: Federation, member: Actor, *, date: str) -> bytes:
    """All of the above in one zip file."""
    files = {
        "README.txt": _README.format(domain=federation.instance.settings.domain,
                                     handle=member.handle, date=date),
        "following_accounts.csv": await following_csv(federation, member),
        "followers.csv": await followers_csv(federation, member),
        "blocked_accounts.csv": await blocked_csv(federation, member),
        "outbox.json": _json(await outbox(federation, member)),
        "actor.json": _json(actor_document(federation, member)),
    }
    muted = await muted_csv(federation, member)
    if muted is not None:
        files["muted_accounts.csv"] = muted
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, text in files.items():
            bundle.writestr(name, text)
    return buffer.getvalue()

