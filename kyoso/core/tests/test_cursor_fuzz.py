"""Ids and cursors a member sends, under hypothesis: any text is read as an id of the database or
refused with the error protocol's ``invalid_id`` (400); nothing else (OverflowError, ValueError) leaks.

The readers: ``parse_id`` (pages' ``before``/``after``, search cursors), the ``<id:…>`` URL converter,
the search page's cursor (``<id>``, or ``<score>_<id>`` by relevance) and the JSON depth check that
runs before any body is parsed.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kyoso.core.validation import (
    MAX_ID,
    MAX_JSON_DEPTH,
    IdConverter,
    InvalidId,
    TooDeeplyNested,
    check_json_depth,
    parse_id,
)
from kyoso.search.queries import NEWEST, RELEVANCE, _parse_cursor

FUZZ = settings(max_examples=300, derandomize=True, deadline=None, database=None)

# Text that looks like a number in every way a number can be written, and some that do not.
digits = st.text("0123456789", min_size=1, max_size=30)
numeric = st.one_of(
    digits,
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.integers(min_value=MAX_ID - 3, max_value=MAX_ID + 3).map(str),
    st.integers(min_value=19, max_value=6000).map(lambda n: "9" * n),
    st.floats().map(repr),
    st.sampled_from(["inf", "-inf", "nan", "NaN", "1e999", "1_0", "０１", "٣", "²", " 1", "1 ", "0x1f", ""]),
)
anything = st.one_of(numeric, st.text(max_size=40))
cursors = st.one_of(
    anything,
    st.tuples(anything, st.sampled_from(["_", "__", ""]), anything).map("".join),
)


@FUZZ
@given(anything, st.sampled_from([0, 1]))
@example("9" * 5000, 1)
@example(str(MAX_ID + 1), 0)
@example("0", 1)
def test_any_text_is_an_id_in_the_database_range_or_invalid_id(raw: str, minimum: int) -> None:
    try:
        value = parse_id(raw, minimum=minimum)
    except InvalidId as refused:
        assert (refused.code, refused.status) == ("invalid_id", 400)
        assert str(refused)
        return
    assert minimum <= value <= MAX_ID
    assert str(value) == raw.lstrip("0") or (value == 0 and set(raw) == {"0"})


@FUZZ
@given(st.one_of(digits, st.integers(min_value=19, max_value=6000).map(lambda n: "9" * n)))
def test_an_id_in_a_url_is_read_or_does_not_match(raw: str) -> None:
    # ValueError is the converter's way of saying "no match": Django answers 404.
    try:
        value = IdConverter().to_python(raw)
    except ValueError:
        assert len(raw) > 19 or int(raw) > MAX_ID
        return
    assert 0 <= value <= MAX_ID


@FUZZ
@given(cursors, st.sampled_from([NEWEST, RELEVANCE]))
@example("inf_5", RELEVANCE)
@example("1e999_5", RELEVANCE)
@example("0.5_" + "9" * 5000, RELEVANCE)
@example("9" * 5000, NEWEST)
@example("nan_1", RELEVANCE)
def test_any_search_cursor_is_a_position_starts_over_or_is_invalid_id(cursor: str, sort: str) -> None:
    try:
        position = _parse_cursor(cursor, sort)
    except InvalidId as refused:
        assert refused.status == 400
        return
    if position is None:
        return
    score, last = position
    assert math.isfinite(score)
    assert 1 <= last <= MAX_ID


# Bracket-heavy text: nesting inside and outside strings, escapes, unbalanced closers first.
json_like = st.lists(
    st.sampled_from(["[", "]", "{", "}", '"', "\\", '\\"', ":", ",", "1", '"a"', " "]), max_size=300
).map("".join)


@FUZZ
@given(st.one_of(json_like, st.integers(min_value=1, max_value=5000).map(lambda n: "[" * n + "]" * n)))
@example("]" * 40 + "[" * 2000 + "]" * 2000)
@example('"' + "[" * 2000)
def test_json_that_passes_the_depth_check_never_recurses_too_deep(text: str) -> None:
    try:
        check_json_depth(text)
    except TooDeeplyNested:
        assert text.count("[") + text.count("{") > MAX_JSON_DEPTH
        return
    try:
        json.loads(text)
    except ValueError:
        pass  # malformed: the parser refuses it, and the edge answers 400
    except RecursionError:  # pragma: no cover - the failure this test looks for
        pytest.fail(f"passed the depth check but recursed: {text[:80]!r}")
