"""Members' content filters, as Mastodon's filters v2: a titled set of keywords and posts
that applies in some places of reading (`home`, `notifications`, `public`, `thread`,
`account`) and either hides what it matches or leaves the member's app to warn.

Hiding happens here, on the server: `hiding_rules` gives the reading side what a member's
hide filters in force for one place match, and `ReaderFilter` leaves those posts out as it
does muted words. A filter past its `expires_at` does nothing, though it is still listed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from server.clock import now_text
from server.storage.database import Database, Row, Transaction

CONTEXTS = ("home", "notifications", "public", "thread", "account")
ACTIONS = ("warn", "hide", "blur")
"""`blur` (Mastodon 4.4) is applied by apps, as `warn` is."""
MAX_FILTERS = 100
MAX_KEYWORDS = 100
MAX_POSTS = 200


@dataclass(frozen=True)
class FilterKeyword:
    id: int
    filter_id: int
    keyword: str
    whole_word: bool


@dataclass(frozen=True)
class FilterPost:
    id: int
    filter_id: int
    post_id: int


@dataclass(frozen=True)
class ContentFilter:
    id: int
    account_id: int
    title: str
    contexts: tuple[str, ...]
    action: str
    expires_at: str | None
    keywords: tuple[FilterKeyword, ...] = ()
    posts: tuple[FilterPost, ...] = ()

    def in_force(self, moment: str) -> bool:
        return self.expires_at is None or self.expires_at > moment


@dataclass(frozen=True)
class FilterChoices:
    """What a member sets on a filter itself (its keywords and posts are kept apart)."""

    title: str
    contexts: tuple[str, ...]
    action: str
    expires_at: str | None


@dataclass(frozen=True)
class KeywordChange:
    """One entry of Mastodon's `keywords_attributes`: a new keyword (no `id`), a change
    to one (`id` with new values), or its removal (`id` and `destroy`)."""

    id: int | None
    keyword: str | None
    whole_word: bool | None
    destroy: bool = False


class TooMany(Exception):
    """A member tried to keep more filters, keywords or posts than allowed."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(f"at most {limit} {what}")
        self.what = what
        self.limit = limit


def _keyword(row: Row) -> FilterKeyword:
    return FilterKeyword(int(row["id"]), int(row["filter_id"]), str(row["keyword"]),
                         bool(row["whole_word"]))


def _post(row: Row) -> FilterPost:
    return FilterPost(int(row["id"]), int(row["filter_id"]), int(row["post_id"]))


async def _filters(db: Database, where: str, params: Sequence[object]) -> list[ContentFilter]:
    rows = await db.fetch_all(
        "SELECT id, account_id, title, contexts, action, expires_at FROM content_filters"
        f" WHERE {where} ORDER BY id", params)
    if not rows:
        return []
    ids = [int(row["id"]) for row in rows]
    marks = ", ".join("?" for _ in ids)
    keywords: dict[int, list[FilterKeyword]] = {}
    for row in await db.fetch_all(
            "SELECT id, filter_id, keyword, whole_word FROM content_filter_keywords"
            f" WHERE filter_id IN ({marks}) ORDER BY id", ids):
        keywords.setdefault(int(row["filter_id"]), []).append(_keyword(row))
    posts: dict[int, list[FilterPost]] = {}
    for row in await db.fetch_all(
            f"SELECT id, filter_id, post_id FROM content_filter_posts WHERE filter_id IN ({marks})"
            " ORDER BY id", ids):
        posts.setdefault(int(row["filter_id"]), []).append(_post(row))
    return [ContentFilter(
        id=int(row["id"]), account_id=int(row["account_id"]), title=str(row["title"]),
        contexts=tuple(c for c in str(row["contexts"]).split(",") if c),
        action=str(row["action"]), expires_at=row["expires_at"],
        keywords=tuple(keywords.get(int(row["id"]), ())),
        posts=tuple(posts.get(int(row["id"]), ()))) for row in rows]


async def list_filters(db: Database, account_id: int) -> list[ContentFilter]:
    return await _filters(db, "account_id = ?", [account_id])


async def get_filter(db: Database, account_id: int, filter_id: int) -> ContentFilter | None:
    """The member's own filter; another member's is as good as absent."""
    found = await _filters(db, "account_id = ? AND id = ?", [account_id, filter_id])
    return found[0] if found else None


async def _count(tx: Transaction, sql: str, params: Sequence[object]) -> int:
    rows = list(await tx.execute_fetchall(sql, params))
    return int(rows[0][0])


async def _apply_keywords(tx: Transaction, filter_id: int,
                          changes: Sequence[KeywordChange]) -> None:
    for change in changes:
        if change.id is None:
            if change.keyword is None or change.destroy:
                continue
            await tx.execute(
                "INSERT INTO content_filter_keywords (filter_id, keyword, whole_word, created_at)"
                " VALUES (?, ?, ?, ?)",
                (filter_id, change.keyword,
                 int(True if change.whole_word is None else change.whole_word), now_text()))
        elif change.destroy:
            await tx.execute("DELETE FROM content_filter_keywords WHERE id = ? AND filter_id = ?",
                             (change.id, filter_id))
        else:
            await tx.execute(
                "UPDATE content_filter_keywords SET keyword = coalesce(?, keyword),"
                " whole_word = coalesce(?, whole_word) WHERE id = ? AND filter_id = ?",
                (change.keyword, None if change.whole_word is None else int(change.whole_word),
                 change.id, filter_id))
    if await _count(tx, "SELECT count(*) FROM content_filter_keywords WHERE filter_id = ?",
                    [filter_id]) > MAX_KEYWORDS:
        raise TooMany("keywords in a filter", MAX_KEYWORDS)


async def create_filter(db: Database, account_id: int, choices: FilterChoices,
                        keywords: Sequence[KeywordChange] = ()) -> int:
    async with db.transaction() as tx:
        if await _count(tx, "SELECT count(*) FROM content_filters WHERE account_id = ?",
                        [account_id]) >= MAX_FILTERS:
            raise TooMany("filters", MAX_FILTERS)
        cursor = await tx.execute(
            "INSERT INTO content_filters (account_id, title, contexts, action, expires_at,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (account_id, choices.title, ",".join(choices.contexts), choices.action,
             choices.expires_at, now_text()))
        row = await cursor.fetchone()
        assert row is not None
        filter_id = int(row[0])
        await _apply_keywords(tx, filter_id, keywords)
    return filter_id


async def update_filter(db: Database, account_id: int, filter_id: int, choices: FilterChoices,
                        keywords: Sequence[KeywordChange] = ()) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE content_filters SET title = ?, contexts = ?, action = ?, expires_at = ?"
            " WHERE id = ? AND account_id = ?",
            (choices.title, ",".join(choices.contexts), choices.action, choices.expires_at,
             filter_id, account_id))
        await _apply_keywords(tx, filter_id, keywords)


async def delete_filter(db: Database, account_id: int, filter_id: int) -> None:
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM content_filters WHERE id = ? AND account_id = ?",
                         (filter_id, account_id))


async def get_keyword(db: Database, account_id: int, keyword_id: int) -> FilterKeyword | None:
    row = await db.fetch_one(
        "SELECT k.id, k.filter_id, k.keyword, k.whole_word FROM content_filter_keywords k"
        " JOIN content_filters f ON f.id = k.filter_id WHERE k.id = ? AND f.account_id = ?",
        (keyword_id, account_id))
    return None if row is None else _keyword(row)


async def add_keyword(db: Database, filter_id: int, keyword: str, whole_word: bool) -> int:
    async with db.transaction() as tx:
        if await _count(tx, "SELECT count(*) FROM content_filter_keywords WHERE filter_id = ?",
                        [filter_id]) >= MAX_KEYWORDS:
            raise TooMany("keywords in a filter", MAX_KEYWORDS)
        cursor = await tx.execute(
            "INSERT INTO content_filter_keywords (filter_id, keyword, whole_word, created_at)"
            " VALUES (?, ?, ?, ?) RETURNING id", (filter_id, keyword, int(whole_word), now_text()))
        row = await cursor.fetchone()
        assert row is not None
        return int(row[0])


async def update_keyword(db: Database, keyword_id: int, keyword: str, whole_word: bool) -> None:
    async with db.transaction() as tx:
        await tx.execute("UPDATE content_filter_keywords SET keyword = ?, whole_word = ?"
                         " WHERE id = ?", (keyword, int(whole_word), keyword_id))


async def delete_keyword(db: Database, keyword_id: int) -> None:
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM content_filter_keywords WHERE id = ?", (keyword_id,))


async def get_filter_post(db: Database, account_id: int, entry_id: int) -> FilterPost | None:
    row = await db.fetch_one(
        "SELECT s.id, s.filter_id, s.post_id FROM content_filter_posts s"
        " JOIN content_filters f ON f.id = s.filter_id WHERE s.id = ? AND f.account_id = ?",
        (entry_id, account_id))
    return None if row is None else _post(row)


async def add_filter_post(db: Database, filter_id: int, post_id: int) -> int:
    """The entry for `post_id` in the filter, added unless it is there already."""
    async with db.transaction() as tx:
        if await _count(tx, "SELECT count(*) FROM content_filter_posts WHERE filter_id = ?",
                        [filter_id]) >= MAX_POSTS:
            raise TooMany("posts in a filter", MAX_POSTS)
        await tx.execute(
            "INSERT INTO content_filter_posts (filter_id, post_id, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING", (filter_id, post_id, now_text()))
        rows = list(await tx.execute_fetchall(
            "SELECT id FROM content_filter_posts WHERE filter_id = ? AND post_id = ?",
            (filter_id, post_id)))
    return int(rows[0][0])


async def delete_filter_post(db: Database, entry_id: int) -> None:
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM content_filter_posts WHERE id = ?", (entry_id,))


def keywords_pattern(keywords: Sequence[FilterKeyword]) -> re.Pattern[str] | None:
    """One case-insensitive pattern for all `keywords`, as Mastodon matches them: a whole
    word keyword has a word boundary at each end that is a letter or digit, any other is
    found anywhere, inside words too."""
    if not keywords:
        return None
    parts = []
    for each in sorted(keywords, key=lambda k: len(k.keyword), reverse=True):
        text = re.escape(each.keyword)
        if each.whole_word:
            start = r"(?<!\w)" if re.match(r"\w", each.keyword) else ""
            end = r"(?!\w)" if re.search(r"\w\Z", each.keyword) else ""
            text = f"{start}{text}{end}"
        parts.append(text)
    return re.compile("|".join(parts), re.IGNORECASE)


@dataclass(frozen=True)
class HidingRules:
    """What a member's hide filters in force for one context leave out."""

    pattern: re.Pattern[str] | None = None
    post_ids: frozenset[int] = frozenset()

    def hides(self, post_id: int | None, text: str) -> bool:
        if post_id is not None and post_id in self.post_ids:
            return True
        return self.pattern is not None and bool(self.pattern.search(text))


NO_HIDING = HidingRules()


async def active_filters(db: Database, account_id: int, context: str) -> list[ContentFilter]:
    """The member's filters in force now for `context` (the statuses' `filtered` field is
    made from these, for warn filters as for hide ones)."""
    moment = now_text()
    return [f for f in await list_filters(db, account_id)
            if context in f.contexts and f.in_force(moment)]


async def hiding_rules(db: Database, account_id: int, context: str) -> HidingRules:
    hiding = [f for f in await active_filters(db, account_id, context) if f.action == "hide"]
    if not hiding:
        return NO_HIDING
    return HidingRules(
        keywords_pattern([k for f in hiding for k in f.keywords]),
        frozenset(p.post_id for f in hiding for p in f.posts))
