"""Read state and thread following: what a member has seen, and which threads they keep up with."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from kyoso.accounts.models import Member
from kyoso.chat import signals
from kyoso.chat.errors import MessageNotFound, NotAllowed
from kyoso.chat.events import member_audience, publish
from kyoso.chat.models import Channel, ChannelMembership, Message, ThreadFollow
from kyoso.chat.queries.access import readable_channel, readable_message


def mark_channel_read(*, member: Member, channel: Channel, up_to: int | None = None) -> int:
    """Move the member's read position forward (never back) to ``up_to`` or the newest message.

    Returns the read position now stored; a member who has not joined the channel has none.
    """
    if not member.is_active:
        raise NotAllowed()
    channel = readable_channel(member, channel)
    newest_there = (
        Message.objects.filter(channel=channel).order_by("-id").values_list("id", flat=True).first() or 0
    )
    # A client cannot mark messages read that do not exist yet (a bad id would hide future ones).
    newest = newest_there if up_to is None else min(up_to, newest_there)
    with transaction.atomic():
        moved = ChannelMembership.objects.filter(
            channel=channel, member=member, last_read_message_id__lt=newest
        ).update(last_read_message_id=newest)
        if moved:
            signals.channel_read.send(sender=Channel, member=member, channel_id=channel.pk, up_to=newest)
            publish(
                member_audience(member.pk),
                "read.updated",
                {"channel_id": channel.pk, "last_read_message_id": newest},
            )
    position = (
        ChannelMembership.objects.filter(channel=channel, member=member)
        .values_list("last_read_message_id", flat=True)
        .first()
    )
    return position or 0


def _thread_root(member: Member, thread: Message | int) -> Message:
    if not member.is_active:
        raise NotAllowed()
    message = readable_message(member, thread)
    if message.thread_root_id is not None:
        return readable_message(member, message.thread_root_id)
    return message


def _newest_reply_id(root: Message) -> int:
    return Message.objects.filter(thread_root=root).order_by("-id").values_list("id", flat=True).first() or 0


def mark_thread_read(*, member: Member, thread: Message, up_to: int | None = None) -> int:
    """Move the read position of a followed thread forward; returns it (0 when not following)."""
    root = _thread_root(member, thread)
    newest_there = _newest_reply_id(root)
    # As for a channel: no read position past the newest reply there is (a bad id would hide future ones).
    newest = newest_there if up_to is None else min(up_to, newest_there)
    with transaction.atomic():
        moved = ThreadFollow.objects.filter(
            member=member, thread_root=root, last_read_reply_id__lt=newest
        ).update(last_read_reply_id=newest)
        if moved:
            signals.thread_read.send(sender=Message, member=member, thread_root_id=root.pk, up_to=newest)
            publish(
                member_audience(member.pk),
                "read.updated",
                {"channel_id": root.channel_id, "thread_root_id": root.pk, "last_read_reply_id": newest},
            )
    position = (
        ThreadFollow.objects.filter(member=member, thread_root=root)
        .values_list("last_read_reply_id", flat=True)
        .first()
    )
    return position or 0


def follow_thread(*, member: Member, thread: Message) -> ThreadFollow:
    """Follow a thread; what was said before counts as read."""
    root = _thread_root(member, thread)
    if root.deleted_at is not None and root.reply_count == 0:
        raise MessageNotFound()
    with transaction.atomic():
        follow, created = ThreadFollow.objects.get_or_create(
            member=member,
            thread_root=root,
            defaults={"created_at": timezone.now(), "last_read_reply_id": _newest_reply_id(root)},
        )
        if created or not follow.following:
            follow.following = True
            follow.save(update_fields=["following"])
            publish(member_audience(member.pk), "thread.followed", {"thread_root_id": root.pk})
    return follow


def unfollow_thread(*, member: Member, thread: Message) -> ThreadFollow:
    """Stop following a thread; replying to it later follows it again."""
    root = _thread_root(member, thread)
    with transaction.atomic():
        follow, created = ThreadFollow.objects.get_or_create(
            member=member,
            thread_root=root,
            defaults={"created_at": timezone.now(), "following": False},
        )
        if created or follow.following:
            follow.following = False
            follow.save(update_fields=["following"])
            publish(member_audience(member.pk), "thread.unfollowed", {"thread_root_id": root.pk})
    return follow
