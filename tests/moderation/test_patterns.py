from __future__ import annotations

import re

import pytest

from moderation.patterns import MAX_PATTERN_LENGTH, UnsafePattern, check_pattern


@pytest.mark.parametrize("pattern", [
    r"kill\s+(?:my)?self",
    r"\bfree\s+(crypto|nft)s?\b",
    r"(?:ab|cd)?x",
    r"(?i)spam\s+(?P<what>eggs)",
    r"\w+|\w+x",
    r"free\s+\w+",
    r"[a-f]+[0-9]+",
    r"[(*+]+x",
    r"\(a+\)+",
    r"buy.{0,40}now",
    r"\d{3}-\d{4}",
])
def test_ordinary_patterns_compile(pattern: str) -> None:
    assert check_pattern(pattern)


def test_unbounded_repeats_are_capped() -> None:
    assert check_pattern(r"kill\s+(?:my)?self").pattern == r"kill\s{1,50}(?:my)?self"
    assert check_pattern(r"a*?b{2,}").pattern == r"a{0,50}?b{2,50}"
    assert check_pattern(r"x\w+").search("x" + "a" * 80)


def test_patterns_ignore_case() -> None:
    assert check_pattern("SPAM").search("spam")


@pytest.mark.parametrize(("pattern", "problem"), [
    (r"(a+)+$", "repeated group"),
    (r"(?:a*)*b", "repeated group"),
    (r"(a|ab)*c", "repeated group"),
    (r"((ab)+x)+", "repeated group"),
    (r"(a?){30}a{30}", "repeated group"),
    (r"spam.*eggs", "unbounded repeat of '.'"),
    (r"x.+", "unbounded repeat of '.'"),
    (r"a{1,1000}", "repeat count above"),
    (r"\w+\w+x", "side by side"),
    (r"\d{1,9}\w*x", "side by side"),
    (r"\w+x?\w+", "side by side"),
    (r"(?:a\w+)\w+", "side by side"),
    (r"\w+(?:\w+)", "side by side"),
    (r"a+b+c+d+e+", "more than 4 repeats"),
    (r"[a-z]+\d?[k-p]+", "side by side"),
    (r"(a)\1", "backreferences"),
    (r"(?P<w>a)(?P=w)", "backreferences"),
    (r"a?", "matches empty text"),
    (r"(unclosed", "not a valid regular expression"),
    (r"[abc", "unterminated character class"),
    ("a" * (MAX_PATTERN_LENGTH + 1), "longer than"),
])
def test_dangerous_or_broken_patterns_are_refused(pattern: str, problem: str) -> None:
    with pytest.raises(UnsafePattern, match=re.escape(problem)):
        check_pattern(pattern)
