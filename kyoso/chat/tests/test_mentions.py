"""Mentions: the token syntax, who counts, @channel/@here limits, the mentions list and badges."""

from __future__ import annotations

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from kyoso.accounts.models import MemberStatus, Role
from kyoso.chat import actions
from kyoso.chat.errors import ChannelMentionNotAllowed, ChannelNotFound
from kyoso.chat.events import member_audience
from kyoso.chat.mentions import member_token, parse_mentions
from kyoso.chat.models import ChannelKind, Mention, Message
from kyoso.chat.queries import joined_channels, mentions_for, search_members
from kyoso.testing.badges import mention_count, unread_count
from kyoso.testing.factories import make_channel, make_member, make_message, make_organization

pytestmark = pytest.mark.django_db


def token(member) -> str:
    return member_token(member.pk, member.display_name)


@pytest.mark.parametrize(
    ("text", "ids", "broadcast"),
    [
        ("@[山田](member:12) さん", {12}, False),
        ("@[山田](member:12) と @[佐藤 花子](member:7)", {12, 7}, False),
        ("@channel お知らせです", set(), True),
        ("皆さん @here", set(), True),
        ("taro@channel.example.jp に送って", set(), False),
        ("@channels は違う", set(), False),
        ("@山田 さん", set(), False),  # a bare name is ambiguous and not a mention
        ("@[名前](member:0)", set(), False),
        ("@[@channel](member:3)", {3}, False),
        ("a@channel", set(), False),
        ("**@here** 重要", set(), True),
        ("`@channel` と書くと全員に届きます", set(), False),
        ("```\n@[山田](member:12)\n```", set(), False),  # quoted in code, not a mention
    ],
)
def test_parse_mentions(text: str, ids: set[int], broadcast: bool) -> None:
    parsed = parse_mentions(text)
    assert (set(parsed.member_ids), parsed.broadcast) == (ids, broadcast)


@given(st.text(max_size=60), st.integers(min_value=1, max_value=10**12))
def test_a_type_ahead_token_always_parses_back_to_its_member(name: str, member_id: int) -> None:
    assert parse_mentions(f"前 {member_token(member_id, name)} 後").member_ids == {member_id}


def test_a_mention_renders_as_the_name_and_is_stored(published) -> None:
    author, named = make_member(), make_member(display_name="山田*太郎")
    channel = make_channel("窓口DX", creator=author)
    with published() as sent:
        message = make_message(channel, author, f"{token(named)} さん、どう思いますか")
    assert message.html == (
        f'<p><a class="mention" href="/accounts/members/{named.pk}/" data-member-id="{named.pk}" '
        f'rel="noopener noreferrer nofollow ugc">@山田*太郎<span class="mention__org">（{named.affiliation}）'
        "</span></a> さん、どう思いますか</p>"
    )
    assert list(Mention.objects.filter(message=message).values_list("member_id", flat=True)) == [named.pk]
    assert sent.audiences("mention.created") == [member_audience(named.pk)]


def test_mentions_count_only_for_members_who_can_read_the_channel() -> None:
    author, inside, outside = make_member(), make_member(), make_member()
    suspended = make_member(status=MemberStatus.SUSPENDED)
    secret = make_channel("運営会議", creator=author, kind=ChannelKind.PRIVATE, members=[inside, suspended])
    message = make_message(secret, author, f"{token(inside)} {token(outside)} {token(suspended)}")
    assert set(Mention.objects.filter(message=message).values_list("member_id", flat=True)) == {inside.pk}


def test_anyone_active_can_be_mentioned_in_a_public_channel() -> None:
    author, reader = make_member(), make_member()
    channel = make_channel("雑談", creator=author)
    message = make_message(channel, author, f"{token(reader)} 見てください")
    assert Mention.objects.filter(message=message, member=reader).exists()
    assert mentions_for(reader).messages == [message]


def test_editing_adds_and_removes_mentions(published) -> None:
    author, first, second = make_member(), make_member(), make_member()
    channel = make_channel("雑談", creator=author)
    message = make_message(channel, author, f"{token(first)} さん")
    with published() as sent:
        actions.edit_message(member=author, message=message, text=f"{token(second)} さんでした")
    assert list(Mention.objects.filter(message=message).values_list("member_id", flat=True)) == [second.pk]
    assert sent.audiences("mention.created") == [member_audience(second.pk)]


@override_settings(KYOSO_CHANNEL_MENTION_MAX_MEMBERS=3)
def test_channel_mention_is_limited_by_channel_size_for_ordinary_members() -> None:
    author = make_member()
    channel = make_channel("雑談", creator=author, members=[make_member(), make_member()])
    assert make_message(channel, author, "@channel 3人なら使えます").mentions_channel
    actions.join_channel(member=make_member(), channel=channel)
    with pytest.raises(ChannelMentionNotAllowed):
        actions.post_message(author=author, channel=channel, text="@here 4人だと使えません")
    assert not Message.objects.filter(text__contains="4人").exists()
    moderator = make_member(role=Role.MODERATOR)
    assert make_message(channel, moderator, "@channel モデレーターは使えます").mentions_channel


@override_settings(KYOSO_CHANNEL_MENTION_MAX_MEMBERS=1)
def test_an_edit_cannot_add_a_refused_channel_mention() -> None:
    author = make_member()
    channel = make_channel("雑談", creator=author, members=[make_member()])
    message = make_message(channel, author, "普通の投稿")
    with pytest.raises(ChannelMentionNotAllowed):
        actions.edit_message(member=author, message=message, text="@channel 注目")
    message.refresh_from_db()
    assert message.text == "普通の投稿"


def test_mentions_for_lists_named_and_channel_mentions_newest_first_by_keyset() -> None:
    author, me = make_member(), make_member()
    channel = make_channel("雑談", creator=author, members=[me])
    other = make_channel("防災", creator=author)
    named = [make_message(channel, author, f"{token(me)} その{n}") for n in range(3)]
    everyone = make_message(channel, author, "@channel 全員へ")
    make_message(other, author, "@channel 参加していないチャンネル")
    make_message(channel, me, f"{token(me)} 自分で自分を")
    deleted = make_message(channel, author, f"{token(me)} 消します")
    actions.delete_message(member=author, message=deleted)

    page = mentions_for(me, limit=2)
    assert [m.pk for m in page.messages] == [everyone.pk, named[2].pk]
    rest = mentions_for(me, before=page.older_than, limit=2)
    assert [m.pk for m in rest.messages] == [named[1].pk, named[0].pk]
    assert rest.older_than is None


def test_mentions_in_a_private_channel_disappear_after_leaving() -> None:
    author, me = make_member(), make_member()
    secret = make_channel("運営会議", creator=author, kind=ChannelKind.PRIVATE, members=[me])
    make_message(secret, author, f"{token(me)} 確認お願いします")
    assert len(mentions_for(me).messages) == 1
    actions.leave_channel(member=me, channel=secret)
    assert mentions_for(me).messages == []


def test_mention_badges_count_unread_mentions_per_channel() -> None:
    author, me = make_member(), make_member()
    channel = make_channel("雑談", creator=author, members=[me])
    quiet = make_channel("防災", creator=author, members=[me])
    make_message(channel, author, "普通の投稿")
    root = make_message(channel, author, f"{token(me)} 質問です")
    make_message(channel, author, f"{token(me)} スレッドでも", thread=root)
    make_message(channel, author, "@here 全員へ")
    make_message(quiet, author, "静かなチャンネル")

    badges = {c.pk: (unread_count(c), mention_count(c)) for c in joined_channels(me)}
    assert badges == {channel.pk: (3, 3), quiet.pk: (1, 0)}
    actions.mark_channel_read(member=me, channel=channel)
    assert mention_count(joined_channels(me).get(pk=channel.pk)) == 0


def test_search_members_by_display_name_kana_prefix_or_organisation() -> None:
    viewer = make_member()
    kurume = make_organization("久留米市")
    yamada = make_member(kurume, display_name="山田 花子", full_name_kana="やまだ はなこ")
    sato = make_member(make_organization("八女市"), display_name="佐藤", full_name_kana="さとう じろう")
    make_member(kurume, display_name="休止中", status=MemberStatus.SUSPENDED)

    assert list(search_members(viewer, "山田")) == [yamada]
    assert list(search_members(viewer, "ヤマ")) == [yamada]  # katakana finds hiragana kana
    assert list(search_members(viewer, "ｻﾄｳ")) == [sato]  # half-width too
    assert list(search_members(viewer, "久留米")) == [yamada]
    assert list(search_members(viewer, "はなこ")) == []  # kana matches from the start only
    assert list(search_members(viewer, "  ")) == []


def test_search_members_for_a_private_channel_offers_only_its_members() -> None:
    owner = make_member(display_name="山田 運営")
    inside = make_member(display_name="山田 内側")
    make_member(display_name="山田 外側")
    secret = make_channel("運営会議", creator=owner, kind=ChannelKind.PRIVATE, members=[inside])
    assert {m.pk for m in search_members(owner, "山田", channel=secret)} == {owner.pk, inside.pk}
    with pytest.raises(ChannelNotFound):
        search_members(make_member(), "山田", channel=secret)


def test_a_suspended_viewer_finds_nobody() -> None:
    make_member(display_name="山田")
    assert list(search_members(make_member(status=MemberStatus.SUSPENDED), "山田")) == []
