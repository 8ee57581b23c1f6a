"""Every state change in conversations has one function here."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from kyoso.accounts.models import Member, Role
from kyoso.chat.errors import (
    ChannelArchived,
    EmptyMessage,
    InvalidText,
    MessageTooLong,
    NotAllowedToPost,
)
from kyoso.chat.markdown import render_message
from kyoso.chat.models import (
    Channel,
    ChannelCategory,
    ChannelKind,
    ChannelMembership,
    Message,
    PostingPolicy,
    Reaction,
    Stamp,
)

# The stamps every community starts with, in the order the picker shows them.
DEFAULT_STAMPS: tuple[tuple[str, str], ...] = (
    ("共創", "🤝"),
    ("なるほど", "💡"),
    ("ありがとう", "🙏"),
    ("参考になります", "📚"),
    ("賛成", "👍"),
    ("確認します", "👀"),
    ("解決", "✅"),
)


def ensure_default_stamps() -> list[Stamp]:
    stamps = []
    for order, (name, emoji) in enumerate(DEFAULT_STAMPS):
        stamp, _created = Stamp.objects.update_or_create(
            name=name, defaults={"emoji": emoji, "is_default": True, "sort_order": order}
        )
        stamps.append(stamp)
    return stamps


def _unique_slug(name: str) -> str:
    base = slugify(name, allow_unicode=True) or "channel"
    slug, n = base, 2
    while Channel.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_channel(
    *,
    creator: Member | None,
    name: str,
    category: str = ChannelCategory.THEME,
    kind: str = ChannelKind.PUBLIC,
    title: str = "",
    purpose: str = "",
    is_default: bool = False,
    posting_policy: str = PostingPolicy.MEMBERS,
    slug: str | None = None,
    at: datetime | None = None,
) -> Channel:
    with transaction.atomic():
        channel = Channel(
            slug=slug or _unique_slug(name),
            name=name,
            category=category,
            kind=kind,
            title=title,
            purpose=purpose,
            is_default=is_default,
            posting_policy=posting_policy,
            created_by=creator,
            created_at=at or timezone.now(),
        )
        channel.full_clean()
        channel.save()
        if creator is not None:
            join_channel(member=creator, channel=channel, at=channel.created_at)
    return channel


def join_channel(*, member: Member, channel: Channel, at: datetime | None = None) -> ChannelMembership:
    membership, _created = ChannelMembership.objects.get_or_create(
        channel=channel, member=member, defaults={"joined_at": at or timezone.now()}
    )
    return membership


def join_channels(*, members: Iterable[Member], channel: Channel, at: datetime | None = None) -> int:
    """Add many members at once (default channels, importers, the demo); existing ones are kept."""
    joined_at = at or timezone.now()
    rows = [ChannelMembership(channel=channel, member=m, joined_at=joined_at) for m in members]
    created = ChannelMembership.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return len(created)


def clean_text(text: str) -> str:
    """Validate a message body; the text is kept exactly as written (異体字, emoji, combining marks)."""
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text) or "\x00" in text:
        raise InvalidText()
    if not text.strip():
        raise EmptyMessage()
    if len(text) > settings.KYOSO_MESSAGE_MAX_LENGTH:
        raise MessageTooLong()
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in text):
        raise InvalidText()
    return text


def _check_can_post(member: Member, channel: Channel) -> None:
    if channel.archived_at is not None:
        raise ChannelArchived()
    if not member.is_active:
        raise NotAllowedToPost()
    if channel.posting_policy == PostingPolicy.OPERATORS and member.role != Role.OPERATOR:
        raise NotAllowedToPost()
    if not ChannelMembership.objects.filter(channel=channel, member=member).exists():
        raise NotAllowedToPost()


def post_message(
    *,
    author: Member,
    channel: Channel,
    text: str,
    thread: Message | None = None,
    also_in_channel: bool = False,
    at: datetime | None = None,
) -> Message:
    text = clean_text(text)
    _check_can_post(author, channel)
    root = thread.thread_root if thread is not None and thread.thread_root_id else thread
    if root is not None and root.channel_id != channel.pk:
        raise NotAllowedToPost()
    created_at = at or timezone.now()
    with transaction.atomic():
        message = Message.objects.create(
            channel=channel,
            author=author,
            thread_root=root,
            also_in_channel=also_in_channel and root is not None,
            text=text,
            html=render_message(text),
            created_at=created_at,
        )
        if root is not None:
            Message.objects.filter(pk=root.pk).update(
                reply_count=F("reply_count") + 1, last_reply_at=created_at
            )
        Channel.objects.filter(pk=channel.pk).update(last_message_at=created_at)
        # The author has read what they wrote.
        ChannelMembership.objects.filter(channel=channel, member=author).update(
            last_read_message_id=message.pk
        )
    return message


def add_reaction(*, member: Member, message: Message, stamp: Stamp, at: datetime | None = None) -> Reaction:
    if not member.is_active:
        raise NotAllowedToPost()
    # Anyone may stamp in a public channel; elsewhere only its members may.
    is_member = ChannelMembership.objects.filter(channel_id=message.channel_id, member=member).exists()
    if not is_member and message.channel.kind != ChannelKind.PUBLIC:
        raise NotAllowedToPost()
    reaction, _created = Reaction.objects.get_or_create(
        message=message, member=member, stamp=stamp, defaults={"created_at": at or timezone.now()}
    )
    return reaction


def mark_channel_read(*, member: Member, channel: Channel, up_to: int | None = None) -> int:
    """Move the member's read position forward (never back) to ``up_to`` or the newest message.

    Returns the read position now stored; a member who has not joined the channel has none.
    """
    newest = up_to
    if newest is None:
        newest = (
            Message.objects.filter(channel=channel).order_by("-id").values_list("id", flat=True).first() or 0
        )
    ChannelMembership.objects.filter(channel=channel, member=member, last_read_message_id__lt=newest).update(
        last_read_message_id=newest
    )
    position = (
        ChannelMembership.objects.filter(channel=channel, member=member)
        .values_list("last_read_message_id", flat=True)
        .first()
    )
    return position or 0
