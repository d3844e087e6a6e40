"""NodeInfo 2.0 and 2.1 (nodeinfo.diaspora.software), for crawlers and instance lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

VERSIONS = ("2.0", "2.1")


def schema(version: str) -> str:
    return f"http://nodeinfo.diaspora.software/ns/schema/{version}"


def content_type(version: str) -> str:
    return f'application/json; profile="{schema(version)}#"'


def discovery(base_url: str) -> dict[str, Any]:
    return {
        "links": [
            {"rel": schema(version), "href": f"{base_url}/nodeinfo/{version}"}
            for version in VERSIONS
        ]
    }


@dataclass(frozen=True)
class NodeFacts:
    software_version: str
    total_users: int
    active_month: int
    active_halfyear: int
    local_posts: int
    open_registrations: bool
    node_name: str
    node_description: str


def document(version: str, facts: NodeFacts) -> dict[str, Any]:
    software: dict[str, Any] = {"name": "kinhaven", "version": facts.software_version}
    return {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "usage": {
            "users": {
                "total": facts.total_users,
                "activeMonth": facts.active_month,
                "activeHalfyear": facts.active_halfyear,
            },
            "localPosts": facts.local_posts,
        },
        "openRegistrations": facts.open_registrations,
        "metadata": {"nodeName": facts.node_name, "nodeDescription": facts.node_description},
    }
