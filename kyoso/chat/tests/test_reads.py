"""Read state: unread counts, the first unread message, and read.updated events."""

from __future__ import annotations

import pytest

from kyoso.chat import actions
from kyoso.chat.errors import ChannelNotFound
from kyoso.chat.events import member_audience
from kyoso.chat.models import ChannelKind
from kyoso.chat.queries import first_unread_message, joined_channels
from kyoso.testing.badges import unread_count
from kyoso.testing.factories import make_channel, make_member, make_message

pytestmark = pytest.mark.django_db


def test_first_unread_is_the_oldest_message_after_the_read_position() -> None:
    author, reader = make_member(), make_member()
    channel = make_channel("雑談", creator=author, members=[reader])
    seen = make_message(channel, author, "読んだ")
    actions.mark_channel_read(member=reader, channel=channel)
    root = make_message(channel, author, "未読1")
    make_message(channel, author, "スレッド内", thread=root)
    make_message(channel, author, "未読2")
    assert first_unread_message(reader, channel) == root
    assert first_unread_message(author, channel) is None
    assert seen.pk < root.pk


def test_first_unread_skips_deleted_messages() -> None:
    author, reader = make_member(), make_member()
    channel = make_channel("雑談", creator=author, members=[reader])
    gone = make_message(channel, author, "消える")
    kept = make_message(channel, author, "残る")
    actions.delete_message(member=author, message=gone)
    assert first_unread_message(reader, channel) == kept


def test_first_unread_of_a_channel_not_joined_is_none_and_of_a_private_one_not_found() -> None:
    author, reader = make_member(), make_member()
    public = make_channel("雑談", creator=author)
    make_message(public, author, "公開")
    assert first_unread_message(reader, public) is None
    secret = make_channel("運営会議", creator=author, kind=ChannelKind.PRIVATE)
    with pytest.raises(ChannelNotFound):
        first_unread_message(reader, secret)


def test_marking_read_publishes_to_the_member_only_when_it_moves(published) -> None:
    author, reader = make_member(), make_member()
    channel = make_channel("雑談", creator=author, members=[reader])
    message = make_message(channel, author, "新着")
    with published() as sent:
        assert actions.mark_channel_read(member=reader, channel=channel) == message.pk
    assert sent.audiences("read.updated") == [member_audience(reader.pk)]
    assert sent.data("read.updated") == [{"channel_id": channel.pk, "last_read_message_id": message.pk}]
    with published() as sent:
        actions.mark_channel_read(member=reader, channel=channel)
    assert sent.events == []


def test_unread_counts_leave_out_own_deleted_and_thread_only_messages() -> None:
    author, reader = make_member(), make_member()
    channel = make_channel("雑談", creator=author, members=[reader])
    root = make_message(channel, author, "一")
    make_message(channel, author, "スレッドのみ", thread=root)
    make_message(channel, author, "チャンネルにも", thread=root, also_in_channel=True)
    gone = make_message(channel, author, "消える")
    actions.delete_message(member=author, message=gone)
    make_message(channel, reader, "自分の投稿")
    # The reader's own post moved their read position: only what came after it is unread.
    make_message(channel, author, "後の投稿")
    assert unread_count(joined_channels(reader).get(pk=channel.pk)) == 1
    assert unread_count(joined_channels(author).get(pk=channel.pk)) == 0


def unread(member, channel) -> int:
    return unread_count(joined_channels(member).get(pk=channel.pk))


def test_unread_counts_start_when_a_member_joins_not_at_the_channels_first_message() -> None:
    """The history is there to read, but a new member's channel does not open with hundreds unread."""
    author, newcomer, invited = make_member(), make_member(), make_member()
    channel = make_channel("防災", creator=author)
    for n in range(5):
        make_message(channel, author, f"以前の投稿 {n}")
    actions.join_channel(member=newcomer, channel=channel)
    actions.invite_to_channel(inviter=author, channel=channel, invitee=invited)
    assert unread(newcomer, channel) == 0
    assert unread(invited, channel) == 0
    assert first_unread_message(newcomer, channel) is None
    news = make_message(channel, author, "参加後の投稿")
    assert unread(newcomer, channel) == 1
    assert first_unread_message(newcomer, channel) == news


def test_a_new_member_joins_the_default_channels_with_nothing_unread() -> None:
    author = make_member()
    default = make_channel("お知らせ", creator=author, is_default=True)
    make_message(default, author, "ようこそ")
    newcomer = make_member()
    joined = actions.join_default_channels(member=newcomer)
    assert default in joined
    assert unread(newcomer, default) == 0
