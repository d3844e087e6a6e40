from __future__ import annotations

import re

import pytest

from moderation.text import WORD_END, WORD_START, normalize


@pytest.mark.parametrize("variant", [
    "suicide",
    "Suicide",
    "SUICIDE",
    "\uff33\uff35\uff29\uff23\uff29\uff24\uff25",  # fullwidth
    "su\u0130cide",  # Turkish capital dotted I
    "sui\u0308cide",  # combining diaeresis
    "su\u00efcide",  # precomposed i with diaeresis
    "sui\u200bcide",  # zero-width space
    "su\u200di\u200ccide",  # zero-width joiner and non-joiner
    "sui\u00adcide",  # soft hyphen
    "\ufeffsuicide\u2060",  # byte-order mark, word joiner
])
def test_spelling_variants_normalize_alike(variant: str) -> None:
    assert normalize(variant) == "suicide"


def test_casefold_folds_sharp_s() -> None:
    assert normalize("STRASSE") == normalize("Straße") == "strasse"


def test_marks_are_kept_when_asked() -> None:
    assert normalize("Café", strip_marks=False) == "café"
    assert normalize("Café") == "cafe"


def test_whitespace_runs_and_line_breaks_collapse() -> None:
    assert normalize("  kill \n\t myself\r\n ") == "kill myself"
    assert normalize("end\u00a0my\u2003life") == "end my life"  # no-break and em spaces


def test_typographic_apostrophes_and_hyphens_fold_to_ascii() -> None:
    assert normalize("Can\u2019t") == "can't"
    assert normalize("self\u2010harm, self\u2013harm") == "self-harm, self-harm"


def whole_word(word: str, text: str) -> bool:
    return re.search(WORD_START + re.escape(word) + WORD_END, normalize(text)) is not None


def test_whole_words_hold_for_non_ascii_letters() -> None:
    assert not whole_word("ass", "classic")
    assert not whole_word("ana", "bañana")
    assert whole_word("ana", "¡ana!")
    assert not whole_word("тест", "тесты")
    assert whole_word("тест", "это тест.")


def test_unspaced_scripts_match_inside_sentences() -> None:
    assert whole_word("自殺", "我想自殺了")
