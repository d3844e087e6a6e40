"""The delivery retry policy, as data and pure functions (Mastodon's numbers).

16 attempts, waiting attempt⁴ + 15 s plus up to half as much again of jitter, which
spreads retries over roughly 2 to 3 days; Retry-After is honoured up to 6 hours.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from enum import Enum

MAX_ATTEMPTS = 16
MAX_RETRY_AFTER = 6 * 3600.0
UNAVAILABLE_AFTER_DAYS = 7


class Outcome(Enum):
    DONE = "done"
    RETRY = "retry"
    FAIL = "fail"


def classify(status: int | None) -> Outcome:
    """2xx done; network errors, 5xx (but 501), 401, 408 and 429 retried; the rest final."""
    if status is None:
        return Outcome.RETRY
    if 200 <= status < 300:
        return Outcome.DONE
    if status in (401, 408, 429):
        return Outcome.RETRY
    if 300 <= status < 500 or status == 501:
        return Outcome.FAIL
    return Outcome.RETRY


def _retry_after_seconds(value: str | None, now: datetime) -> float | None:
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - now).total_seconds()


def retry_delay(attempt: int, *, retry_after: str | None, now: datetime,
                rng: random.Random | None = None) -> float:
    """Seconds to wait after `attempt` (1-based) failed tries."""
    base = attempt**4 + 15.0
    delay = base + (rng or random).uniform(0, 0.5 * attempt**4)
    asked = _retry_after_seconds(retry_after, now)
    if asked is not None and asked > delay:
        delay = min(asked, MAX_RETRY_AFTER)
    return max(0.0, delay)


def total_retry_window() -> tuple[float, float]:
    shortest = sum(a**4 + 15.0 for a in range(1, MAX_ATTEMPTS))
    longest = sum(1.5 * a**4 + 15.0 for a in range(1, MAX_ATTEMPTS))
    return shortest, longest


@dataclass
class _HostState:
    failures: int = 0
    open_until: float | None = None


class CircuitBreaker:
    """Per host: after `threshold` consecutive failures, no tries for `cooldown` seconds,
    then one trial; a success closes the circuit."""

    def __init__(self, *, threshold: int = 10, cooldown: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._threshold = threshold
        self._cooldown = cooldown
        self._clock = clock
        self._hosts: dict[str, _HostState] = {}

    def allow(self, host: str) -> bool:
        state = self._hosts.get(host)
        if state is None or state.open_until is None:
            return True
        if self._clock() >= state.open_until:
            state.open_until = self._clock() + self._cooldown  # one trial, then wait again
            return True
        return False

    def record(self, host: str, success: bool) -> None:
        if success:
            self._hosts.pop(host, None)
            return
        state = self._hosts.setdefault(host, _HostState())
        state.failures += 1
        if state.failures >= self._threshold:
            state.open_until = self._clock() + self._cooldown

    def open_until(self, host: str) -> float | None:
        state = self._hosts.get(host)
        return None if state is None else state.open_until


def is_unavailable(failure_days: set[date]) -> bool:
    return len(failure_days) >= UNAVAILABLE_AFTER_DAYS
