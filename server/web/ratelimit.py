"""Attempt limits kept in memory: enough for one process serving one community.

Failed sign-ins are counted per account name and per address, so guessing one
member's password and trying many members' passwords from one place are both slowed.
"""

from __future__ import annotations

import time
from collections import deque


class AttemptLimiter:
    def __init__(self, *, attempts: int, window_seconds: float) -> None:
        self.attempts = attempts
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, moment: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= moment - self.window:
            failures.popleft()
        return failures

    def blocked(self, *keys: str) -> float:
        """Seconds until another attempt is allowed (0 when allowed now)."""
        moment = time.monotonic()
        wait = 0.0
        for key in keys:
            failures = self._recent(key, moment)
            if len(failures) >= self.attempts:
                wait = max(wait, failures[0] + self.window - moment)
        return wait

    def failed(self, *keys: str) -> None:
        moment = time.monotonic()
        for key in keys:
            self._recent(key, moment).append(moment)
        if len(self._failures) > 10_000:
            self._forget_stale(moment)

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)

    def _forget_stale(self, moment: float) -> None:
        for key in [k for k, v in self._failures.items() if not v or v[-1] <= moment - self.window]:
            del self._failures[key]
