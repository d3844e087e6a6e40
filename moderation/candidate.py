"""What the pipeline judges: one piece of content or one action crossing the border."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Direction(Enum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


@dataclass(frozen=True)
class Candidate:
    """Built by the app from an inbound activity or a local post, so policies never see
    protocol details. `domain` is the remote end: the sender inbound, the target outbound."""

    direction: Direction
    kind: str
    actor: str
    domain: str
    text: str = ""
    mentions: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    media: tuple[str, ...] = ()
    audience: str = "public"
    extra: dict[str, str] = field(default_factory=dict)
