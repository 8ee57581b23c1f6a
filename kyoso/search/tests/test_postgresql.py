"""The PostgreSQL design's two ways to the newest matches agree with each other and with the truth."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from kyoso.chat.actions.bulk import ImportedMessage, import_messages
from kyoso.search.analyzer import normalize
from kyoso.search.backends import Where, backend_for, pg_estimates, postgresql
from kyoso.search.matching import TextPlan
from kyoso.search.syntax import Term

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL design only"),
]


def word(text: str) -> TextPlan:
    return TextPlan.of([[Term(text, normalize(text))]])


@pytest.fixture
def analysed(community):
    """300 messages: 窓口 in every third, 戸籍 in two old ones; then ANALYZE, as autovacuum would."""
    start = timezone.now() - timedelta(days=10)
    bodies = [("窓口の相談" if n % 3 == 0 else "予約の確認") + f" {n}" for n in range(300)]
    bodies[5] = bodies[7] = "戸籍の件"
    ids = import_messages(
        [
            ImportedMessage(community.channel.pk, community.author.pk, body, start + timedelta(minutes=n))
            for n, body in enumerate(bodies)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_document")
    pg_estimates.forget_statistics()
    yield dict(zip(ids, bodies, strict=True))
    pg_estimates.forget_statistics()


def truth(messages: dict[int, str], text: str, limit: int) -> list[int]:
    return sorted((i for i, body in messages.items() if text in body), reverse=True)[:limit]


def test_statistics_tell_a_common_word_from_a_rare_one(analysed):
    statistics = pg_estimates.statistics_for(connection, postgresql.TABLE)
    assert statistics is not None
    common = pg_estimates.estimated_matches(statistics, word("窓口"))
    rare = pg_estimates.estimated_matches(statistics, word("戸籍"))
    assert common is not None and rare is not None and rare < common


@pytest.mark.parametrize("text", ["窓口", "戸籍", "予約の確認", "相談 1"])
def test_probe_gin_and_the_handover_between_them_agree(analysed, monkeypatch, text):
    backend = backend_for()
    expected = truth(analysed, normalize(text), 20)
    plan = TextPlan.of([[Term(text, normalize(text), phrase=True)]])
    assert backend.newest(plan, Where(), before=None, limit=20) == expected
    # Forced to the probe with a tiny budget: it hands over to GIN for the older rest.
    monkeypatch.setattr(postgresql.PostgresBackend, "_probe_budget", lambda *args: 7)
    assert backend.newest(plan, Where(), before=None, limit=20) == expected
    # Forced straight to GIN.
    monkeypatch.setattr(postgresql.PostgresBackend, "_probe_budget", lambda *args: 0)
    assert backend.newest(plan, Where(), before=None, limit=20) == expected
    cursor = expected[3] if len(expected) > 3 else None
    if cursor:
        assert (
            backend.newest(plan, Where(), before=cursor, limit=5) == [i for i in expected if i < cursor][:5]
        )


def test_a_filter_gives_the_same_answer_every_way(analysed, community, monkeypatch):
    """Half the messages move to another channel; in:#that channel through probe, GIN and handover."""
    from django.db.models import Q

    from kyoso.chat.models import Message
    from kyoso.search.queries import compile_where
    from kyoso.testing.factories import make_channel

    other = make_channel("広報", creator=community.author, slug="kouhou")
    moved = sorted(analysed)[::2]
    Message.objects.filter(pk__in=moved).update(channel=other)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE search_document SET channel_id = %s WHERE message_id = ANY(%s)", [other.pk, moved]
        )
    where = compile_where(Q(channel_id__in=[other.pk]), selective=True)
    plan = TextPlan.of([[Term("窓口", "窓口")]])
    expected = [i for i in truth(analysed, "窓口", 1000) if i in set(moved)][:20]
    backend = backend_for()
    for budget in (None, 7, 0):
        if budget is not None:
            monkeypatch.setattr(postgresql.PostgresBackend, "_probe_budget", lambda *args, b=budget: b)
        assert backend.newest(plan, where, before=None, limit=20) == expected, budget


def test_a_rare_word_goes_straight_to_gin_and_a_common_one_probes(analysed):
    backend = backend_for()
    assert isinstance(backend, postgresql.PostgresBackend)
    statistics = pg_estimates.statistics_for(connection, postgresql.TABLE)
    assert backend._probe_budget(word("戸籍"), 20, statistics) == 0
    assert backend._probe_budget(word("窓口"), 20, statistics) > 0
