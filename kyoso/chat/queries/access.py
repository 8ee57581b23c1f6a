"""Who may read what: every query and action asks here, so the rule lives in one place.

A channel is readable by an active member when it is public or when they belong to it (private
channels and direct messages). Anything else is answered as "not found": a private channel's
existence does not leak through an error.
"""

from __future__ import annotations

from typing import Literal

from django.db.models import Exists, OuterRef, Q, QuerySet

from kyoso.accounts.models import Member, Role
from kyoso.chat.errors import ChannelNotFound, MessageNotFound
from kyoso.chat.models import Channel, ChannelKind, ChannelMembership, Message, PostingPolicy

MODERATING_ROLES = frozenset({Role.MODERATOR, Role.OPERATOR})

# What the member may do where a message box would be: write ("post"), or, instead, join the channel
# first, read an announcement channel only operators write to, or read an archived channel.
PostingState = Literal["post", "join", "announcement", "archived"]


def can_read(member: Member) -> bool:
    return member.is_authenticated and member.is_active


def is_moderator(member: Member) -> bool:
    """Moderators and operators: they may delete others' messages and read edit histories."""
    return can_read(member) and member.role in MODERATING_ROLES


def visible_channels(member: Member) -> QuerySet[Channel]:
    """Public channels, and private channels or DMs the member belongs to."""
    if not can_read(member):
        return Channel.objects.none()
    is_member = ChannelMembership.objects.filter(channel=OuterRef("pk"), member=member)
    return Channel.objects.annotate(is_joined=Exists(is_member)).filter(
        Q(kind=ChannelKind.PUBLIC) | Q(is_joined=True)
    )


def is_channel_member(member: Member, channel: Channel | int) -> bool:
    channel_id = channel.pk if isinstance(channel, Channel) else channel
    return ChannelMembership.objects.filter(channel_id=channel_id, member_id=member.pk).exists()


def readable_channel(member: Member, channel: Channel | int) -> Channel:
    """The channel, fresh from the database, or ChannelNotFound if the member may not read it."""
    channel_id = channel.pk if isinstance(channel, Channel) else channel
    found = visible_channels(member).filter(pk=channel_id).first()
    if found is None:
        raise ChannelNotFound()
    return found


def readable_messages(member: Member) -> QuerySet[Message]:
    """Every message in a channel the member may read (deleted ones included, as tombstones)."""
    if not can_read(member):
        return Message.objects.none()
    return Message.objects.filter(channel__in=visible_channels(member).values("pk"))


def readable_message(member: Member, message: Message | int) -> Message:
    """The message with its channel, fresh from the database, or MessageNotFound."""
    message_id = message.pk if isinstance(message, Message) else message
    found = readable_messages(member).select_related("channel").filter(pk=message_id).first()
    if found is None:
        raise MessageNotFound()
    return found


def can_manage_channel(member: Member, channel: Channel) -> bool:
    """Operators and the channel's creator rename, describe and archive it."""
    return member.role == Role.OPERATOR or (
        channel.created_by_id is not None and channel.created_by_id == member.pk
    )


def can_edit_channel(member: Member, channel: Channel) -> bool:
    """Who may change the name, title and purpose: managers, and in a private channel any member."""
    if not member.is_active:
        return False
    return can_manage_channel(member, channel) or (
        not channel.is_public and is_channel_member(member, channel)
    )


def posting_state(member: Member, channel: Channel, *, to_stream: bool = True) -> PostingState:
    """Whether the member may post in a channel they can read, and if not, why not.

    The one answer to "may I post here": the composer shows a message box only for ``"post"``, and
    ``post_message`` refuses anything else with the matching error. ``to_stream`` is False for a
    thread reply kept in its thread: in an announcement channel only operators post, but anyone may
    ask about an announcement in its thread.
    """
    if channel.archived_at is not None:
        return "archived"
    if not is_channel_member(member, channel):
        return "join"
    if to_stream and channel.posting_policy == PostingPolicy.OPERATORS and member.role != Role.OPERATOR:
        return "announcement"
    return "post"
