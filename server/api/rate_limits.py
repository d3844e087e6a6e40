"""Mastodon's rate limits for the client API, counted in memory by one process.

The rules are Mastodon's (its Rack::Attack settings), checked in this order:

| rule | requests | counted per |
| --- | --- | --- |
| any request with a member's token | 300 per 5 minutes | account (all its tokens together) |
| any request without one | 300 per 5 minutes | address (an IPv6 address by its /64) |
| `POST /api/v1/media`, `/api/v2/media` | 30 per 30 minutes | account |
| `POST /api/v1/accounts` (sign-up) | 5 per 30 minutes | address |
| `DELETE /api/v1/statuses/:id`, `POST .../:id/unreblog` | 30 per 30 minutes | account |

Windows are fixed and aligned to the clock, as Rack::Attack's are: a five-minute window
ends at :00, :05, :10 and so on, and every count starts again from nothing then. Each
answer carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (ISO
8601, when the window ends) for the rule that applies with the least left. A request over
a rule is answered `429 {"error": "Too many requests"}` with those headers and
`Retry-After`, before it reaches the endpoint; rules after the one it broke do not count
it, again as Rack::Attack does.

Only the current window is kept. Each rule tracks at most `ApiLimits.tracked` callers a
window; callers first seen once that many are tracked share one count, so a flood of new
addresses can fill memory no further, and cannot buy itself fresh budgets either.
"""

from __future__ import annotations

import ipaddress
import math
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.api.auth import looked_up_token
from server.api.responses import api_json

TOO_MANY = "Too many requests"
SHARED = "*"
"""The count that callers first seen when a rule's table is full share."""


@dataclass(frozen=True)
class Limit:
    requests: int
    seconds: float


@dataclass(frozen=True)
class ApiLimits:
    """The limits one app enforces; the defaults are Mastodon's."""

    per_account: Limit = Limit(300, 5 * 60)
    per_address: Limit = Limit(300, 5 * 60)
    media_uploads: Limit = Limit(30, 30 * 60)
    sign_ups: Limit = Limit(5, 30 * 60)
    deletions: Limit = Limit(30, 30 * 60)
    tracked: int = 100_000

    @classmethod
    def all_at(cls, limit: Limit) -> ApiLimits:
        """One limit for every rule: for benchmarks that send more than Mastodon allows."""
        return cls(per_account=limit, per_address=limit, media_uploads=limit,
                   sign_ups=limit, deletions=limit)


MASTODON_LIMITS = ApiLimits()


@dataclass(frozen=True)
class Count:
    """Where one caller stands under one rule after this request."""

    limit: Limit
    used: int
    resets_at: float

    @property
    def remaining(self) -> int:
        return max(self.limit.requests - self.used, 0)

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit.requests

    def headers(self, moment: float) -> dict[str, str]:
        reset = datetime.fromtimestamp(self.resets_at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        headers = {"X-RateLimit-Limit": str(self.limit.requests),
                   "X-RateLimit-Remaining": str(self.remaining),
                   "X-RateLimit-Reset": reset}
        if self.exceeded:
            headers["Retry-After"] = str(max(math.ceil(self.resets_at - moment), 1))
        return headers


class _Rule:
    """One rule's counts for its current window."""

    def __init__(self, limit: Limit, tracked: int) -> None:
        self.limit = limit
        self.tracked = tracked
        self._window = -1
        self._counts: dict[str, int] = {}

    def hit(self, key: str, moment: float) -> Count:
        window = math.floor(moment / self.limit.seconds)
        if window != self._window:
            self._window, self._counts = window, {}
        if key not in self._counts and len(self._counts) >= self.tracked:
            key = SHARED
        used = self._counts.get(key, 0) + 1
        self._counts[key] = used
        return Count(self.limit, used, (window + 1) * self.limit.seconds)


_MEDIA = re.compile(r"/v\d+/media", re.IGNORECASE)
_DELETE_STATUS = re.compile(r"/v1/statuses/\d+")
_UNREBLOG = re.compile(r"/v1/statuses/\d+/unreblog")


class RateLimiter:
    """Counts API requests against `ApiLimits`; one per app, made by the app factory."""

    def __init__(self, limits: ApiLimits = MASTODON_LIMITS) -> None:
        self.limits = limits
        self._rules = {name: _Rule(getattr(limits, name), limits.tracked) for name in (
            "per_account", "per_address", "media_uploads", "sign_ups", "deletions")}

    def hit(self, *, account_id: int | None, address: str, method: str, path: str,
            moment: float) -> Count:
        """Count one request (`path` within `/api`) and answer the count that decides
        it: the first rule it exceeds, or else the rule with the least left."""
        member = None if account_id is None else f"account:{account_id}"
        applying: list[tuple[str, str]] = [
            ("per_account", member) if member else ("per_address", address)]
        if member and method == "POST" and _MEDIA.fullmatch(path):
            applying.append(("media_uploads", member))
        if method == "POST" and path == "/v1/accounts":
            applying.append(("sign_ups", address))
        if member and ((method == "DELETE" and _DELETE_STATUS.fullmatch(path))
                       or (method == "POST" and _UNREBLOG.fullmatch(path))):
            applying.append(("deletions", member))
        counts = []
        for name, key in applying:
            count = self._rules[name].hit(key, moment)
            if count.exceeded:
                return count
            counts.append(count)
        return min(counts, key=lambda count: count.remaining)


def client_address(scope: Scope) -> str:
    """The caller's address as rules count it: IPv6 by its /64, as Mastodon does, since
    one host usually holds a whole /64."""
    client = scope.get("client")
    host = str(client[0]) if client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _api_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


class RateLimited:
    """The API's middleware: counts each request with the app's `RateLimiter`
    (`app.state.api_rate_limiter`) and refuses or labels the answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        limiter: RateLimiter = request.app.state.api_rate_limiter
        token = await looked_up_token(request)
        moment = time.time()
        count = limiter.hit(account_id=None if token is None else token.account_id,
                            address=client_address(scope), method=scope["method"],
                            path=_api_path(scope), moment=moment)
        headers = count.headers(moment)
        if count.exceeded:
            await api_json({"error": TOO_MANY}, status_code=429, headers=headers)(
                scope, receive, send)
            return
        raw = [(name.lower().encode(), value.encode()) for name, value in headers.items()]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *raw]
            await send(message)

        await self.app(scope, receive, send_with_headers)
