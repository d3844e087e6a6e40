"""JSON answers as Mastodon sends them: UTF-8 JSON, errors as `{"error": ...}`."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from server.api.errors import ApiError


class ApiResponse(Response):
    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def api_json(content: Any, *, status_code: int = 200,
             headers: dict[str, str] | None = None) -> Response:
    return ApiResponse(content, status_code=status_code, headers=headers)


def api_error(error: ApiError) -> Response:
    return ApiResponse(error.body(), status_code=error.status)
