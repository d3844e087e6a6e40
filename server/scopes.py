"""Which scopes cover which, as Mastodon decides it.

`read` covers every `read:*`, `write` every `write:*`, `admin:read` every
`admin:read:*` and `admin:write` every `admin:write:*`; `read` and `write` cover no
admin scope; the old `follow` scope covers reading and changing follows, blocks and
mutes. Tokens (checked by the API) and apps (checked when a member authorizes one)
follow the same rule.
"""

from __future__ import annotations

from collections.abc import Iterable

_READ = ("accounts", "blocks", "bookmarks", "favourites", "filters", "follows", "lists",
         "mutes", "notifications", "search", "statuses")
_WRITE = ("accounts", "blocks", "bookmarks", "conversations", "favourites", "filters",
          "follows", "lists", "media", "mutes", "notifications", "reports", "statuses")
_ADMIN = ("accounts", "reports", "domain_allows", "domain_blocks", "ip_blocks",
          "email_domain_blocks", "canonical_email_blocks")
SCOPE_NAMES = (
    "read", *(f"read:{name}" for name in _READ),
    "write", *(f"write:{name}" for name in _WRITE),
    "follow", "push",
    "admin:read", *(f"admin:read:{name}" for name in _ADMIN),
    "admin:write", *(f"admin:write:{name}" for name in _ADMIN),
)
"""Every scope Mastodon 4.3 knows, in its order; tokens and apps get no others."""

PARENT_SCOPES = ("read", "write", "admin:read", "admin:write")
FOLLOW_SCOPES = frozenset({"read:follows", "write:follows", "read:blocks", "write:blocks",
                           "read:mutes", "write:mutes"})


def covers(granted: str, wanted: str) -> bool:
    """Whether a token holding the scope `granted` may do what needs `wanted`."""
    if granted == wanted:
        return True
    if granted == "follow":
        return wanted in FOLLOW_SCOPES
    return granted in PARENT_SCOPES and wanted.startswith(f"{granted}:")


def allows(granted: Iterable[str], wanted: str) -> bool:
    return any(covers(scope, wanted) for scope in granted)


