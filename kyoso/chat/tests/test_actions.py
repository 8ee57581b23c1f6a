"""Posting and stamping go through actions that validate and leave nothing half-saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from kyoso.accounts.models import Member, MemberStatus, Role
from kyoso.chat import actions
from kyoso.chat.errors import EmptyMessage, InvalidText, MessageTooLong, NotAllowedToPost
from kyoso.chat.models import ChannelCategory, Message, PostingPolicy, Reaction

pytestmark = pytest.mark.django_db


def member(email: str, **fields: Any) -> Member:
    fields.setdefault("status", MemberStatus.ACTIVE)
    return Member.objects.create_user(email, full_name=email, display_name=email.split("@")[0], **fields)


@pytest.fixture
def alice() -> Member:
    return member("alice@city.kurume.fukuoka.jp")


@pytest.fixture
def channel(alice: Member):
    return actions.create_channel(creator=alice, name="窓口DX", category=ChannelCategory.THEME)


def test_post_message_renders_markdown_and_updates_channel_activity(alice: Member, channel) -> None:
    message = actions.post_message(author=alice, channel=channel, text="**書かない窓口**の件")
    channel.refresh_from_db()
    assert message.html == "<p><strong>書かない窓口</strong>の件</p>"
    assert channel.last_message_at == message.created_at


def test_reply_counts_on_the_thread_parent(alice: Member, channel) -> None:
    parent = actions.post_message(author=alice, channel=channel, text="質問です")
    actions.post_message(author=alice, channel=channel, text="回答1", thread=parent)
    reply = actions.post_message(author=alice, channel=channel, text="回答2", thread=parent)
    # Replying to a reply still lands in the thread of the first message.
    actions.post_message(author=alice, channel=channel, text="回答3", thread=reply)
    parent.refresh_from_db()
    assert parent.reply_count == 3
    assert Message.objects.filter(thread_root=parent).count() == 3


@pytest.mark.parametrize(
    ("text", "error"),
    [("", EmptyMessage), ("   \n\t", EmptyMessage), ("a\x00b", InvalidText), ("\ud800", InvalidText)],
)
def test_bad_text_is_refused_and_nothing_is_saved(alice: Member, channel, text: str, error: type) -> None:
    with pytest.raises(error):
        actions.post_message(author=alice, channel=channel, text=text)
    assert Message.objects.count() == 0


@override_settings(KYOSO_MESSAGE_MAX_LENGTH=10)
def test_message_over_the_length_limit_is_refused(alice: Member, channel) -> None:
    with pytest.raises(MessageTooLong):
        actions.post_message(author=alice, channel=channel, text="あ" * 11)
    assert actions.post_message(author=alice, channel=channel, text="あ" * 10).text == "あ" * 10


def test_only_operators_post_in_announcement_channels(alice: Member) -> None:
    operator = member("ops@digital.go.jp", role=Role.OPERATOR)
    news = actions.create_channel(
        creator=operator,
        name="お知らせ",
        category=ChannelCategory.ANNOUNCEMENT,
        posting_policy=PostingPolicy.OPERATORS,
    )
    actions.join_channel(member=alice, channel=news)
    with pytest.raises(NotAllowedToPost):
        actions.post_message(author=alice, channel=news, text="投稿します")
    notice = actions.post_message(author=operator, channel=news, text="メンテナンスのお知らせ")
    # A question about the announcement goes in its thread, never into the channel itself.
    assert actions.post_message(author=alice, channel=news, text="対象は全庁ですか？", thread=notice).pk
    with pytest.raises(NotAllowedToPost):
        actions.post_message(author=alice, channel=news, text="全員に", thread=notice, also_in_channel=True)


def test_suspended_member_cannot_post(channel) -> None:
    suspended = member("gone@city.susono.shizuoka.jp")
    actions.join_channel(member=suspended, channel=channel)
    suspended.status = MemberStatus.SUSPENDED
    suspended.save(update_fields=["status"])
    with pytest.raises(NotAllowedToPost):
        actions.post_message(author=suspended, channel=channel, text="こんにちは")


def test_same_stamp_twice_is_one_reaction(alice: Member, channel) -> None:
    kyoso_stamp = actions.ensure_default_stamps()[0]
    message = actions.post_message(author=alice, channel=channel, text="共有します")
    actions.add_reaction(member=alice, message=message, stamp=kyoso_stamp)
    actions.add_reaction(member=alice, message=message, stamp=kyoso_stamp)
    assert Reaction.objects.filter(message=message).count() == 1
    assert kyoso_stamp.name == "共創"


def test_channel_slugs_stay_unique_for_the_same_name(alice: Member) -> None:
    first = actions.create_channel(creator=alice, name="防災")
    second = actions.create_channel(creator=alice, name="防災")
    assert first.slug == "防災"
    assert second.slug == "防災-2"


def test_opening_a_channel_clears_its_unread_count(alice: Member, channel, client) -> None:
    from kyoso.chat.queries import joined_channels
    from kyoso.testing.badges import unread_count

    reader = member("reader@city.susono.shizuoka.jp")
    actions.join_channel(member=reader, channel=channel)
    actions.post_message(author=alice, channel=channel, text="新しい話題です")
    actions.post_message(author=alice, channel=channel, text="続きです")
    assert unread_count(joined_channels(reader).get(pk=channel.pk)) == 2
    client.force_login(reader)
    assert client.get(f"/channels/{channel.slug}/").status_code == 200
    assert unread_count(joined_channels(reader).get(pk=channel.pk)) == 0


def test_read_position_never_moves_back(alice: Member, channel) -> None:
    first = actions.post_message(author=alice, channel=channel, text="一つ目")
    second = actions.post_message(author=alice, channel=channel, text="二つ目")
    assert actions.mark_channel_read(member=alice, channel=channel) == second.pk
    assert actions.mark_channel_read(member=alice, channel=channel, up_to=first.pk) == second.pk
