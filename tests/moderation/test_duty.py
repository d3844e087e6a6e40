from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from moderation.duty import (
    DEFAULT_TIMEZONE,
    DutyHours,
    DutyHoursInvalid,
    on_duty,
    parse_duty_hours,
    parse_timezone,
)

LONDON_WINTER = timezone(timedelta(0))
"""Europe/London in January: UTC itself."""


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in January 2027, when Monday is the 4th, in London (UTC in winter)."""
    return datetime(2027, 1, 4 + day, hour, minute, tzinfo=LONDON_WINTER)


MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def test_no_hours_means_nobody_is_ever_on_duty() -> None:
    hours = parse_duty_hours("  ")
    assert hours == DutyHours()
    assert not on_duty(hours, at(MON, 12))
    assert not on_duty(DutyHours(), at(SAT, 3))


@pytest.mark.parametrize(("moment", "expected"), [
    (at(MON, 9), True),
    (at(FRI, 16, 59), True),
    (at(FRI, 17), False),
    (at(WED, 8, 59), False),
    (at(SAT, 10), True),
    (at(SAT, 14), False),
    (at(SUN, 12), False),
])
def test_weekday_ranges_and_single_days(moment: datetime, expected: bool) -> None:
    hours = parse_duty_hours("Mon-Fri 09:00-17:00, Sat 10:00-14:00")
    assert on_duty(hours, moment) is expected


@pytest.mark.parametrize(("moment", "expected"), [
    (at(FRI, 21, 59), False),
    (at(FRI, 22), True),
    (at(FRI, 23, 59), True),
    (at(SAT, 0, 30), True),
    (at(SAT, 2), False),
    (at(THU, 23), False),
    (at(FRI, 1), False),
])
def test_a_range_over_midnight_runs_into_the_next_day(moment: datetime, expected: bool) -> None:
    assert on_duty(parse_duty_hours("Fri 22:00-02:00"), moment) is expected


def test_a_sunday_night_shift_wraps_into_monday() -> None:
    hours = parse_duty_hours("sun 23:00-01:00")
    assert on_duty(hours, at(MON, 0, 30))
    assert not on_duty(hours, at(TUE, 0, 30))


def test_day_names_in_any_case_and_spelling_and_groups() -> None:
    assert parse_duty_hours("MONDAY 09:00-10:00").shifts == parse_duty_hours(
        "mon 09:00-10:00").shifts
    daily = parse_duty_hours("daily 09:00-21:00")
    assert all(on_duty(daily, at(day, 20)) for day in range(7))
    assert not any(on_duty(daily, at(day, 21)) for day in range(7))
    weekends = parse_duty_hours("Weekends 10:00-12:00\nweekdays 18:00-19:00")
    assert on_duty(weekends, at(SUN, 11)) and not on_duty(weekends, at(MON, 11))
    assert on_duty(weekends, at(TUE, 18, 30)) and not on_duty(weekends, at(SAT, 18, 30))
    several = parse_duty_hours("Sat Sun 08:00-09:00")
    assert on_duty(several, at(SAT, 8)) and on_duty(several, at(SUN, 8))
    assert not on_duty(several, at(FRI, 8))


def test_a_day_range_can_wrap_round_the_weekend_and_dashes_may_have_spaces() -> None:
    hours = parse_duty_hours("Fri \u2013 Mon 12:00 - 13:00")
    assert [on_duty(hours, at(day, 12)) for day in range(7)] == [
        True, False, False, False, True, True, True]


def test_midnight_ends_a_range_and_a_whole_day_is_allowed() -> None:
    hours = parse_duty_hours("Tue 20:00-24:00, Wed 00:00-24:00")
    assert on_duty(hours, at(TUE, 23, 59))
    assert on_duty(hours, at(WED, 0)) and on_duty(hours, at(WED, 23, 59))
    assert not on_duty(hours, at(THU, 0))


def test_hours_are_read_in_the_chosen_timezone_across_daylight_saving() -> None:
    london = parse_duty_hours("Mon-Fri 09:00-17:00")
    assert london.timezone == DEFAULT_TIMEZONE
    july_morning = datetime(2027, 7, 5, 8, 30, tzinfo=UTC)  # 09:30 in London (BST)
    assert on_duty(london, july_morning)
    assert not on_duty(london, datetime(2027, 1, 4, 8, 30, tzinfo=UTC))
    tokyo = parse_duty_hours("Mon 09:00-10:00", "asia/TOKYO")
    assert tokyo.timezone == "Asia/Tokyo"
    assert on_duty(tokyo, datetime(2027, 1, 4, 0, 30, tzinfo=UTC))  # 09:30 in Tokyo
    assert not on_duty(tokyo, datetime(2027, 1, 4, 9, 30, tzinfo=UTC))


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        on_duty(parse_duty_hours("daily 00:00-24:00"), datetime(2027, 1, 4, 12))


def test_the_text_is_kept_tidied_for_showing_back() -> None:
    assert parse_duty_hours(" Mon-Fri 09:00-17:00 ,, Sat 10:00-14:00, ").text == (
        "Mon-Fri 09:00-17:00, Sat 10:00-14:00")


@pytest.mark.parametrize(("text", "part", "says"), [
    ("Mon-Fry 09:00-17:00", "Mon-Fry 09:00-17:00", "“Fry” is not a day"),
    ("Mon-Fri 09:00-17:00, Sat", "Sat", "each entry needs days and a time range"),
    ("09:00-17:00", "09:00-17:00", "each entry needs days and a time range"),
    ("Mon 9am-5pm", "Mon 9am-5pm", "“9am” is not a time"),
    ("Mon 09:00", "Mon 09:00", "“09:00” is not a time range"),
    ("Mon 09:00-17:00-18:00", "Mon 09:00-17:00-18:00", "is not a time range"),
    ("Mon 25:00-26:00", "Mon 25:00-26:00", "“25:00” is not a time of day"),
    ("Mon 09:60-10:00", "Mon 09:60-10:00", "“09:60” is not a time of day"),
    ("Mon 24:00-02:00", "Mon 24:00-02:00", "“24:00” is not a time of day"),
    ("Mon 09:00-09:00", "Mon 09:00-09:00", "the shift starts and ends at the same time"),
    ("Someday 09:00-10:00", "Someday 09:00-10:00", "“Someday” is not a day"),
])
def test_parse_errors_name_the_bad_part(text: str, part: str, says: str) -> None:
    with pytest.raises(DutyHoursInvalid) as raised:
        parse_duty_hours(text)
    assert raised.value.part == part
    assert says in str(raised.value) and part in str(raised.value)


@pytest.mark.parametrize("name", ["Mars/Olympus", "Europe", "../etc/passwd", "/etc/localtime"])
def test_unknown_timezones_are_refused(name: str) -> None:
    with pytest.raises(DutyHoursInvalid, match="is not a timezone name"):
        parse_duty_hours("Mon 09:00-10:00", name)


def test_an_empty_timezone_is_the_default() -> None:
    assert parse_timezone("") == DEFAULT_TIMEZONE
    assert parse_timezone(" utc ") == "UTC"
