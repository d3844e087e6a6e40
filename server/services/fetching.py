"""Fetching one post from another server by its address, for a member's search.

A post fetched this way passes what a delivered one passes: the server must be one we
federate with, before anything is fetched; the author is fetched as any sender is;
the inbound moderation pipeline (domain policy, account sanctions, keyword rules)
judges it as it judges a Create, and a post it would reject or hold is not stored
(the verdict is kept with the other decisions); the note is then stored through the
same path as delivered notes, with the pipeline's rewrites.
"""

from __future__ import annotations

from federation.client import BlockedURL, FetchError
from federation.parse import MalformedActivity, host_of, ref
from moderation.candidate import Candidate, Direction
from moderation.pipeline import Action
from server.activitypub.context import Federation
from server.activitypub.incoming_notes import Arrival, NoteDropped, store_notes
from server.activitypub.remote import ActorUnavailable
from server.storage.decisions import record_decision
from server.storage.posts import Post
from server.workers.inbound import mentions_of, text_of


class NotFetched(Exception):
    """The post could not be fetched, or may not be kept here; the message says why."""


async def fetch_remote_post(federation: Federation, url: str) -> Post:
    """The post at `url` on another server, stored here; NotFetched if it cannot be."""
    host = host_of(url)
    if not host or await federation.is_suspended(host):
        raise NotFetched(f"{host or url} is not a server we federate with")
    try:
        document = await federation.client.fetch_activity(url, signer=federation.signer)
        author = await federation.remote.get(ref(document.get("attributedTo"), "attributedTo"))
    except (FetchError, BlockedURL, ActorUnavailable, MalformedActivity) as error:
        raise NotFetched(f"could not fetch {url}: {error}") from error
    if await federation.is_suspended(host_of(author.uri)):
        raise NotFetched(f"{host_of(author.uri)} is not a server we federate with")
    candidate = Candidate(Direction.INBOUND, "Create", author.uri, host_of(author.uri),
                          text=text_of(document), mentions=mentions_of(document))
    decision = await federation.pipeline.decide(candidate)
    await record_decision(federation.db, decision, direction="inbound",
                          subject_uri=str(document.get("id") or url), domain=candidate.domain)
    if decision.action is Action.HOLD or not decision.allowed:
        raise NotFetched(f"{decision.policy}: {decision.reason}")
    # Asked for by a member, the post concerns someone here as a boost's post does.
    (stored,) = await store_notes(federation, [
        Arrival(document, author, boosted=True, rewrites=decision.rewrites)])
    if isinstance(stored, NoteDropped):
        raise NotFetched(str(stored))
    return stored
