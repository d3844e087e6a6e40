"""Checks that a moderator's regular expression is safe to run on every post.

Python's `re` backtracks and has no time limit, so a pattern is refused when its
shape can take exponential or high polynomial time on a long post:

- a repeated group (`*`, `+`, `{n,m}` with m > 1) holding a repeat or an alternation,
  as in `(a+)+` or `(a|ab)*`;
- two repeats side by side that can match the same characters, with at most optional
  atoms between, as in `\\w+\\w+` or `\\d+x?\\w*` (`\\w+\\s+` is fine);
- an unbounded repeat of `.` (`.*`, `.+`, `.{n,}`): use a bounded `.{0,40}`;
- more than `MAX_REPEATS` repeats in all, or a count above `MAX_BOUND`;
- backreferences, which defeat the usual guarantees;
- anything longer than `MAX_PATTERN_LENGTH`, or that matches empty text (it would
  match every post).

What remains is compiled with every unbounded repeat capped at `MAX_RUN` characters
(`\\w+` runs as `\\w{1,50}`): even a single `\\w+` is quadratic on one long run of
letters, and no word worth catching is longer. The check reads the pattern's text
and is deliberately conservative: a refused pattern can usually be written as two
rules or as a `word` rule.
"""

from __future__ import annotations

import re
import string

MAX_PATTERN_LENGTH = 300
MAX_BOUND = 100
MAX_REPEATS = 4
MAX_RUN = 50
_BOUNDS = re.compile(r"\{(\d*)(,?)(\d*)\}")
_PROBE = string.printable + "\u00e9\u00df\u00e7\u0436\u03b1\u4e2d\u3042\u00a0"
_FLAGS = re.compile(r"\(\?[aiLmsux-]+\)")
_GROUP_OPEN = re.compile(r"\((?:\?(?:[:=!>]|<[=!]|P<\w+>|[aiLmsux-]+:))?")


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


def _overlap(first: str, second: str) -> bool:
    """Whether two repeated atoms can match a common character (a group: assume so)."""
    if first.startswith("(") or second.startswith("("):
        return True
    try:
        one, other = re.compile(first, re.IGNORECASE), re.compile(second, re.IGNORECASE)
    except re.error:
        return True
    return any(one.fullmatch(char) and other.fullmatch(char) for char in _PROBE)


def _capped(quantifier: str) -> str:
    """`*`, `+` or `{n,}` as a bounded repeat of at most MAX_RUN (or n)."""
    low = {"*": "0", "+": "1"}.get(quantifier) or quantifier[1:-2]
    return f"{{{low},{max(int(low), MAX_RUN)}}}"


def check_pattern(pattern: str) -> re.Pattern[str]:
    """The compiled pattern (case-insensitive), or `UnsafePattern` saying what is wrong."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise UnsafePattern(f"longer than {MAX_PATTERN_LENGTH} characters")
    risky = [False]  # per open group: does it hold a repeat or an alternation?
    group_starts: list[int] = []
    closed_risky = False  # the atom just read is a group holding one
    last_was_dot = False
    atom_start = -1  # where the atom a quantifier would apply to begins
    repeat_end = -1  # where the last repeat (and optional atoms after it) ends
    repeated_atom = ""  # what that repeat repeats
    bounded: list[str] = []  # the pattern as compiled, unbounded repeats capped
    copied = 0
    repeats = 0
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
            atom = pattern[atom_start:index]
            if many and atom_start == repeat_end and _overlap(repeated_atom, atom):
                raise UnsafePattern("two repeats of the same characters side by side, "
                                    "as in \\w+\\w+")
            repeats += many
            risky[-1] = True
            if unbounded:
                bounded.append(pattern[copied:index] + _capped(pattern[index:index + length]))
                copied = index + length
            index += length
            if pattern[index:index + 1] in ("?", "+"):  # lazy or possessive
                index += 1
            if many:
                repeated_atom = atom
            if many or atom_start == repeat_end:
                repeat_end = index
            closed_risky = last_was_dot = False
            continue
        closed_risky = last_was_dot = False
        atom_start = index
        if char == "\\":
            following = pattern[index + 1:index + 2]
            if following.isdigit() and following != "0":
                raise UnsafePattern("backreferences are not allowed")
            index += 2
        elif char == "[":
            index = _skip_class(pattern, index)
        elif (flags := _FLAGS.match(pattern, index)) is not None:
            index = flags.end()
            atom_start = -1
        elif char == "(":
            if pattern.startswith("(?P=", index):
                raise UnsafePattern("backreferences are not allowed")
            opening = _GROUP_OPEN.match(pattern, index)
            assert opening is not None  # a bare "(" always matches
            risky.append(False)
            group_starts.append(index)
            if repeat_end == index:  # the group's first atom follows that repeat
                repeat_end = opening.end()
            index = opening.end()
        elif char == ")":
            if group_starts:
                closed_risky = risky.pop()
                risky[-1] = risky[-1] or closed_risky
                atom_start = group_starts.pop()
            if repeat_end == index:  # the group ends with a repeat
                repeat_end = index + 1
            index += 1
        else:
            if char == "|":
                risky[-1] = True
                repeat_end = -1
            last_was_dot = char == "."
            index += 1
    if repeats > MAX_REPEATS:
        raise UnsafePattern(f"more than {MAX_REPEATS} repeats")
    pattern = "".join(bounded) + pattern[copied:]
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as error:
        raise UnsafePattern(f"not a valid regular expression ({error})") from error
    if compiled.search("") is not None:
        raise UnsafePattern("it matches empty text, so it would match every post")
    return compiled
