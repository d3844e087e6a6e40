"""Checks that a moderator's regular expression is safe to run on every post.

Python's `re` backtracks and has no time limit, so a pattern is refused when its
shape can take exponential or high polynomial time on a long post:

- a repeated group (`*`, `+`, `{n,m}` with m > 1) holding a repeat or an alternation,
  as in `(a+)+` or `(a|ab)*`;
- an unbounded repeat of `.` (`.*`, `.+`, `.{n,}`): use a bounded `.{0,40}`;
- more than `MAX_UNBOUNDED` unbounded repeats in all, or a bound above `MAX_BOUND`;
- backreferences, which defeat the usual guarantees;
- anything longer than `MAX_PATTERN_LENGTH`, or that matches empty text (it would
  match every post).

The check reads the pattern's text and is deliberately conservative: a refused
pattern can usually be written as two rules or as a `word` rule.
"""

from __future__ import annotations

import re

MAX_PATTERN_LENGTH = 300
MAX_BOUND = 100
MAX_UNBOUNDED = 4
_BOUNDS = re.compile(r"\{(\d*)(,?)(\d*)\}")


class UnsafePattern(ValueError):
    """Why a pattern was refused, in words a moderator can act on."""


def _skip_class(pattern: str, start: int) -> int:
    """The index just past the character class opening at `start`."""
    index = start + 1
    if pattern[index:index + 1] == "^":
        index += 1
    if pattern[index:index + 1] == "]":
        index += 1
    while index < len(pattern) and pattern[index] != "]":
        index += 2 if pattern[index] == "\\" else 1
    if index >= len(pattern):
        raise UnsafePattern("an unterminated character class [")
    return index + 1


def _quantifier(pattern: str, index: int) -> tuple[int, bool, bool] | None:
    """(length, repeats more than once, unbounded) of a quantifier at `index`."""
    char = pattern[index]
    if char in "*+":
        return 1, True, True
    if char == "?":
        return 1, False, False
    bounds = _BOUNDS.match(pattern, index) if char == "{" else None
    if bounds is None:
        return None
    low, comma, high = bounds.groups()
    if not low and not high:
        return None
    largest = int(high or low or "0")
    if largest > MAX_BOUND or int(low or "0") > MAX_BOUND:
        raise UnsafePattern(f"a repeat count above {MAX_BOUND}")
    unbounded = bool(comma) and not high
    return len(bounds.group()), unbounded or largest > 1, unbounded


def check_pattern(pattern: str) -> re.Pattern[str]:
    """The compiled pattern (case-insensitive), or `UnsafePattern` saying what is wrong."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise UnsafePattern(f"longer than {MAX_PATTERN_LENGTH} characters")
    risky = [False]  # per open group: does it hold a repeat or an alternation?
    closed_risky = False  # the atom just read is a group holding one
    last_was_dot = False
    unbounded_count = 0
    index = 0
    while index < len(pattern):
        char = pattern[index]
        quantifier = _quantifier(pattern, index)
        if quantifier is not None:
            length, many, unbounded = quantifier
            if many and closed_risky:
                raise UnsafePattern("a repeated group holds a repeat or an alternation")
            if unbounded and last_was_dot:
                raise UnsafePattern("an unbounded repeat of '.': bound it, as in .{0,40}")
            unbounded_count += unbounded
            risky[-1] = True
            index += length
            if pattern[index:index + 1] in ("?", "+"):  # lazy or possessive
                index += 1
            closed_risky = last_was_dot = False
            continue
        closed_risky = last_was_dot = False
        if char == "\\":
            following = pattern[index + 1:index + 2]
            if following.isdigit() and following != "0":
                raise UnsafePattern("backreferences are not allowed")
            index += 2
        elif char == "[":
            index = _skip_class(pattern, index)
        elif char == "(":
            if pattern.startswith("(?P=", index):
                raise UnsafePattern("backreferences are not allowed")
            risky.append(False)
            index += 1
            if pattern[index:index + 1] == "?":  # (?:, (?=, (?<!, (?P<name>, (?i)
                index += 1
        elif char == ")":
            if len(risky) > 1:
                closed_risky = risky.pop()
                risky[-1] = risky[-1] or closed_risky
            index += 1
        else:
            if char == "|":
                risky[-1] = True
            last_was_dot = char == "."
            index += 1
    if unbounded_count > MAX_UNBOUNDED:
        raise UnsafePattern(f"more than {MAX_UNBOUNDED} unbounded repeats")
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as error:
        raise UnsafePattern(f"not a valid regular expression ({error})") from error
    if compiled.search("") is not None:
        raise UnsafePattern("it matches empty text, so it would match every post")
    return compiled
