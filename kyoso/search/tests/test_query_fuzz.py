"""The query language under hypothesis: any text is read or refused with the documented error, and
what it was read as prints back (``Term.display``, ``Filter.display``) to a query read the same way."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kyoso.search.errors import QuerySyntaxError
from kyoso.search.syntax import FILTER_NAMES, Filter, ParsedQuery, parse_query, with_filter
from kyoso.search.tests.strategies import ALPHABET
from kyoso.testing.auth import force_login_verified
from kyoso.testing.factories import make_member

# Deterministic in CI: the same queries every run, no example database, no deadline on a slow runner.
FUZZ = settings(max_examples=300, derandomize=True, deadline=None, database=None)

# Pieces of the language and the ways a member mistypes them, glued together at random.
PIECES = [
    " ", "　", '"', "-", "－", "OR", "ＯＲ", "or", ":", "：", "#", "@", "\t", "\n",
    *(f"{name}:" for name in FILTER_NAMES), "IN:", "ｉｎ：", "from:@", 'in:"', "-in:#",
    "窓口", "予約", "10:30", "https://example.jp/a?b=c", "\u3099", "\x00", "\ud7ff", "😀",
]  # fmt: skip
queries = st.one_of(
    st.text(max_size=80),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(alphabet=ALPHABET, max_size=6)), max_size=16).map(
        "".join
    ),
)


def printed(parsed: ParsedQuery) -> str:
    """The query as the parser understood it, written back in the language."""
    clauses = [" OR ".join(term.display() for term in clause) for clause in parsed.clauses]
    return " ".join([*clauses, *(f.display() for f in parsed.filters)])


def read(raw: str) -> ParsedQuery | QuerySyntaxError:
    try:
        return parse_query(raw)
    except QuerySyntaxError as refused:
        return refused


@FUZZ
@given(queries)
@example('-"窓口 業務" OR 予約 in:"#地域 九州" -from:@山田')
@example("a OR -b pref:福岡県 OR")
@example('ｉｎ：＃総務 "')
def test_any_query_is_read_or_refused_with_a_message_that_says_what_to_change(raw: str) -> None:
    outcome = read(raw)
    if isinstance(outcome, QuerySyntaxError):
        assert (outcome.code, outcome.status) == ("query_syntax_error", 400)
        assert str(outcome).strip()
        return
    for term in outcome.terms:
        assert term.normalized.strip(), term
        assert "\x00" not in term.text + term.normalized  # it would reach the database
    for found in outcome.filters:
        assert found.name in FILTER_NAMES and found.value == found.value.strip() and found.value
        assert "\x00" not in found.value


@FUZZ
@given(queries)
@example('"a b" OR c -"d" in:"#x y" -org:久留米市 e')
@example("--x -OR")
def test_what_a_query_was_read_as_prints_back_to_the_same_reading(raw: str) -> None:
    outcome = read(raw)
    if isinstance(outcome, QuerySyntaxError):
        return
    again = parse_query(printed(outcome))
    assert again.clauses == outcome.clauses
    assert again.filters == outcome.filters


@FUZZ
@given(queries, st.sampled_from(FILTER_NAMES), st.text(alphabet=ALPHABET, min_size=1, max_size=8))
def test_a_facet_adds_its_filter_once_to_any_query_that_reads(raw: str, name: str, value: str) -> None:
    outcome = read(raw)
    if isinstance(outcome, QuerySyntaxError) or not value.strip() or '"' in value:
        return
    facet = Filter(name, value.strip())
    once = with_filter(raw, facet)
    assert with_filter(once, facet) == once


def test_a_facet_whose_value_has_spaces_is_not_added_twice() -> None:
    # Found by the test above: the quoted value is not one word of the text.
    facet = Filter("in", "#地域 九州")
    once = with_filter("窓口", facet)
    assert once == '窓口 in:"#地域 九州"'
    assert with_filter(once, facet) == once
    assert with_filter('窓口 in:"#地域\u3000九州"', facet) == '窓口 in:"#地域\u3000九州"'


def test_a_nul_separates_words_like_a_space() -> None:
    parsed = parse_query('窓口\x00予約 "オンライン\x00申請" in:#総務\x00')
    assert [t.text for t in parsed.terms] == ["窓口", "予約", "オンライン 申請"]
    assert [(f.name, f.value) for f in parsed.filters] == [("in", "#総務")]


@pytest.mark.django_db
def test_the_search_page_reads_a_query_with_a_nul_on_every_database() -> None:
    # PostgreSQL refuses a NUL in any text it is given: this answered 500 there.
    client = Client()
    force_login_verified(client, make_member())
    response = client.get(reverse("search:search"), {"q": "窓口\x00予約"})
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_filter_suggestions_read_a_nul_on_every_database() -> None:
    # from:@… looks members up by name: a NUL answered 500 on PostgreSQL.
    viewer = make_member()
    make_member(display_name="田中 一郎")
    client = Client()
    force_login_verified(client, viewer)
    response = client.get(reverse("search:suggest"), {"field": "from", "q": "田中\x00"})
    assert response.status_code == 200
    assert [s["label"] for s in response.json()] == ["@田中 一郎"]
