"""Moderators acting on an account: one place for the web pages, the admin API and the
command line, so the same checks hold however a sanction is asked for."""

from __future__ import annotations

from dataclasses import dataclass

from moderation.accounts import MAX_REASON, WARNING, SanctionInvalid, check_request
from server.clock import from_text, now, to_text
from server.storage import accounts as account_store
from server.storage import notifications as notification_store
from server.storage import sanctions as sanction_store
from server.storage.accounts import Account
from server.storage.actors import Actor
from server.storage.database import Database
from server.storage.sanctions import UNTIL_LIFTED, Sanction


class SanctionForbidden(SanctionInvalid):
    """The request was well formed, but this moderator may not act on this account."""


NOTIFICATION_KIND = "moderation_warning"
"""As Mastodon names it: the member is told of every sanction, with its reason."""


@dataclass(frozen=True)
class Moderator:
    """Who acts: their actor id (None for the command line), name and role."""

    actor_id: int | None
    name: str
    role: str


async def _refusal(db: Database, target: Actor, by: Moderator) -> str | None:
    if target.local and target.actor_type != "Person":
        return "the instance's own actor cannot be sanctioned"
    if target.id == by.actor_id:
        return "you cannot sanction your own account"
    if not target.local:
        return None
    account = await account_store.get_account(db, target.id)
    if account is None:
        return "this account is not a member here"
    if account.role == "admin":
        return "admins cannot be sanctioned; another admin can change their role first"
    if account.role == "moderator" and by.role != "admin":
        return "only an admin can sanction a moderator"
    return None


async def sanction(db: Database, target: Actor, *, kind: str, duration: str, reason: str,
                   note: str, by: Moderator, report_id: int | None = None) -> Sanction:
    """Apply a sanction (raises `SanctionInvalid` with the reason when it cannot be) and
    tell the member, if it is one of ours."""
    length = check_request(kind, duration, reason.strip(), note.strip())
    refusal = await _refusal(db, target, by)
    if refusal is not None:
        raise SanctionForbidden(refusal)
    ends_at = None if length is None else to_text(now() + length)
    applied = await sanction_store.apply(
        db, actor_id=target.id, handle=target.handle, local=target.local, kind=kind,
        ends_at=ends_at, reason=reason.strip(), note=note.strip(), report_id=report_id,
        by_id=by.actor_id, by_name=by.name)
    if target.local:
        await notification_store.notify(
            db, account_id=target.id, kind=NOTIFICATION_KIND, from_actor_id=None,
            post_id=None, source_uri=f"sanction:{applied.id}")
    return applied


async def lift(db: Database, target: Actor, *, kind: str, note: str, by: Moderator) -> None:
    if kind == WARNING or kind not in sanction_store.COLUMNS:
        raise SanctionInvalid(f"{kind!r} is not a sanction that can be lifted")
    if len(note) > MAX_REASON:
        raise SanctionInvalid(f"notes are limited to {MAX_REASON} characters", "note")
    refusal = await _refusal(db, target, by)
    if refusal is not None:
        raise SanctionForbidden(refusal)
    if not await sanction_store.lift(db, actor_id=target.id, handle=target.handle, kind=kind,
                                     note=note.strip(), by_id=by.actor_id, by_name=by.name):
        raise SanctionInvalid(f"no {kind} sanction is in force on this account")


def ends_in_words(ends_at: str | None) -> str:
    """"until 3 March 2027, 09:30 (UTC)", or "until a moderator lifts it"."""
    if ends_at is None or ends_at >= UNTIL_LIFTED:
        return "until a moderator lifts it"
    moment = from_text(ends_at)
    return f"until {moment.day} {moment:%B %Y}, {moment:%H:%M} (UTC)"


async def suspension_message(db: Database, account: Account) -> str:
    """What a suspended member reads when they try to sign in."""
    latest = next((s for s in await sanction_store.history(db, account.actor_id)
                   if s.kind == "suspend" and s.lifted_at is None), None)
    reason = f" The reason given: {latest.reason}" if latest and latest.reason else ""
    return f"This account is suspended {ends_in_words(account.suspended_until)}.{reason}"
