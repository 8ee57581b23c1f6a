"""The index follows every change: post, reply, edit, delete, bulk import, purge, and a full rebuild."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from kyoso.chat import actions
from kyoso.chat.actions.bulk import ImportedMessage, import_messages, purge_messages
from kyoso.chat.models import Message
from kyoso.search.actions import reindex
from kyoso.search.analyzer import ANALYZER_VERSION, analyzed, normalize
from kyoso.search.backends import Where, backend_for
from kyoso.search.matching import TextPlan
from kyoso.search.schema import indexed_analyzer_version
from kyoso.search.syntax import Term
from kyoso.testing.factories import make_message

pytestmark = pytest.mark.django_db


def found(word: str) -> set[int]:
    plan = TextPlan.of([[Term(word, normalize(word))]])
    return set(backend_for().newest(plan, Where(), before=None, limit=1000))


def everything_findable() -> None:
    """Every live message is found by each of its words, and by nothing it no longer says."""
    for message in Message.objects.all():
        text = analyzed(message.text)
        for word in {text[i : i + 2] for i in range(len(text) - 1)} | set(text):
            if word.strip() and word.isalnum():
                assert (message.pk in found(word)) == (message.deleted_at is None), (message.pk, word)


def test_a_posted_message_and_a_reply_are_found(community):
    root = make_message(community.channel, community.author, "戸籍の広域交付")
    reply = make_message(community.channel, community.reader, "窓口でも対応しています", thread=root)
    assert found("戸籍") == {root.pk}
    assert found("窓口") == {reply.pk}


def test_an_edit_is_found_by_its_new_words_only(community):
    message = make_message(community.channel, community.author, "申請書の様式")
    actions.edit_message(member=community.author, message=message, text="届出書の様式")
    assert found("申請") == set()
    assert found("届出") == {message.pk}
    assert found("様式") == {message.pk}


def test_a_deleted_message_leaves_the_index(community):
    message = make_message(community.channel, community.author, "個人情報を書いてしまいました")
    actions.delete_message(member=community.author, message=message)
    assert found("個人情報") == set()
    assert found("個") == set()


def test_a_rolled_back_post_leaves_nothing_behind(community):
    before = found("窓口")
    with pytest.raises(RuntimeError):
        from django.db import transaction

        with transaction.atomic():
            make_message(community.channel, community.author, "窓口の混雑")
            raise RuntimeError("the caller's transaction fails")
    assert found("窓口") == before


def test_bulk_imports_are_findable_and_purges_forget_them(community):
    now = timezone.now()
    ids = import_messages(
        [
            ImportedMessage(community.channel.pk, community.author.pk, "ＬＧＷＡＮ端末の更新", now),
            ImportedMessage(
                community.channel.pk, community.reader.pk, "lgwanの件、了解です", now, thread_index=0
            ),
        ]
    )
    assert found("lgwan") == set(ids)
    kept = make_message(community.channel, community.author, "LGWAN は残ります")
    purge_messages(Message.objects.filter(pk=ids[0]))
    assert found("lgwan") == {kept.pk}


def test_purging_everything_empties_the_index(community):
    make_message(community.channel, community.author, "窓口")
    purge_messages(Message.objects.all())
    assert found("窓口") == set()


def test_reindex_rebuilds_the_same_index_and_records_the_analyzer(community):
    messages = [make_message(community.channel, community.author, f"窓口の相談 {n}") for n in range(5)]
    actions.delete_message(member=community.author, message=messages[0])
    assert reindex(batch_size=2) == 4
    everything_findable()
    assert indexed_analyzer_version(connection) == ANALYZER_VERSION


def test_changes_during_a_reindex_are_kept(community):
    """Members keep posting, editing and deleting while the rebuild runs batch by batch."""
    messages = [make_message(community.channel, community.author, f"予約の件 {n}") for n in range(6)]
    changes = iter(
        [
            lambda: actions.edit_message(member=community.author, message=messages[0], text="受付の件"),
            lambda: actions.delete_message(member=community.author, message=messages[1]),
            lambda: make_message(community.channel, community.author, "新しい投稿です"),
            lambda: actions.edit_message(member=community.author, message=messages[5], text="最後の件"),
        ]
    )
    searched: list[set[int]] = []

    def meanwhile(done: int, total: int) -> None:
        searched.append(found("予約"))  # searches answer while the rebuild runs
        change = next(changes, None)
        if change:
            change()

    reindex(batch_size=2, progress=meanwhile)
    assert all(searched)
    everything_findable()
    assert found("新しい投稿") and found("受付") == {messages[0].pk} and found("最後") == {messages[5].pk}


def test_the_command_reindexes_with_a_progress_bar_and_reports_status(community):
    make_message(community.channel, community.author, "窓口")
    out, err = StringIO(), StringIO()
    call_command("search", "reindex", "--batch-size", "1", stdout=out, stderr=err)
    assert "Reindexed 1 messages" in out.getvalue()
    assert "1/1 100%" in err.getvalue()
    call_command("search", "status", stdout=out)
    assert "current" in out.getvalue()
