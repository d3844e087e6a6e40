"""A member's direct-message conversations, for the client API's Conversations.

A conversation is the direct posts a member wrote or is named in that hang under one
thread root (the post found by following replies up; a direct post that answers
nothing is its own root), and its id is that root's. Each post passes the same rules
as on the thread page (`visible_clause` and `ReaderFilter`), so a direct post reaches
only the people it names, and nothing from someone the member blocks or mutes, or who
blocks them, is counted. Its people are the authors and those named in those posts,
less the member.

A conversation is unread while someone else's post in it is newer than both the
member's last reading of it and their own last post in it. Removing it hides what it
holds; a later post brings it back with only what is newer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from server.storage import posts as post_store
from server.storage.database import Database
from server.storage.paging import IdWindow
from server.storage.posts import Post
from server.storage.visibility import Place, Reader, ReaderFilter, visible_clause

THREAD_DEPTH = 40
"""Replies followed up at most, as on the thread page."""


@dataclass(frozen=True)
class Conversation:
    id: int
    """The thread root's post id."""
    last: Post
    participant_ids: tuple[int, ...]
    """The others in it: authors first, newest post first, then those named."""
    unread: bool


@dataclass(frozen=True)
class _Message:
    id: int
    root: int
    actor_id: int


@dataclass(frozen=True)
class _Marks:
    read_through: int = 0
    removed_through: int = 0


async def _messages(db: Database, member_id: int) -> list[_Message]:
    """Every direct post the member may read in a conversation, newest first."""
    reader = Reader(member_id)
    clause, params = visible_clause(reader, Place.THREAD)
    rows = await db.fetch_all(
        "WITH RECURSIVE mine (id) AS ("
        " SELECT id FROM posts WHERE actor_id = ? AND visibility = 'direct'"
        " UNION SELECT m.post_id FROM mentions m JOIN posts q ON q.id = m.post_id"
        "  WHERE m.actor_id = ? AND q.visibility = 'direct'),"
        " up (start, id, depth) AS (SELECT id, id, 0 FROM mine UNION ALL"
        "  SELECT up.start, q.in_reply_to_id, up.depth + 1 FROM up JOIN posts q ON q.id = up.id"
        "  WHERE q.in_reply_to_id IS NOT NULL AND up.depth < ?),"
        # SQLite takes the bare column from the row holding the max(): the topmost post.
        " roots (post_id, root_id, depth) AS (SELECT start, id, max(depth) FROM up"
        "  GROUP BY start)"
        " SELECT p.id, r.root_id, p.actor_id, a.domain, p.summary, p.content_html"
        " FROM roots r JOIN posts p ON p.id = r.post_id JOIN actors a ON a.id = p.actor_id"
        " LEFT JOIN accounts ac ON ac.actor_id = p.actor_id"
        f" WHERE {clause} ORDER BY p.id DESC",
        [member_id, member_id, THREAD_DEPTH, *params],
    )
    filters = await ReaderFilter.load(db, reader)
    return [
        _Message(int(row[0]), int(row[1]), int(row[2])) for row in rows
        if await filters.keeps(author_id=int(row[2]), author_domain=row[3], summary=row[4],
                               content_html=row[5], post_id=int(row[0]))
    ]


async def _marks(db: Database, member_id: int) -> dict[int, _Marks]:
    rows = await db.fetch_all(
        "SELECT root_id, read_through, removed_through FROM conversation_marks"
        " WHERE account_id = ?", (member_id,))
    return {int(row[0]): _Marks(int(row[1]), int(row[2])) for row in rows}


@dataclass(frozen=True)
class _Group:
    root: int
    messages: list[_Message]
    """Newest first; never empty."""
    marks: _Marks

    @property
    def last_id(self) -> int:
        return self.messages[0].id


async def _groups(db: Database, member_id: int) -> list[_Group]:
    """The member's conversations, the newest last post first, less what was removed."""
    marks = await _marks(db, member_id)
    grouped: dict[int, list[_Message]] = {}
    for message in await _messages(db, member_id):
        removed = marks.get(message.root, _Marks()).removed_through
        if message.id > removed:
            grouped.setdefault(message.root, []).append(message)
    groups = [_Group(root, found, marks.get(root, _Marks())) for root, found in grouped.items()]
    return sorted(groups, key=lambda group: group.last_id, reverse=True)


def _window(groups: list[_Group], window: IdWindow) -> list[_Group]:
    """Mastodon's paging, by each conversation's last post id."""
    if window.max_id is not None:
        groups = [g for g in groups if g.last_id < window.max_id]
    if window.min_id is not None:
        newer = [g for g in groups if g.last_id > window.min_id]
        return newer[-window.limit:]
    if window.since_id is not None:
        groups = [g for g in groups if g.last_id > window.since_id]
    return groups[:window.limit]


async def _conversations(db: Database, member_id: int, groups: Sequence[_Group]
                         ) -> list[Conversation]:
    ids = [message.id for group in groups for message in group.messages]
    mentions = await post_store.mentions_of(db, ids)
    last = await post_store.posts_by_ids(db, [group.last_id for group in groups])
    found = []
    for group in groups:
        people = [m.actor_id for m in group.messages]
        people += [named for m in group.messages for named in mentions.get(m.id, [])]
        others = tuple(dict.fromkeys(p for p in people if p != member_id))
        seen = max([group.marks.read_through,
                    *(m.id for m in group.messages if m.actor_id == member_id)])
        unread = any(m.actor_id != member_id and m.id > seen for m in group.messages)
        found.append(Conversation(group.root, last[group.last_id], others, unread))
    return found


async def page(db: Database, member_id: int, window: IdWindow) -> list[Conversation]:
    """A window of the member's conversations, the most recently active first."""
    return await _conversations(db, member_id, _window(await _groups(db, member_id), window))


async def get(db: Database, member_id: int, conversation_id: int) -> Conversation | None:
    """One of the member's conversations, or None if it is not theirs (or removed)."""
    groups = [g for g in await _groups(db, member_id) if g.root == conversation_id]
    found = await _conversations(db, member_id, groups)
    return found[0] if found else None


async def mark_read(db: Database, member_id: int, conversation: Conversation) -> None:
    """Read up to its last post."""
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO conversation_marks (account_id, root_id, read_through)"
            " VALUES (?, ?, ?) ON CONFLICT (account_id, root_id) DO UPDATE SET"
            " read_through = max(read_through, excluded.read_through)",
            (member_id, conversation.id, conversation.last.id))


async def remove(db: Database, member_id: int, conversation: Conversation) -> None:
    """Out of the list until a newer post comes; its posts are left as they are."""
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO conversation_marks (account_id, root_id, read_through,"
            " removed_through) VALUES (?, ?, ?, ?) ON CONFLICT (account_id, root_id)"
            " DO UPDATE SET removed_through = max(removed_through, excluded.removed_through),"
            " read_through = max(read_through, excluded.read_through)",
            (member_id, conversation.id, conversation.last.id, conversation.last.id))
