from __future__ import annotations

import pytest

from moderation.auto_hide import REPORTERS_TO_HIDE, REPORTS_TO_HIDE, hide_reason


@pytest.mark.parametrize(("reporters", "reports", "reason"), [
    (0, 0, None),
    (2, 4, None),
    (3, 3, "Reported by 3 members while no moderator was on duty"),
    (4, 9, "Reported by 4 members while no moderator was on duty"),
    (1, 5, "Reported 5 times while no moderator was on duty"),
    (2, 7, "Reported 7 times while no moderator was on duty"),
])
def test_three_members_or_five_reports_hide_a_post(reporters: int, reports: int,
                                                    reason: str | None) -> None:
    assert hide_reason(reporters=reporters, reports=reports, on_duty=False) == reason


def test_nothing_is_hidden_while_a_moderator_is_on_duty() -> None:
    assert hide_reason(reporters=10, reports=20, on_duty=True) is None


def test_the_thresholds_are_the_documented_ones() -> None:
    assert (REPORTERS_TO_HIDE, REPORTS_TO_HIDE) == (3, 5)
