"""Threads: replies publish thread.replied, participants, following and unread replies."""

from __future__ import annotations

import pytest

from kyoso.chat import actions
from kyoso.chat.errors import MessageNotFound
from kyoso.chat.events import channel_audience, member_audience
from kyoso.chat.models import ChannelKind, ThreadFollow
from kyoso.chat.queries import followed_threads, is_following, thread_participants
from kyoso.testing.factories import make_channel, make_member, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return make_member()


@pytest.fixture
def channel(author):
    return make_channel("窓口DX", creator=author)


def test_a_reply_publishes_the_message_and_the_new_reply_count(author, channel, published) -> None:
    root = make_message(channel, author, "質問です")
    replier = make_member()
    actions.join_channel(member=replier, channel=channel)
    with published() as sent:
        reply = actions.post_message(author=replier, channel=channel, text="回答です", thread=root)
    # The post's own events first; the thread's author, who follows it, is then notified.
    assert sent.types == ["message.created", "thread.replied", "notification.created"]
    assert sent.audiences("thread.replied") == [channel_audience(channel.pk)]
    assert sent.audiences("notification.created") == [member_audience(author.pk)]
    assert sent.data("message.created")[0]["thread_root_id"] == root.pk
    replied = sent.data("thread.replied")[0]
    assert (replied["thread_root_id"], replied["reply_id"], replied["reply_count"]) == (root.pk, reply.pk, 1)


def test_a_reply_also_sent_to_the_channel_says_so(author, channel, published) -> None:
    root = make_message(channel, author, "質問です")
    with published() as sent:
        actions.post_message(author=author, channel=channel, text="まとめ", thread=root, also_in_channel=True)
    assert sent.data("message.created")[0]["also_in_channel"] is True


def test_participants_are_the_author_then_repliers_in_order(author, channel) -> None:
    first, second = make_member(), make_member()
    root = make_message(channel, author, "質問です")
    make_message(channel, second, "回答A", thread=root)
    make_message(channel, first, "回答B", thread=root)
    make_message(channel, second, "補足", thread=root)
    make_message(channel, author, "ありがとう", thread=root)
    assert [p.pk for p in thread_participants(make_member(), root)] == [author.pk, second.pk, first.pk]


def test_participants_of_a_reply_is_not_found(author, channel) -> None:
    root = make_message(channel, author, "質問です")
    reply = make_message(channel, make_member(), "回答", thread=root)
    with pytest.raises(MessageNotFound):
        thread_participants(author, reply)


def test_author_and_repliers_follow_automatically(author, channel) -> None:
    replier, reader = make_member(), make_member()
    root = make_message(channel, author, "質問です")
    make_message(channel, replier, "回答", thread=root)
    assert is_following(author, root)
    assert is_following(replier, root)
    assert not is_following(reader, root)


def test_followed_threads_count_unread_replies_of_others(author, channel) -> None:
    replier = make_member()
    root = make_message(channel, author, "質問です")
    make_message(channel, replier, "回答1", thread=root)
    make_message(channel, replier, "回答2", thread=root)
    make_message(channel, author, "自分の返信", thread=root)
    make_message(channel, replier, "回答3", thread=root)
    [followed] = followed_threads(author)
    # The author's own reply marks what came before as read.
    assert (followed.root.pk, followed.unread_replies) == (root.pk, 1)
    [theirs] = followed_threads(replier)
    assert theirs.unread_replies == 0  # their last reply came after the author's


def test_marking_a_thread_read_clears_its_unread_replies(author, channel, published) -> None:
    root = make_message(channel, author, "質問です")
    reply = make_message(channel, make_member(), "回答", thread=root)
    with published() as sent:
        assert actions.mark_thread_read(member=author, thread=root) == reply.pk
    assert followed_threads(author)[0].unread_replies == 0
    assert sent.audiences("read.updated") == [member_audience(author.pk)]
    assert sent.data("read.updated")[0]["thread_root_id"] == root.pk
    with published() as sent:
        actions.mark_thread_read(member=author, thread=root)
    assert sent.events == []


def test_follow_and_unfollow(author, channel, published) -> None:
    reader = make_member()
    root = make_message(channel, author, "質問です")
    make_message(channel, author, "自己補足", thread=root)
    with published() as sent:
        actions.follow_thread(member=reader, thread=root)
    assert sent.audiences("thread.followed") == [member_audience(reader.pk)]
    # Following starts now: earlier replies are not unread.
    assert [(t.root.pk, t.unread_replies) for t in followed_threads(reader)] == [(root.pk, 0)]
    make_message(channel, author, "新しい補足", thread=root)
    assert followed_threads(reader)[0].unread_replies == 1

    with published() as sent:
        actions.unfollow_thread(member=reader, thread=root)
    assert sent.types == ["thread.unfollowed"]
    assert followed_threads(reader) == []


def test_an_unfollowed_thread_stays_unfollowed_until_the_member_replies(author, channel) -> None:
    replier = make_member()
    root = make_message(channel, author, "質問です")
    actions.unfollow_thread(member=author, thread=root)
    make_message(channel, replier, "回答", thread=root)
    assert not is_following(author, root)
    make_message(channel, author, "ありがとう", thread=root)
    assert is_following(author, root)


def test_following_a_reply_follows_its_thread(author, channel) -> None:
    root = make_message(channel, author, "質問です")
    reply = make_message(channel, make_member(), "回答", thread=root)
    reader = make_member()
    follow = actions.follow_thread(member=reader, thread=reply)
    assert follow.thread_root_id == root.pk


def test_followed_threads_of_a_private_channel_disappear_after_leaving(author) -> None:
    member = make_member()
    secret = make_channel("運営会議", creator=author, kind=ChannelKind.PRIVATE, members=[member])
    root = make_message(secret, author, "非公開の相談")
    make_message(secret, member, "回答", thread=root)
    assert len(followed_threads(member)) == 1
    actions.leave_channel(member=member, channel=secret)
    assert followed_threads(member) == []
    assert ThreadFollow.objects.filter(member=member).exists()  # kept for a later invitation


def test_threads_are_listed_most_recently_active_first(author, channel) -> None:
    older = make_message(channel, author, "古い質問")
    newer = make_message(channel, author, "新しい質問")
    replier = make_member()
    make_message(channel, replier, "回答", thread=newer)
    make_message(channel, replier, "回答", thread=older)
    assert [t.root.pk for t in followed_threads(author)] == [older.pk, newer.pk]
