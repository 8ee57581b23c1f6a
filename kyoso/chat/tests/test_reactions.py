"""Stamps: adding and removing reactions, who reacted, custom stamps."""

from __future__ import annotations

import pytest
from django.test import override_settings

from kyoso.accounts.models import MemberStatus, Role
from kyoso.chat import actions
from kyoso.chat.errors import (
    ChannelArchived,
    InvalidStamp,
    MessageDeleted,
    MessageNotFound,
    NotAllowed,
    NotAllowedToPost,
    StampExists,
)
from kyoso.chat.events import channel_audience, community_audience
from kyoso.chat.models import ChannelKind, Reaction, Stamp
from kyoso.chat.queries import reactions_for
from kyoso.testing.factories import (
    make_channel,
    make_member,
    make_message,
    make_organization,
    make_reaction,
    stamp_named,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return make_member()


@pytest.fixture
def message(author):
    return make_message(make_channel("窓口DX", creator=author), author, "書かない窓口を始めました")


def test_adding_a_reaction_publishes_it_once(author, message, published) -> None:
    stamp = stamp_named("共創")
    reader = make_member()
    with published() as sent:
        actions.add_reaction(member=reader, message=message, stamp=stamp)
        actions.add_reaction(member=reader, message=message, stamp=stamp)
    assert Reaction.objects.filter(message=message).count() == 1
    assert sent.types == ["reaction.added"]
    assert sent.audiences("reaction.added") == [channel_audience(message.channel_id)]
    data = sent.data("reaction.added")[0]
    assert (data["stamp"], data["member_id"], data["count"]) == ("共創", reader.pk, 1)


def test_removing_a_reaction(author, message, published) -> None:
    stamp = stamp_named("なるほど")
    reader = make_member()
    make_reaction(message, author, stamp)
    make_reaction(message, reader, stamp)
    with published() as sent:
        assert actions.remove_reaction(member=reader, message=message, stamp=stamp) is True
    assert list(Reaction.objects.filter(message=message).values_list("member_id", flat=True)) == [author.pk]
    assert sent.types == ["reaction.removed"]
    assert sent.data("reaction.removed")[0]["count"] == 1
    with published() as sent:
        assert actions.remove_reaction(member=reader, message=message, stamp=stamp) is False
    assert sent.events == []


def test_who_reacted_lists_names_and_organisations_by_stamp(author, message) -> None:
    yame, okawa = make_organization("八女市"), make_organization("大川市")
    first = make_member(yame, display_name="八女 一郎")
    second = make_member(okawa, display_name="大川 花子")
    third = make_member(yame, display_name="八女 次郎")
    for person in (first, second, third):
        make_reaction(message, person, "共創")
    make_reaction(message, second, "ありがとう")

    groups = reactions_for(make_member(), message)

    assert [g.name for g in groups] == ["共創", "ありがとう"]
    assert [(r.display_name, r.organization) for r in groups[0].reactors] == [
        ("八女 一郎", "八女市"),
        ("大川 花子", "大川市"),
        ("八女 次郎", "八女市"),
    ]
    assert groups[0].organization_count == 2


def test_reactions_of_a_private_message_are_not_found_for_outsiders(author) -> None:
    secret = make_channel("運営会議", creator=author, kind=ChannelKind.PRIVATE)
    message = make_message(secret, author, "非公開")
    make_reaction(message, author)
    outsider = make_member()
    with pytest.raises(MessageNotFound):
        reactions_for(outsider, message)
    with pytest.raises(MessageNotFound):
        actions.add_reaction(member=outsider, message=message, stamp=stamp_named())
    with pytest.raises(MessageNotFound):
        actions.remove_reaction(member=outsider, message=message, stamp=stamp_named())


def test_no_reactions_on_deleted_messages_or_in_archived_channels(author, message) -> None:
    actions.archive_channel(member=author, channel=message.channel)
    with pytest.raises(ChannelArchived):
        actions.add_reaction(member=author, message=message, stamp=stamp_named())
    actions.unarchive_channel(member=author, channel=message.channel)
    actions.delete_message(member=author, message=message)
    with pytest.raises(MessageDeleted):
        actions.add_reaction(member=author, message=message, stamp=stamp_named())
    assert not Reaction.objects.exists()


def test_a_suspended_member_cannot_stamp(message) -> None:
    with pytest.raises(NotAllowedToPost):
        actions.add_reaction(
            member=make_member(status=MemberStatus.SUSPENDED), message=message, stamp=stamp_named()
        )


def test_operators_create_custom_stamps(published) -> None:
    operator = make_member(role=Role.OPERATOR)
    with published() as sent:
        stamp = actions.create_stamp(member=operator, name="神対応", emoji="✨")
    assert (stamp.name, stamp.emoji, stamp.is_default, stamp.created_by) == ("神対応", "✨", False, operator)
    assert sent.audiences("stamp.created") == [community_audience()]


def test_members_create_stamps_only_when_the_setting_allows() -> None:
    member = make_member()
    with pytest.raises(NotAllowed):
        actions.create_stamp(member=member, name="神対応")
    with override_settings(KYOSO_MEMBERS_CREATE_STAMPS=True):
        assert actions.create_stamp(member=member, name="神対応").pk


@pytest.mark.parametrize(("name", "emoji", "error"), [
    ("", "", InvalidStamp),
    ("二 語", "", InvalidStamp),
    ("あ" * 33, "", InvalidStamp),
    ("ok", "🎉" * 17, InvalidStamp),
    ("共創", "", StampExists),
])  # fmt: skip
def test_bad_stamps_are_refused(name: str, emoji: str, error: type) -> None:
    stamp_named("共創")
    before = Stamp.objects.count()
    with pytest.raises(error):
        actions.create_stamp(member=make_member(role=Role.OPERATOR), name=name, emoji=emoji)
    assert Stamp.objects.count() == before
