"""The analyzer: normal form, runs, bigram documents; and the phrase property that makes them exact."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kyoso.search.analyzer import (
    analyzed,
    bigram_code,
    bigram_document,
    char_code,
    char_document,
    gram_codes,
    is_single_run,
    normalize,
    query_codes,
    runs,
)
from kyoso.search.tests.strategies import texts


def test_full_width_and_half_width_forms_are_one():
    assert normalize("ＤＸ") == normalize("DX") == "dx"
    assert normalize("ｼｽﾃﾑ") == normalize("システム")
    assert normalize("ｶﾞｲﾄﾞ") == "ガイド"
    assert normalize("①") == "1"


def test_case_folding_covers_more_than_ascii():
    assert normalize("STRASSE") == normalize("straße")
    assert normalize("ΣΑΣ") == normalize("σας")


def test_mentions_are_searched_as_members_read_them():
    assert analyzed("@[山田 太郎](member:12) 窓口の件") == "@山田 太郎 窓口の件"


def test_runs_split_on_everything_but_letters_and_digits():
    assert list(runs(normalize("AI-OCR導入、令和6年度。"))) == ["ai", "ocr導入", "令和6年度"]


def test_ai_is_a_bigram_inside_ai_ocr_and_inside_taiwan():
    assert "ai" in bigram_document(normalize("AI-OCR")).split()
    assert "ai" in bigram_document(normalize("taiwan")).split()


def test_each_run_ends_with_its_last_character_so_phrases_never_cross_runs():
    assert bigram_document("窓口業務 ab") == "窓口 口業 業務 務 ab b"
    assert bigram_document("x") == "x"


def test_character_document_lists_distinct_letters_once():
    assert char_document("窓口の窓口") == "の 口 窓"


def test_single_run_is_a_word_of_letters_and_digits_only():
    assert is_single_run("窓口")
    assert not is_single_run("窓口 業務")
    assert not is_single_run("")


def test_gram_codes_of_characters_and_bigrams_never_collide():
    characters = {char_code(c) for c in "窓口aZ0"}
    bigrams = {bigram_code(b) for b in ["窓口", "a0", "0a", "𠮷野"]}
    assert not characters & bigrams


@given(texts, st.data())
def test_every_substring_run_has_its_codes_in_the_text(text, data):
    normal = analyzed(text)
    found = list(runs(normal))
    if not found:
        return
    run = data.draw(st.sampled_from(found))
    start = data.draw(st.integers(0, len(run) - 1))
    end = data.draw(st.integers(start + 1, len(run)))
    assert set(query_codes(run[start:end])) <= set(gram_codes(normal))


@given(texts)
def test_analysis_is_stable(text):
    assert analyzed(text) == analyzed(text)
    assert bigram_document(analyzed(text)) == bigram_document(analyzed(text))
