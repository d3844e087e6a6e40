"""Notifications for members; each is keyed by its source activity, so a replay adds none."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

from server.clock import now_text
from server.storage.actors import Actor, actor_from_row
from server.storage.database import Database, Row, Transaction
from server.storage.mutes import in_force as mute_in_force
from server.storage.paging import IdWindow, fetch_window
from server.storage.sanctions import NOW_SQL, not_in_force


@dataclass(frozen=True)
class Notification:
    id: int
    kind: str
    from_actor_id: int | None
    post_id: int | None
    source_uri: str | None
    created_at: str


async def notify(
    db: Database, *, account_id: int, kind: str, from_actor_id: int | None,
    post_id: int | None, source_uri: str,
) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO notifications (account_id, kind, from_actor_id, post_id, source_uri,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (account_id, kind, from_actor_id, post_id, source_uri, now_text()),
        )


async def notify_in(
    tx: Transaction, *, account_id: int, kind: str, from_actor_id: int | None,
    post_id: int | None, source_uri: str, note: str = "",
) -> None:
    """A notification added inside the transaction that causes it, if `account_id` is
    still a member's account; `note` is what a moderator wrote to them ('moderation')."""
    await tx.execute(
        "INSERT INTO notifications (account_id, kind, from_actor_id, post_id, source_uri,"
        " note, created_at) SELECT ?, ?, ?, ?, ?, ?, ?"
        " WHERE EXISTS (SELECT 1 FROM accounts WHERE actor_id = ?) ON CONFLICT DO NOTHING",
        (account_id, kind, from_actor_id, post_id, source_uri, note, now_text(), account_id),
    )


async def list_notifications(db: Database, account_id: int, *, limit: int = 40
                             ) -> list[Notification]:
    rows = await db.fetch_all(
        "SELECT id, kind, from_actor_id, post_id, source_uri, created_at FROM notifications"
        " WHERE account_id = ? ORDER BY id DESC LIMIT ?",
        (account_id, limit),
    )
    return [Notification(*row) for row in rows]


@dataclass(frozen=True)
class Shown:
    """A notification as the member's list shows it: who did it and to which post."""

    id: int
    kind: str
    created_at: str
    read_at: str | None
    actor: Actor | None
    post_id: int | None
    post_visibility: str | None
    note: str = ""
    """For 'moderation': the moderators' note to the member."""
    source_uri: str | None = None
    """What caused it: an activity's id, or `sanction:<id>` for a moderation warning."""

    @property
    def direct(self) -> bool:
        return self.post_visibility == "direct"


_ACTOR = ", ".join(f"a.{column.name}" for column in fields(Actor))

# Quiet mode holds back mentions and replies (direct messages are mentions too) from
# remote people the member does not follow; whatever a limited account does holds back
# too, whatever the mode, unless the member follows them (only followers hear from the
# limited). Decided at read time, so following someone later brings what they sent into
# the main list, and a limit that ends releases what it held.
_NOT_FOLLOWED = (
    "NOT EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = n.account_id"
    " AND f.followee_id = n.from_actor_id AND f.state = 'accepted')"
)
_HELD = (
    f"coalesce(((? AND n.kind IN ('mention', 'reply') AND a.local = 0) OR (a.limited_until >"
    f" {NOW_SQL} AND n.kind NOT IN ('follow_request', 'moderation_warning', 'moderation')))"
    f" AND {_NOT_FOLLOWED}, 0)"
)


def _shown(row: Row) -> Shown:
    values = dict(row)
    head = [values.pop(name) for name in ("n_id", "n_kind", "n_created_at", "n_read_at",
                                          "n_post_id", "n_post_visibility", "n_note",
                                          "n_source_uri")]
    actor = None if values["id"] is None else actor_from_row(values)  # type: ignore[arg-type]
    return Shown(id=head[0], kind=head[1], created_at=head[2], read_at=head[3], actor=actor,
                 post_id=head[4], post_visibility=head[5], note=head[6], source_uri=head[7])


_MEMBER_SELECT = (
    "SELECT n.id AS n_id, n.kind AS n_kind, n.created_at AS n_created_at,"
    " n.read_at AS n_read_at, n.post_id AS n_post_id, n.note AS n_note,"
    f" n.source_uri AS n_source_uri, p.visibility AS n_post_visibility, {_ACTOR}"
    " FROM notifications n LEFT JOIN actors a ON a.id = n.from_actor_id"
    " LEFT JOIN posts p ON p.id = n.post_id"
)
_SHOWN_TO_MEMBER = (
    "n.account_id = ?"
    " AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.actor_id = n.account_id"
    "  AND b.target_id = n.from_actor_id)"
    " AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.actor_id = n.account_id"
    "  AND m.target_id = n.from_actor_id AND m.hide_notifications = 1"
    f"  AND {mute_in_force('m')})"
    f" AND {not_in_force('a.suspended_until')}"
    f" AND {_HELD} = ?"
)
"""The member's own, from nobody blocked, muted (by a mute that hides notifications) or
suspended, in the list asked for (three parameters: the account, quiet mode, and
whether the waiting list is asked for)."""


async def list_for_member(db: Database, account_id: int, *, quiet_mode: bool, waiting: bool,
                          before: int | None = None, limit: int = 30) -> list[Shown]:
    """The member's notifications newest first, `limit` from below the id `before`:
    the main list, or (`waiting`) what quiet mode or a limit holds back. Anything from
    people the member blocks or mutes, or who are suspended, is left out of both."""
    rows = await db.fetch_all(
        f"{_MEMBER_SELECT} WHERE {_SHOWN_TO_MEMBER} AND n.id < ?"
        " ORDER BY n.id DESC LIMIT ?",
        (account_id, int(quiet_mode), int(waiting),
         before if before is not None else 2**62, limit),
    )
    return [_shown(row) for row in rows]


async def page_for_member(db: Database, account_id: int, window: IdWindow, *,
                          quiet_mode: bool, waiting: bool = False,
                          kinds: Sequence[str] = (), from_actor_id: int | None = None
                          ) -> list[Shown]:
    """A window of the same lists for the client API, of the `kinds` given, and
    (`from_actor_id`) only what one account did."""
    where = [_SHOWN_TO_MEMBER, f"n.kind IN ({', '.join('?' for _ in kinds)})"]
    parameters: list[object] = [account_id, int(quiet_mode), int(waiting), *kinds]
    if from_actor_id is not None:
        where.append("n.from_actor_id = ?")
        parameters.append(from_actor_id)
    rows = await fetch_window(db, _MEMBER_SELECT, key="n.id", window=window, where=where,
                              parameters=parameters)
    return [_shown(row) for row in rows]


async def get_for_member(db: Database, account_id: int, notification_id: int, *,
                         quiet_mode: bool, waiting: bool = False) -> Shown | None:
    row = await db.fetch_one(
        f"{_MEMBER_SELECT} WHERE {_SHOWN_TO_MEMBER} AND n.id = ?",
        (account_id, int(quiet_mode), int(waiting), notification_id))
    return None if row is None else _shown(row)


async def count_unread(db: Database, account_id: int, *, quiet_mode: bool,
                       kinds: Sequence[str], limit: int) -> int:
    """Unread notifications of the main list, counted up to `limit`."""
    return int(await db.fetch_value(
        f"SELECT count(*) FROM (SELECT 1 FROM notifications n"
        " LEFT JOIN actors a ON a.id = n.from_actor_id"
        f" WHERE {_SHOWN_TO_MEMBER} AND n.read_at IS NULL"
        f" AND n.kind IN ({', '.join('?' for _ in kinds)}) LIMIT ?)",
        (account_id, int(quiet_mode), 0, *kinds, limit)))


async def dismiss(db: Database, account_id: int, notification_id: int) -> bool:
    """Remove one of the member's notifications; False if there is no such one."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "DELETE FROM notifications WHERE account_id = ? AND id = ?",
            (account_id, notification_id))
        return cursor.rowcount > 0


async def clear(db: Database, account_id: int) -> None:
    """Remove all of the member's notifications, waiting ones included."""
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM notifications WHERE account_id = ?", (account_id,))


async def mark_read(db: Database, account_id: int, ids: Sequence[int]) -> None:
    """The notifications a member has just been shown are read, in one UPDATE."""
    if not ids:
        return
    marks = ", ".join("?" for _ in ids)
    async with db.transaction() as tx:
        await tx.execute(
            f"UPDATE notifications SET read_at = ? WHERE account_id = ? AND read_at IS NULL"
            f" AND id IN ({marks})",
            (now_text(), account_id, *ids),
        )


@dataclass(frozen=True)
class Sender:
    """Someone whose notifications wait apart (quiet mode, or a limit): the client
    API's notification request."""

    actor_id: int
    count: int
    first_at: str
    last_at: str
    last_post_id: int | None
    """The post of the newest waiting notification that is about one."""


_WAITING_BY_SENDER = (
    "SELECT g.sender, g.waiting, g.first_at, g.last_at,"
    " (SELECT post_id FROM notifications WHERE id = g.last_with_post) FROM ("
    "SELECT n.from_actor_id AS sender, count(*) AS waiting, min(n.created_at) AS first_at,"
    " max(n.created_at) AS last_at,"
    " max(CASE WHEN n.post_id IS NOT NULL THEN n.id END) AS last_with_post"
    " FROM notifications n LEFT JOIN actors a ON a.id = n.from_actor_id"
    " LEFT JOIN posts p ON p.id = n.post_id"
    f" WHERE {_SHOWN_TO_MEMBER} AND n.from_actor_id IS NOT NULL"
    " AND (n.post_id IS NULL OR p.deleted_at IS NULL)"
    " GROUP BY n.from_actor_id) g"
)
"""The waiting list by who sent it (three parameters, as `_SHOWN_TO_MEMBER`; the third
is 1); a notification of a deleted post is not counted."""


async def waiting_senders(db: Database, account_id: int, window: IdWindow, *,
                          quiet_mode: bool) -> list[Sender]:
    """A window of the people whose notifications wait apart, by their actor id."""
    rows = await fetch_window(db, _WAITING_BY_SENDER, key="g.sender", window=window,
                              parameters=[account_id, int(quiet_mode), 1])
    return [Sender(*row) for row in rows]


async def waiting_sender(db: Database, account_id: int, actor_id: int, *,
                         quiet_mode: bool) -> Sender | None:
    row = await db.fetch_one(f"{_WAITING_BY_SENDER} WHERE g.sender = ?",
                             (account_id, int(quiet_mode), 1, actor_id))
    return None if row is None else Sender(*row)


async def waiting_summary(db: Database, account_id: int, *, quiet_mode: bool
                          ) -> tuple[int, int]:
    """How many people have notifications waiting, and how many notifications wait."""
    row = await db.fetch_one(
        f"SELECT count(*), coalesce(sum(w.waiting), 0) FROM ({_WAITING_BY_SENDER}) w",
        (account_id, int(quiet_mode), 1))
    assert row is not None
    return int(row[0]), int(row[1])


async def dismiss_waiting(db: Database, account_id: int, from_actor_ids: Sequence[int], *,
                          quiet_mode: bool) -> int:
    """Remove what waits apart from these people (what reached the main list stays);
    how many were removed."""
    if not from_actor_ids:
        return 0
    marks = ", ".join("?" for _ in from_actor_ids)
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "DELETE FROM notifications WHERE id IN (SELECT n.id FROM notifications n"
            " LEFT JOIN actors a ON a.id = n.from_actor_id"
            f" WHERE {_SHOWN_TO_MEMBER} AND n.from_actor_id IN ({marks}))",
            (account_id, int(quiet_mode), 1, *from_actor_ids))
        return cursor.rowcount
