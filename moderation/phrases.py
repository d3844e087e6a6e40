"""Many whole-word phrases compiled into one regular expression.

The normalized phrases are merged into a trie that becomes a single pattern whose
alternatives share their prefixes, so at each position of a post the engine tries
one branch per distinct next character rather than every phrase in turn. Optional
tails are greedy, so the longest phrase is preferred; the whole-word lookarounds
make the engine fall back to a shorter phrase when the longer one does not end a
word. What matches is the normalized phrase itself, so a dictionary names its owner.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Generic, TypeVar

from moderation.text import WORD_END, WORD_START, normalize

T = TypeVar("T")

MAX_PHRASE_LENGTH = 200
"""Longest phrase accepted, in characters after normalization."""

_Trie = dict[str, "_Trie"]
_END = ""  # key marking that a phrase ends at this node


def _trie(phrases: Iterable[str]) -> _Trie:
    root: _Trie = {}
    for phrase in phrases:
        node = root
        for char in phrase:
            node = node.setdefault(char, {})
        node[_END] = {}
    return root


def _pattern(node: _Trie) -> str:
    ends_here = _END in node
    leaves = sorted(char for char, child in node.items() if char and list(child) == [_END])
    branches = [re.escape(char) + _pattern(child) for char, child in sorted(node.items())
                if char and char not in leaves]
    if len(leaves) == 1:
        branches.append(re.escape(leaves[0]))
    elif leaves:
        branches.append("[" + "".join(re.escape(char) for char in leaves) + "]")
    if not branches:
        return ""
    if len(branches) == 1 and not ends_here:
        return branches[0]
    return "(?:" + "|".join(branches) + ")" + ("?" if ends_here else "")


class PhraseSet(Generic[T]):
    """Phrases, each with an owner (a rule, a term); the first owner of a phrase wins."""

    def __init__(self, phrases: Iterable[tuple[str, T]]) -> None:
        owners: dict[str, T] = {}
        for phrase, owner in phrases:
            key = normalize(phrase)
            if len(key) > MAX_PHRASE_LENGTH:
                raise ValueError(f"phrase longer than {MAX_PHRASE_LENGTH} characters")
            if key:
                owners.setdefault(key, owner)
        self._owners = owners
        self._regex = (re.compile(WORD_START + _pattern(_trie(owners)) + WORD_END)
                       if owners else None)

    def __len__(self) -> int:
        return len(self._owners)

    def search(self, normalized: str) -> tuple[str, T] | None:
        """The first phrase found in already normalized text, with its owner."""
        found = self._regex.search(normalized) if self._regex else None
        return (found.group(), self._owners[found.group()]) if found else None

    def find_all(self, normalized: str) -> list[tuple[str, T]]:
        """Every non-overlapping phrase found, left to right."""
        if self._regex is None:
            return []
        return [(found.group(), self._owners[found.group()])
                for found in self._regex.finditer(normalized)]
