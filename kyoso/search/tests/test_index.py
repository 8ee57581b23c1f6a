"""The index finds exactly the messages whose analysed text contains the analysed query.

The property is checked against a plain substring scan, on whichever database the tests run on
(SQLite FTS5, or the PostgreSQL gram table), for words of one character, of several, phrases with
spaces and punctuation, and every width and case.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kyoso.chat.actions.bulk import ImportedMessage, import_messages
from kyoso.search.analyzer import analyzed, normalize
from kyoso.search.backends import Where, backend_for
from kyoso.search.matching import TextPlan
from kyoso.search.syntax import Term, parse_query
from kyoso.search.tests.strategies import ALPHABET, texts

pytestmark = pytest.mark.django_db


def phrase(query: str) -> TextPlan:
    return TextPlan.of([[Term(query, normalize(query), phrase=True)]])


def imported(community, bodies: list[str]) -> list[int]:
    start = timezone.now() - timedelta(days=1)
    rows = [
        ImportedMessage(community.channel.pk, community.author.pk, body, start + timedelta(seconds=i))
        for i, body in enumerate(bodies)
    ]
    return import_messages(rows)


def found(plan: TextPlan) -> set[int]:
    return set(backend_for().newest(plan, Where(), before=None, limit=10_000))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bodies=st.lists(texts, min_size=1, max_size=6), data=st.data())
def test_index_returns_exactly_the_messages_containing_the_query(community, bodies, data):
    # Half the queries are pieces of the messages (likely to match), half anything at all.
    source = data.draw(st.sampled_from(bodies))
    start = data.draw(st.integers(0, len(source) - 1))
    piece = source[start : start + data.draw(st.integers(1, 6))]
    query = data.draw(st.one_of(st.just(piece), st.text(alphabet=ALPHABET, min_size=1, max_size=5)))
    if not normalize(query).strip():
        return
    with transaction.atomic():
        ids = imported(community, bodies)
        expected = {i for i, body in zip(ids, bodies, strict=True) if normalize(query) in analyzed(body)}
        assert found(phrase(query)) == expected
        assert backend_for().count(phrase(query), Where(), cap=None) == len(expected)
        transaction.set_rollback(True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    bodies=st.lists(texts, min_size=1, max_size=6),
    words=st.lists(st.sampled_from(list("窓口予約aＤx1の")), min_size=1, max_size=3),
    negate=st.booleans(),
    either=st.booleans(),
)
def test_and_or_and_exclusion_match_a_plain_check(community, bodies, words, negate, either):
    terms = [Term(w, normalize(w)) for w in words]
    clauses = [terms] if either else [[t] for t in terms]
    if negate:
        clauses.append([Term("申込", "申込", negated=True)])
    plan = TextPlan.of(clauses)
    with transaction.atomic():
        ids = imported(community, bodies)
        expected = {i for i, body in zip(ids, bodies, strict=True) if plan.matches(analyzed(body))}
        assert found(plan) == expected
        transaction.set_rollback(True)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("窓口", {"窓口の受付時間", "ＡＩ窓口", "窓口。以上"}),
        ("窓", {"窓口の受付時間", "ＡＩ窓口", "出窓", "窓 口", "窓口。以上"}),
        ("ＤＸ", {"自治体DXの話", "ｄｘ推進"}),
        ("dx", {"自治体DXの話", "ｄｘ推進"}),
        ("ai", {"ＡＩ窓口", "AI-OCR", "taiwan", "AI OCR導入"}),
        ("ai-ocr", {"AI-OCR"}),
        ("システム", {"ｼｽﾃﾑ改修"}),
        ("戸籍", {"戸籍の附票"}),
        ('"の受付"', {"窓口の受付時間"}),
        ('"ai ocr"', {"AI OCR導入"}),
        ("ocr", {"AI-OCR", "AI OCR導入"}),
        ('"窓口。"', {"窓口。以上"}),
        ('"x-y"', {"x-y座標"}),
        ('"窓 "', {"窓 口"}),
        ('":0"', set()),
    ],
)
def test_typical_queries(community, query, expected):
    bodies = [
        "窓口の受付時間",
        "ＡＩ窓口",
        "出窓",
        "自治体DXの話",
        "ｄｘ推進",
        "AI-OCR",
        "taiwan",
        "ｼｽﾃﾑ改修",
        "戸籍の附票",
        "窓 口",
        "AI OCR導入",
        "窓口。以上",
        "x-y座標",
    ]
    ids = dict(zip(imported(community, bodies), bodies, strict=True))
    plan = TextPlan.of(parse_query(query).clauses)
    assert {ids[i] for i in found(plan)} == expected


def test_newest_first_with_a_keyset_cursor(community):
    ids = imported(community, [f"窓口 {n}" for n in range(5)])
    plan = phrase("窓口")
    first = backend_for().newest(plan, Where(), before=None, limit=2)
    assert first == [ids[4], ids[3]]
    assert backend_for().newest(plan, Where(), before=first[-1], limit=10) == [ids[2], ids[1], ids[0]]


def test_count_stops_at_the_cap(community):
    imported(community, ["窓口"] * 5)
    assert backend_for().count(phrase("窓口"), Where(), cap=3) == 3
