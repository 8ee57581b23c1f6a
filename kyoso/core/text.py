"""What people type, made comparable: full-width and half-width forms, case, katakana readings."""

from __future__ import annotations

import unicodedata

# Katakana ァ (U+30A1) to ヶ (U+30F6) sit exactly 0x60 above their hiragana; ヽヾ map to ゝゞ.
_KATAKANA_FIRST, _KATAKANA_LAST = 0x30A1, 0x30F6
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(_KATAKANA_FIRST, _KATAKANA_LAST + 1)}
_KATAKANA_TO_HIRAGANA.update({0x30FD: 0x309D, 0x30FE: 0x309E})
# A reading may hold hiragana, the long-vowel mark (すぽーつ) and the iteration marks.
_READING_CHARACTERS = frozenset(chr(c) for c in range(0x3041, 0x3097)) | {"ー", "ゝ", "ゞ"}


def normalize_text(text: str) -> str:
    """NFKC (full-width digits and Latin, half-width katakana), with runs of spaces made one.

    Control characters (a NUL, which PostgreSQL refuses in any text it is sent) are dropped.
    """
    normal = unicodedata.normalize("NFKC", text)
    return " ".join("".join(c for c in normal if unicodedata.category(c) != "Cc" or c.isspace()).split())


def fold(text: str) -> str:
    """Width and case folded, for matching: ＤＸ, dx and DX are one; ｼｽﾃﾑ is システム.

    NFKC, case folding, then NFKC again (case folding can undo a composition, e.g. for ﬃ).
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def to_hiragana(text: str) -> str:
    """クルメ → くるめ; everything that is not katakana is kept as it is."""
    return text.translate(_KATAKANA_TO_HIRAGANA)


def reading_of(text: str) -> str:
    """The hiragana reading of what someone typed: NFKC, no spaces, katakana → hiragana."""
    return to_hiragana(normalize_text(text).replace(" ", ""))


def is_reading(text: str) -> bool:
    """True when ``text`` is a non-empty hiragana reading such as くるめし or すぽーつちょう."""
    return bool(text) and all(character in _READING_CHARACTERS for character in text)
