"""Channel actions: private channels by invitation, DMs, default channels, leaving, archive, edits."""

from __future__ import annotations

import pytest
from django.test import override_settings

from kyoso.accounts.models import MemberStatus, Role
from kyoso.chat import actions
from kyoso.chat.errors import (
    CannotLeaveDirectMessage,
    ChannelArchived,
    ChannelNotFound,
    InvalidChannel,
    NotAllowed,
    NotAllowedToPost,
    TooManyDirectMembers,
)
from kyoso.chat.events import channel_audience, member_audience
from kyoso.chat.models import Channel, ChannelKind, ChannelMembership, PostingPolicy
from kyoso.chat.queries import channel_directory, joined_channels, visible_channels
from kyoso.testing.factories import make_channel, make_member, make_message

pytestmark = pytest.mark.django_db


def members_of(channel: Channel) -> set[int]:
    return set(ChannelMembership.objects.filter(channel=channel).values_list("member_id", flat=True))


def test_creating_a_channel_makes_the_creator_a_member_and_publishes_it(published) -> None:
    creator = make_member()
    with published() as sent:
        channel = actions.create_channel(creator=creator, name="窓口DX", title="書かない窓口")
    assert members_of(channel) == {creator.pk}
    assert sent.types == ["channel.updated", "channel.updated"]
    assert sent.audiences("channel.updated") == [channel_audience(channel.pk), member_audience(creator.pk)]
    assert sent.data("channel.updated")[0]["change"] == "created"
    assert sent.data("channel.updated")[0]["title"] == "書かない窓口"


def test_only_operators_create_announcement_channels() -> None:
    with pytest.raises(NotAllowed):
        actions.create_channel(creator=make_member(), name="お知らせ", posting_policy=PostingPolicy.OPERATORS)
    assert not Channel.objects.exists()


def test_a_default_channel_must_be_public() -> None:
    with pytest.raises(InvalidChannel):
        actions.create_channel(creator=make_member(), name="運営", kind=ChannelKind.PRIVATE, is_default=True)


def test_private_channel_is_invisible_to_non_members_and_cannot_be_joined(published) -> None:
    owner, outsider = make_member(), make_member()
    secret = make_channel("運営会議", creator=owner, kind=ChannelKind.PRIVATE)
    assert not visible_channels(outsider).filter(pk=secret.pk).exists()
    assert not channel_directory(outsider).filter(pk=secret.pk).exists()
    with published() as sent, pytest.raises(ChannelNotFound):
        actions.join_channel(member=outsider, channel=secret)
    assert members_of(secret) == {owner.pk}
    assert sent.events == []


def test_a_member_of_a_private_channel_invites_another(published) -> None:
    owner, guest = make_member(), make_member()
    secret = make_channel("運営会議", creator=owner, kind=ChannelKind.PRIVATE)
    with published() as sent:
        actions.invite_to_channel(inviter=owner, channel=secret, invitee=guest)
    assert members_of(secret) == {owner.pk, guest.pk}
    assert sent.audiences("channel.updated") == [channel_audience(secret.pk), member_audience(guest.pk)]
    assert sent.data("channel.updated")[0]["change"] == "joined"
    assert visible_channels(guest).filter(pk=secret.pk).exists()


def test_an_outsider_cannot_invite_to_a_private_channel() -> None:
    owner, outsider, friend = make_member(), make_member(), make_member()
    secret = make_channel("運営会議", creator=owner, kind=ChannelKind.PRIVATE)
    with pytest.raises(ChannelNotFound):
        actions.invite_to_channel(inviter=outsider, channel=secret, invitee=friend)
    assert members_of(secret) == {owner.pk}


def test_a_suspended_member_cannot_be_invited() -> None:
    owner = make_member()
    gone = make_member(status=MemberStatus.SUSPENDED)
    secret = make_channel("運営会議", creator=owner, kind=ChannelKind.PRIVATE)
    with pytest.raises(NotAllowed):
        actions.invite_to_channel(inviter=owner, channel=secret, invitee=gone)


def test_opening_a_dm_twice_with_the_same_people_returns_the_same_conversation(published) -> None:
    me, you = make_member(display_name="花子"), make_member(display_name="太郎")
    with published() as sent:
        first = actions.open_direct_conversation(member=me, others=[you])
    again = actions.open_direct_conversation(member=you, others=[me])
    assert again.pk == first.pk
    assert first.kind == ChannelKind.DIRECT
    assert members_of(first) == {me.pk, you.pk}
    assert set(sent.audiences("channel.updated")) == {
        channel_audience(first.pk),
        member_audience(me.pk),
        member_audience(you.pk),
    }
    assert Channel.objects.filter(kind=ChannelKind.DIRECT).count() == 1


def test_a_group_dm_is_another_conversation_than_a_one_to_one() -> None:
    me, you, them = make_member(), make_member(), make_member()
    pair = actions.open_direct_conversation(member=me, others=[you])
    group = actions.open_direct_conversation(member=me, others=[you, them])
    assert pair.pk != group.pk
    assert actions.open_direct_conversation(member=them, others=[me, you, them]).pk == group.pk


@override_settings(KYOSO_GROUP_DM_MAX_MEMBERS=3)
def test_group_dm_size_is_limited_by_a_setting() -> None:
    me, *others = [make_member() for _ in range(4)]
    assert actions.open_direct_conversation(member=me, others=others[:2])
    with pytest.raises(TooManyDirectMembers):
        actions.open_direct_conversation(member=me, others=others)
    assert Channel.objects.filter(kind=ChannelKind.DIRECT).count() == 1


def test_a_dm_with_a_suspended_member_is_refused() -> None:
    with pytest.raises(NotAllowed):
        actions.open_direct_conversation(
            member=make_member(), others=[make_member(status=MemberStatus.SUSPENDED)]
        )


def test_a_dm_cannot_be_left_or_joined_by_others() -> None:
    me, you, outsider = make_member(), make_member(), make_member()
    dm = actions.open_direct_conversation(member=me, others=[you])
    with pytest.raises(CannotLeaveDirectMessage):
        actions.leave_channel(member=me, channel=dm)
    with pytest.raises(ChannelNotFound):
        actions.join_channel(member=outsider, channel=dm)
    with pytest.raises(NotAllowed):
        actions.invite_to_channel(inviter=me, channel=dm, invitee=outsider)
    assert members_of(dm) == {me.pk, you.pk}


def test_a_dm_cannot_be_made_as_a_channel() -> None:
    with pytest.raises(InvalidChannel):
        actions.create_channel(creator=make_member(), name="DM", kind=ChannelKind.DIRECT)


def test_new_members_join_the_default_channels(published) -> None:
    welcome = make_channel("はじめに", is_default=True)
    news = make_channel("お知らせ", is_default=True)
    make_channel("雑談")
    archived = make_channel("旧ロビー", is_default=True)
    Channel.objects.filter(pk=archived.pk).update(archived_at=welcome.created_at)
    newcomer = make_member()
    actions.join_channel(member=newcomer, channel=welcome)

    with published() as sent:
        joined = actions.join_default_channels(member=newcomer)

    assert [c.pk for c in joined] == [news.pk]
    assert set(joined_channels(newcomer).values_list("pk", flat=True)) == {welcome.pk, news.pk}
    assert sent.audiences("channel.updated") == [channel_audience(news.pk), member_audience(newcomer.pk)]


def test_leaving_a_channel_removes_the_membership_and_publishes(published) -> None:
    owner, member = make_member(), make_member()
    channel = make_channel("雑談", creator=owner, members=[member])
    with published() as sent:
        assert actions.leave_channel(member=member, channel=channel) is True
    assert members_of(channel) == {owner.pk}
    assert sent.data("channel.updated")[0]["change"] == "left"
    assert actions.leave_channel(member=member, channel=channel) is False


def test_leaving_a_private_channel_hides_it(published) -> None:
    owner, member = make_member(), make_member()
    secret = make_channel("運営会議", creator=owner, kind=ChannelKind.PRIVATE, members=[member])
    actions.leave_channel(member=member, channel=secret)
    assert not visible_channels(member).filter(pk=secret.pk).exists()


@pytest.mark.parametrize("who", ["creator", "operator"])
def test_creator_or_operator_archives_and_unarchives(published, who: str) -> None:
    creator = make_member()
    actor = creator if who == "creator" else make_member(role=Role.OPERATOR)
    channel = make_channel("防災", creator=creator)
    with published() as sent:
        actions.archive_channel(member=actor, channel=channel)
    channel.refresh_from_db()
    assert channel.archived_at is not None
    assert sent.data("channel.updated") == [sent.data("channel.updated")[0]]
    assert sent.data("channel.updated")[0]["archived"] is True
    with pytest.raises(ChannelArchived):
        actions.post_message(author=creator, channel=channel, text="まだ書けますか")

    with published() as sent:
        actions.unarchive_channel(member=actor, channel=channel)
    channel.refresh_from_db()
    assert channel.archived_at is None
    assert sent.data("channel.updated")[0]["change"] == "unarchived"


@pytest.mark.parametrize("role", [Role.MEMBER, Role.MODERATOR])
def test_other_members_cannot_archive(role: str) -> None:
    channel = make_channel("防災", creator=make_member())
    with pytest.raises(NotAllowed):
        actions.archive_channel(member=make_member(role=role), channel=channel)
    channel.refresh_from_db()
    assert channel.archived_at is None


def test_update_channel_title_and_purpose_by_the_creator(published) -> None:
    creator = make_member()
    channel = make_channel("防災", creator=creator)
    with published() as sent:
        actions.update_channel(
            member=creator, channel=channel, title="防災・減災", purpose="避難所運営の知恵"
        )
    channel.refresh_from_db()
    assert (channel.title, channel.purpose) == ("防災・減災", "避難所運営の知恵")
    assert sent.data("channel.updated")[0]["purpose"] == "避難所運営の知恵"


def test_any_member_of_a_private_channel_may_update_it_but_not_of_a_public_one() -> None:
    owner, member = make_member(), make_member()
    secret = make_channel("運営会議", creator=owner, kind=ChannelKind.PRIVATE, members=[member])
    actions.update_channel(member=member, channel=secret, title="月次")
    public = make_channel("雑談", creator=owner, members=[member])
    with pytest.raises(NotAllowed):
        actions.update_channel(member=member, channel=public, title="乗っ取り")
    public.refresh_from_db()
    assert public.title == ""


def test_update_channel_refuses_too_long_a_title_and_changes_nothing() -> None:
    creator = make_member()
    channel = make_channel("防災", creator=creator, title="元のタイトル")
    with pytest.raises(InvalidChannel):
        actions.update_channel(member=creator, channel=channel, title="あ" * 201)
    channel.refresh_from_db()
    assert channel.title == "元のタイトル"


def test_a_non_member_of_a_private_channel_cannot_post_and_learns_nothing() -> None:
    owner = make_member()
    secret = make_channel("運営会議", creator=owner, kind=ChannelKind.PRIVATE)
    with pytest.raises(ChannelNotFound):
        actions.post_message(author=make_member(), channel=secret, text="見えますか")


def test_a_public_channel_reader_must_join_before_posting() -> None:
    channel = make_channel("雑談", creator=make_member())
    with pytest.raises(NotAllowedToPost):
        actions.post_message(author=make_member(), channel=channel, text="こんにちは")
    make_message(channel, make_member(), "参加してから書きます")


def test_the_directory_lists_joined_private_channels_but_not_dms() -> None:
    me, you = make_member(), make_member()
    secret = make_channel("運営会議", creator=me, kind=ChannelKind.PRIVATE)
    dm = actions.open_direct_conversation(member=me, others=[you])
    listed = set(channel_directory(me).values_list("pk", flat=True))
    assert secret.pk in listed
    assert dm.pk not in listed
    assert dm.pk in set(joined_channels(me).values_list("pk", flat=True))
