"""Bulk imports (the demo, later Slack): threads across batches, ids in order, nothing half-saved."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from kyoso.accounts.models import Member
from kyoso.chat import actions
from kyoso.chat.actions import ImportedMessage, MessageImporter
from kyoso.chat.errors import EmptyMessage
from kyoso.chat.models import Channel, ChannelMembership, Message, Reaction
from kyoso.testing.factories import make_channel, make_member, stamp_named

pytestmark = pytest.mark.django_db

START = timezone.now() - timedelta(days=3)


def at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


@pytest.fixture
def author() -> Member:
    return make_member()


@pytest.fixture
def channel(author: Member) -> Channel:
    return make_channel("窓口DX", creator=author)


def row(
    channel: Channel, author: Member, text: str, minute: int, thread: int | None = None
) -> ImportedMessage:
    return ImportedMessage(channel.pk, author.pk, text, at(minute), thread)


def test_replies_in_the_same_batch_as_their_parent_are_linked_and_counted(
    channel: Channel, author: Member
) -> None:
    ids = actions.import_messages(
        [
            row(channel, author, "書かない窓口の導入について教えてください。", 0),
            row(channel, author, "当市ではこうしています。", 5, thread=0),
            row(channel, author, "ありがとうございます！", 9, thread=1),  # a reply to a reply
            row(channel, author, "別の話題です。", 12),
        ]
    )
    parent, first, second, other = (Message.objects.get(pk=pk) for pk in ids)
    assert ids == sorted(ids)
    assert first.thread_root_id == parent.pk and second.thread_root_id == parent.pk
    assert parent.reply_count == 2 and parent.last_reply_at == at(9)
    assert other.thread_root_id is None and other.reply_count == 0
    channel.refresh_from_db()
    assert channel.last_message_at == at(12)
    assert parent.html == "<p>書かない窓口の導入について教えてください。</p>"


def test_a_stream_counts_replies_to_parents_of_earlier_batches(channel: Channel, author: Member) -> None:
    importer = MessageImporter(batch_size=2)
    first = importer.add([row(channel, author, "質問です", 0), row(channel, author, "回答1", 1, thread=0)])
    later = importer.add(
        [row(channel, author, "回答2", 30, thread=0), row(channel, author, "回答3", 45, thread=2)]
    )
    importer.finish()
    parent = Message.objects.get(pk=first[0])
    assert parent.reply_count == 3
    assert parent.last_reply_at == at(45)
    assert list(importer.ids) == [*first, *later]


def test_a_batch_with_a_bad_row_leaves_nothing(channel: Channel, author: Member) -> None:
    with pytest.raises(EmptyMessage):
        actions.import_messages([row(channel, author, "ok", 0), row(channel, author, "  ", 1)])
    assert not Message.objects.exists()


def test_a_reply_must_stay_in_its_threads_channel(channel: Channel, author: Member) -> None:
    other = make_channel("雑談", creator=author)
    with pytest.raises(ValueError, match="channel"):
        actions.import_messages([row(channel, author, "質問", 0), row(other, author, "回答", 1, thread=0)])
    assert not Message.objects.exists()


def test_thread_index_must_point_backwards(channel: Channel, author: Member) -> None:
    with pytest.raises(ValueError, match="earlier row"):
        actions.import_messages([row(channel, author, "回答", 0, thread=0)])


def test_imported_stamps_ignore_duplicates(channel: Channel, author: Member) -> None:
    (message_id,) = actions.import_messages([row(channel, author, "質問", 0)])
    stamp = stamp_named("共創")
    rows = [(message_id, author.pk, stamp.pk, at(1)), (message_id, author.pk, stamp.pk, at(2))]
    actions.import_reactions(rows)
    assert Reaction.objects.filter(message_id=message_id).count() == 1


def test_imported_read_positions_set_each_membership(channel: Channel, author: Member) -> None:
    ids = actions.import_messages([row(channel, author, "一つ目", 0), row(channel, author, "二つ目", 1)])
    reader = make_member()
    actions.import_memberships([(channel.pk, reader.pk, at(0))])
    assert actions.import_read_positions([(channel.pk, reader.pk, ids[0])]) == 1
    assert ChannelMembership.objects.get(channel=channel, member=reader).last_read_message_id == ids[0]


def test_purging_messages_takes_their_replies_and_stamps(channel: Channel, author: Member) -> None:
    other = make_member()
    ids = actions.import_messages(
        [
            row(channel, author, "質問", 0),
            row(channel, other, "回答", 1, thread=0),
            row(channel, other, "別件", 2),
        ]
    )
    actions.import_reactions([(ids[1], author.pk, stamp_named("ありがとう").pk, at(3))])
    removed = actions.purge_messages(Message.objects.filter(author=author))
    assert removed == 2
    assert list(Message.objects.values_list("pk", flat=True)) == [ids[2]]
    assert not Reaction.objects.exists()


def test_purging_messages_takes_mentions_edits_saves_and_follows_with_them(
    author: Member, channel: Channel
) -> None:
    from kyoso.chat import actions as chat_actions
    from kyoso.chat.mentions import member_token
    from kyoso.chat.models import Mention, MessageRevision, SavedMessage, ThreadFollow
    from kyoso.testing.factories import make_message

    reader = make_member()
    root = make_message(channel, author, f"{member_token(reader.pk, '読者')} さん")
    make_message(channel, reader, "返信", thread=root)
    chat_actions.edit_message(member=author, message=root, text=f"{root.text}（追記）")
    chat_actions.save_message(member=reader, message=root)

    assert actions.purge_messages(Message.objects.filter(pk=root.pk)) == 2

    assert not Message.objects.exists()
    for model in (Mention, MessageRevision, SavedMessage, ThreadFollow):
        assert not model.objects.exists(), model
