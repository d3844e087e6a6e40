"""The delivery retry policy: Mastodon's classification, backoff and circuit breaker."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

import pytest

from federation.retry import (
    MAX_ATTEMPTS,
    MAX_RETRY_AFTER,
    CircuitBreaker,
    Outcome,
    classify,
    is_unavailable,
    retry_delay,
    total_retry_window,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(200, Outcome.DONE), (202, Outcome.DONE), (204, Outcome.DONE), (None, Outcome.RETRY),
     (401, Outcome.RETRY), (408, Outcome.RETRY), (429, Outcome.RETRY), (500, Outcome.RETRY),
     (502, Outcome.RETRY), (503, Outcome.RETRY), (400, Outcome.FAIL), (403, Outcome.FAIL),
     (404, Outcome.FAIL), (410, Outcome.FAIL), (422, Outcome.FAIL), (501, Outcome.FAIL),
     (301, Outcome.FAIL), (302, Outcome.FAIL)],
)
def test_classification(status: int | None, outcome: Outcome) -> None:
    assert classify(status) is outcome


def test_delays_follow_attempt_to_the_fourth_with_jitter() -> None:
    rng = random.Random(7)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        delay = retry_delay(attempt, retry_after=None, now=NOW, rng=rng)
        assert attempt**4 + 15 <= delay <= 1.5 * attempt**4 + 15


def test_total_window_is_two_to_three_and_a_half_days() -> None:
    shortest, longest = total_retry_window()
    assert 2 * 86400 < shortest < longest < 3.5 * 86400


def test_retry_after_seconds_and_dates_are_honoured_and_capped() -> None:
    assert retry_delay(1, retry_after="3600", now=NOW) == 3600
    later = format_datetime(NOW + timedelta(hours=2), usegmt=True)
    assert retry_delay(1, retry_after=later, now=NOW) == pytest.approx(7200)
    assert retry_delay(1, retry_after="999999", now=NOW) == MAX_RETRY_AFTER
    assert 16 <= retry_delay(1, retry_after="soon, maybe", now=NOW) <= 16.5
    assert retry_delay(3, retry_after="1", now=NOW) >= 96, "a shorter ask is not a shortcut"


def test_circuit_opens_after_threshold_then_allows_one_trial() -> None:
    clock = [0.0]
    breaker = CircuitBreaker(threshold=3, cooldown=60, clock=lambda: clock[0])
    for _ in range(2):
        breaker.record("h", success=False)
    assert breaker.allow("h")
    breaker.record("h", success=False)
    assert not breaker.allow("h")
    assert breaker.allow("other")
    clock[0] = 61
    assert breaker.allow("h"), "half open: one trial"
    assert not breaker.allow("h")
    breaker.record("h", success=True)
    assert breaker.allow("h")
    assert breaker.open_until("h") is None


def test_unavailable_after_seven_distinct_days() -> None:
    days = {date(2026, 11, d) for d in range(1, 7)}
    assert not is_unavailable(days)
    assert is_unavailable(days | {date(2026, 11, 9)})
