"""One way to write timestamps, so that text comparison in SQL orders them."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def to_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def now_text() -> str:
    return to_text(now())


def from_text(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
