"""Response helpers shared by the routes."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response


class ActivityResponse(Response):
    """JSON with an ActivityStreams media type; `Vary: Accept` since the same URL has a page."""

    def __init__(self, content: Any, *, media_type: str, status_code: int = 200,
                 headers: dict[str, str] | None = None) -> None:
        merged = {"Vary": "Accept", **(headers or {})}
        super().__init__(content, status_code=status_code, media_type=media_type, headers=merged)

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_error(status_code: int, message: str) -> Response:
    """Mastodon's error shape, `{"error": ...}`, for every machine-readable failure."""
    body = json.dumps({"error": message}).encode("utf-8")
    return Response(body, status_code=status_code, media_type="application/json")
