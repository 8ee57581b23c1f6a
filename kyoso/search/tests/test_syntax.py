"""The query language: words, phrases, exclusions, OR and filters; and helpful messages for mistakes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyoso.search.errors import QuerySyntaxError
from kyoso.search.syntax import Filter, parse_query, with_filter


def words(query: str) -> list[list[tuple[str, bool]]]:
    return [[(t.normalized, t.negated) for t in clause] for clause in parse_query(query).clauses]


def test_words_must_all_match():
    assert words("窓口 予約") == [[("窓口", False)], [("予約", False)]]


def test_full_width_spaces_separate_words_too():
    assert words("窓口　予約") == [[("窓口", False)], [("予約", False)]]


def test_a_phrase_keeps_its_spaces_and_punctuation():
    parsed = parse_query('"オンライン 申請"')
    assert parsed.terms[0].normalized == "オンライン 申請"
    assert parsed.terms[0].phrase


def test_a_dash_excludes_a_word_or_a_phrase():
    assert words('-電話 -"窓口 対応"') == [[("電話", True)], [("窓口 対応", True)]]


def test_a_dash_inside_a_word_is_part_of_it():
    assert words("AI-OCR") == [[("ai-ocr", False)]]


def test_or_joins_the_words_beside_it():
    assert words("窓口 予約 OR 受付") == [[("窓口", False)], [("予約", False), ("受付", False)]]
    assert words("予約 ＯＲ 受付") == [[("予約", False), ("受付", False)]]


def test_lowercase_or_is_an_ordinary_word():
    assert words("予約 or 受付") == [[("予約", False)], [("or", False)], [("受付", False)]]


def test_filters_are_read_with_their_values():
    parsed = parse_query(
        "窓口 in:#総務 from:@山田 pref:福岡県 size:5万未満 is:thread has:stamp:共創 before:2025-04-01"
    )
    assert [(f.name, f.value) for f in parsed.filters] == [
        ("in", "#総務"),
        ("from", "@山田"),
        ("pref", "福岡県"),
        ("size", "5万未満"),
        ("is", "thread"),
        ("has", "stamp:共創"),
        ("before", "2025-04-01"),
    ]


def test_full_width_filter_names_and_colons_work():
    assert parse_query("ｉｎ：＃総務").filters == [Filter("in", "#総務")]


def test_a_quoted_filter_value_may_hold_spaces_and_a_filter_may_be_excluded():
    assert parse_query('-in:"#地域 九州"').filters == [Filter("in", "#地域 九州", negated=True)]


def test_other_words_with_a_colon_are_words():
    assert words("10:30 https://example.jp") == [[("10:30", False)], [("https://example.jp", False)]]


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ('"窓口', "閉じられていません"),
        ("OR 窓口", "OR"),
        ("窓口 OR", "OR"),
        ("in:#総務 OR in:#広報", "同じ種類の絞り込み"),
        ("in:", "in:"),
        ('""', "空のフレーズ"),
        ("・・・", "文字も数字も"),
    ],
)
def test_malformed_queries_say_what_to_change(query, fragment):
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query)
    assert fragment in str(caught.value)


@given(st.text(max_size=60))
def test_any_text_is_read_or_refused_with_a_message(raw):
    try:
        parse_query(raw)
    except QuerySyntaxError as error:
        assert str(error)


def test_with_filter_adds_a_filter_once():
    assert with_filter("窓口", Filter("pref", "福岡県")) == "窓口 pref:福岡県"
    assert with_filter("窓口 pref:福岡県", Filter("pref", "福岡県")) == "窓口 pref:福岡県"
