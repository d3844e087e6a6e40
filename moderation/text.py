"""Text as keyword rules and risk terms see it, so spelling tricks do not slip past.

`normalize` is applied to rules and to posts alike, in this order:

1. Format characters (Unicode category Cf: zero-width space and joiners, soft hyphen,
   word joiner, byte-order mark, bidi controls) are removed, so "sui\u200bcide" is "suicide".
2. NFKC folds compatibility forms: fullwidth letters (U+FF21 on), ligatures, superscripts.
3. Casefold: "Suicide" and "SUICIDE" are "suicide", "Straße" is "strasse", and the
   Turkish "İ" becomes "i" plus a combining dot, which step 4 removes.
4. Combining marks (category Mn) are stripped after canonical decomposition, so
   "suïcide" and "café" match "suicide" and "cafe". We strip by default because
   diacritics are a cheap way around a filter and most moderators type rules without
   them; the cost is that words told apart only by marks collide ("año" and "ano").
   `strip_marks=False` keeps them, for callers who need the distinction.
5. Typographic apostrophes and hyphens become ASCII "'" and "-": phones type "can\u2019t"
   for "can't", and "self\u2010harm" must still be "self-harm".
6. Runs of whitespace, line breaks included, become one space; ends are trimmed.

Whole words: `WORD_START` and `WORD_END` are lookarounds built on Unicode `\\w`, so
letters of every script count as word characters ("ass" is not found in "classic",
nor "ana" in "banána"). Scripts written without spaces between words (Han, kana,
Thai, Lao, Khmer, Myanmar) do not count as word neighbours, or a rule in them could
never match inside a sentence.
"""

from __future__ import annotations

import unicodedata

# Scripts without spaces between words: a neighbour from these is never "inside a word".
_UNSPACED = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han
)
_WORD_CHAR = rf"[^\W{_UNSPACED}]"
_category = unicodedata.category
_PUNCTUATION = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u02bc": "'", "\u2032": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-", "\ufe63": "-",
})
WORD_START = rf"(?<!{_WORD_CHAR})"
"""Matches where no word character (of a spaced script) comes just before."""
WORD_END = rf"(?!{_WORD_CHAR})"
"""Matches where no word character (of a spaced script) comes just after."""


def normalize(text: str, *, strip_marks: bool = True) -> str:
    """The matching form of `text`; see the module docstring for each step."""
    if text.isascii():  # no format characters, marks or compatibility forms to fold
        return " ".join(text.lower().split())
    # ASCII characters are never Cf or Mn; testing them first skips most lookups.
    text = "".join(char for char in text if char < "\x80" or _category(char) != "Cf")
    text = unicodedata.normalize("NFKC", text).casefold()
    if strip_marks:
        decomposed = unicodedata.normalize("NFD", text)
        text = "".join(char for char in decomposed if char < "\x80" or _category(char) != "Mn")
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.translate(_PUNCTUATION).split())
