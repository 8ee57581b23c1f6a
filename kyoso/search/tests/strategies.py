"""Hypothesis strategies for Japanese government chat: kana, kanji, every width of Latin, and traps."""

from __future__ import annotations

from hypothesis import strategies as st

# Characters chosen to exercise the analyzer: each line is one kind of trouble.
ALPHABET = (
    "あいうえおかがきぎくのはをんっー"  # hiragana, the long-vowel mark
    "アイウカガキシステムデジタル"  # katakana
    "ｱｲｳｶｷｼｽﾃﾑﾞﾟ"  # half-width katakana and its (han)dakuten
    "窓口予約戸籍申込受付市役所々〆"  # kanji and iteration marks
    "abcdxyzAIDX0123"  # ASCII letters and digits
    "ＡＢＤＸａｂｄｘ０１２"  # full-width Latin and digits
    "①②㈱㍻"  # compatibility characters NFKC expands
    "ßİﬁΣσς"  # case folding that changes length or letters
    " 　、。・「」-_/:!?（）\n"  # separators: spaces, punctuation
    "\u3099\u0301"  # combining marks
    "😀🏛"  # emoji: not letters, never indexed
)

texts = st.text(alphabet=ALPHABET, min_size=1, max_size=40).filter(lambda t: t.strip() != "")
