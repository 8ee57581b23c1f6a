"""`kyoso demo` leaves the index complete: the demo member finds 窓口, ＤＸ and 戸籍 across it."""

from __future__ import annotations

import pytest

from kyoso.accounts.models import Member
from kyoso.chat.models import Message
from kyoso.chat.queries import readable_messages
from kyoso.demo.members import DEMO_MEMBER_EMAIL
from kyoso.demo.tests.conftest import _fast_password_hashing, directory, small_demo  # noqa: F401 - fixtures
from kyoso.search.analyzer import analyzed, normalize
from kyoso.search.backends import Where, backend_for
from kyoso.search.matching import TextPlan
from kyoso.search.queries import search_messages
from kyoso.search.syntax import Term

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_demo")]


@pytest.mark.parametrize("word", ["窓口", "ＤＸ", "戸籍", "申請", "の"])
def test_every_demo_message_is_in_the_index(word):
    plan = TextPlan.of([[Term(word, normalize(word))]])
    expected = {
        pk
        for pk, text in Message.objects.filter(deleted_at__isnull=True).values_list("pk", "text")
        if normalize(word) in analyzed(text)
    }
    assert set(backend_for().newest(plan, Where(), before=None, limit=100_000)) == expected


@pytest.mark.parametrize("word", ["窓口", "ＤＸ", "戸籍"])
def test_the_demo_member_finds_what_they_can_read(word, settings):
    member = Member.objects.get(email=DEMO_MEMBER_EMAIL)
    readable = readable_messages(member).filter(deleted_at__isnull=True).order_by("-pk")
    expected = [pk for pk, text in readable.values_list("pk", "text") if normalize(word) in analyzed(text)]
    results = search_messages(member, word)
    assert results.count == len(expected)
    assert [hit.message.pk for hit in results.hits] == expected[: settings.KYOSO_SEARCH_PAGE_SIZE]
    if word != "戸籍":  # the small demo may not talk about 戸籍; the full one does
        assert expected
