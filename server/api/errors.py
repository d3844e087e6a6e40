"""The API's failures, each carrying the status and the message Mastodon would give.

Endpoints raise these; the API's router turns them into `{"error": ...}` answers, so
no handler builds an error response itself.
"""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")

INVALID_TOKEN = "The access token is invalid"  # noqa: S105 (a message, not a secret)
OUTSIDE_SCOPES = "This action is outside the authorized scopes"
NOT_ALLOWED = "This action is not allowed"
LOGIN_DISABLED = "Your login is currently disabled"
RECORD_NOT_FOUND = "Record not found"


class ApiError(Exception):
    """An answer other than success: `status`, Mastodon's `message`, and any further
    fields of the error body (Mastodon adds some, such as `existing_domain_block`)."""

    def __init__(self, status: int, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra or {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status}, {self.message!r})"

    def body(self) -> dict[str, Any]:
        return {"error": self.message, **self.extra}


def not_found() -> ApiError:
    return ApiError(404, RECORD_NOT_FOUND)


def or_not_found(record: T | None) -> T:
    """The record a handler looked up, or Mastodon's 404 when there is none."""
    if record is None:
        raise not_found()
    return record


def validation_failed(problem: str, extra: dict[str, Any] | None = None) -> ApiError:
    """422 as Rails words it: `Validation failed: Domain can't be blank`."""
    return ApiError(422, f"Validation failed: {problem}", extra)


def bad_request(problem: str) -> ApiError:
    """400: the request itself could not be read (a body that is not JSON, say)."""
    return ApiError(400, problem)
