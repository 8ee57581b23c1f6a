"""「ここに投稿できるか」: the composer and ``post_message`` answer from one rule (``posting_state``)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kyoso.accounts.models import Member, Role
from kyoso.chat import actions, queries
from kyoso.chat.errors import ChannelArchived, NotAllowedToPost
from kyoso.chat.models import Channel, PostingPolicy
from kyoso.core.errors import MemberFacingError
from kyoso.testing.factories import make_channel, make_member, make_message

pytestmark = pytest.mark.django_db


def _announcements(operator: Member, *others: Member) -> Channel:
    return make_channel(
        "お知らせ", creator=operator, members=list(others), posting_policy=PostingPolicy.OPERATORS
    )


def _refusal(member: Member, channel: Channel) -> type[MemberFacingError] | None:
    try:
        actions.post_message(author=member, channel=channel, text="投稿します")
    except MemberFacingError as error:
        return type(error)
    return None


def test_a_member_of_an_open_channel_may_post_and_the_post_is_accepted() -> None:
    member = make_member()
    channel = make_channel(creator=member)
    assert queries.posting_state(member, channel) == "post"
    assert _refusal(member, channel) is None


def test_someone_who_has_not_joined_is_asked_to_join_and_the_post_is_refused() -> None:
    channel = make_channel(creator=make_member())
    outsider = make_member()
    assert queries.posting_state(outsider, channel) == "join"
    assert _refusal(outsider, channel) is NotAllowedToPost


def test_an_archived_channel_shows_no_box_and_refuses_the_post_as_archived() -> None:
    member = make_member()
    channel = make_channel(creator=member)
    channel.archived_at = timezone.now()
    channel.save(update_fields=["archived_at"])
    assert queries.posting_state(member, channel) == "archived"
    assert _refusal(member, channel) is ChannelArchived


def test_in_an_announcement_channel_only_operators_post_but_anyone_replies_in_a_thread() -> None:
    operator = make_member(role=Role.OPERATOR)
    member = make_member()
    channel = _announcements(operator, member)
    assert queries.posting_state(operator, channel) == "post"
    assert queries.posting_state(member, channel) == "announcement"
    assert _refusal(member, channel) is NotAllowedToPost

    notice = make_message(channel, operator, "来週の勉強会のお知らせ")
    assert queries.posting_state(member, channel, to_stream=False) == "post"
    reply = actions.post_message(author=member, channel=channel, text="質問です", thread=notice)
    assert reply.thread_root_id == notice.pk
