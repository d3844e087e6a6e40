"""Moderators' duty hours: when someone on the team is expected to be watching.

Admins write them in a small format, entries separated by commas (or lines):

    Mon-Fri 09:00-17:00, Sat 10:00-14:00, Fri 22:00-02:00, daily 19:00-21:00

Each entry is days, then a time range. Days are day names (Mon or Monday, in any case;
several may be given, `Sat Sun`), a range of them (`Mon-Fri`; `Fri-Mon` wraps round the
weekend), `daily`, `weekdays` or `weekends`. Times are 24-hour `HH:MM`; a range that
ends before it starts runs past midnight into the next day (`Fri 22:00-02:00` covers
early Saturday), and `24:00` ends a range at midnight. Hours are read in the admins'
timezone (an IANA name such as Europe/London), so a shift keeps its local times across
daylight saving changes.

No hours at all means nobody is on duty: protections that stand in for a moderator
(reported posts hidden automatically) are then always active, the safe default for a
team of volunteers who cannot promise to be watching.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

DEFAULT_TIMEZONE = "Europe/London"
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_GROUPS = {
    "daily": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}
_DAYS_HINT = "use Mon to Sun, a range like Mon-Fri, daily, weekdays or weekends"
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_DASH = re.compile(r"\s*[-\u2013\u2014]\s*")
"""A hyphen or a typographic dash, with any spaces round it: `Mon - Fri` is `Mon-Fri`."""


class DutyHoursInvalid(ValueError):
    """The admins' text could not be read; `part` is the piece at fault."""

    def __init__(self, part: str, problem: str) -> None:
        super().__init__(problem if f"“{part}”" in problem else f"{problem} (in “{part}”)")
        self.part = part
        self.problem = problem


@dataclass(frozen=True)
class Shift:
    """Days on which a shift starts, and its start and end in minutes after midnight.
    An end at or before the start is on the next day."""

    days: frozenset[int]
    """Weekday numbers, Monday 0."""
    start: int
    end: int

    def covers(self, weekday: int, minute: int) -> bool:
        if self.start < self.end:
            return weekday in self.days and self.start <= minute < self.end
        return ((weekday in self.days and minute >= self.start)
                or ((weekday - 1) % 7 in self.days and minute < self.end))


@dataclass(frozen=True)
class DutyHours:
    shifts: tuple[Shift, ...] = ()
    timezone: str = DEFAULT_TIMEZONE
    text: str = ""
    """As the admins wrote it, for showing back to them."""


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    """Every IANA name this system knows, by its lower-case spelling."""
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def parse_timezone(name: str) -> str:
    """The IANA name as spelled canonically (`europe/london` is Europe/London)."""
    cleaned = name.strip() or DEFAULT_TIMEZONE
    found = _zones().get(cleaned.lower())
    if found is None:
        raise DutyHoursInvalid(cleaned,
                               f"“{cleaned}” is not a timezone name; use one like Europe/London")
    return found


def _day(name: str, entry: str) -> int:
    lowered = name.lower()
    for number, (short, full) in enumerate(zip(DAY_NAMES, _FULL_NAMES, strict=True)):
        if lowered in (short.lower(), full):
            return number
    raise DutyHoursInvalid(entry, f"“{name}” is not a day; {_DAYS_HINT}")


def _days(token: str, entry: str) -> frozenset[int]:
    if token.lower() in _GROUPS:
        return _GROUPS[token.lower()]
    if "-" not in token:
        return frozenset({_day(token, entry)})
    first, _, last = token.partition("-")
    start, end = _day(first, entry), _day(last, entry)
    return frozenset((start + step) % 7 for step in range((end - start) % 7 + 1))


def _minute(text: str, entry: str, *, end: bool) -> int:
    match = _TIME.fullmatch(text)
    if match is None:
        raise DutyHoursInvalid(entry, f"“{text}” is not a time; write it as HH:MM, like 09:00")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not end)):
        raise DutyHoursInvalid(entry, f"“{text}” is not a time of day (00:00 to 24:00)")
    return hours * 60 + minutes


def _shift(entry: str) -> Shift:
    tokens = _DASH.sub("-", entry).split()
    if len(tokens) < 2:
        raise DutyHoursInvalid(entry, "each entry needs days and a time range,"
                                      " like Mon-Fri 09:00-17:00")
    *day_tokens, times = tokens
    if times.count("-") != 1:
        raise DutyHoursInvalid(entry, f"“{times}” is not a time range; write it like 09:00-17:00")
    first, _, last = times.partition("-")
    start = _minute(first, entry, end=False)
    end = _minute(last, entry, end=True)
    if start == end:
        raise DutyHoursInvalid(entry, "the shift starts and ends at the same time")
    days: frozenset[int] = frozenset()
    for token in day_tokens:
        days |= _days(token, entry)
    return Shift(days, start, end)


def parse_duty_hours(text: str, timezone: str = DEFAULT_TIMEZONE) -> DutyHours:
    """The shifts in `text` (empty: nobody is ever on duty); raises `DutyHoursInvalid`."""
    entries = [entry.strip() for entry in re.split(r"[,\n]", text) if entry.strip()]
    return DutyHours(tuple(_shift(entry) for entry in entries), parse_timezone(timezone),
                     ", ".join(entries))


def on_duty(hours: DutyHours, now: datetime) -> bool:
    """Whether a moderator is on duty at `now` (which must carry its timezone)."""
    if now.tzinfo is None:
        raise ValueError("on_duty needs a timezone-aware moment")
    if not hours.shifts:
        return False
    local = now.astimezone(zoneinfo.ZoneInfo(hours.timezone))
    minute = local.hour * 60 + local.minute
    return any(shift.covers(local.weekday(), minute) for shift in hours.shifts)
