"""Every state change in conversations has one function here."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
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
            Message.objects.filter(pk=root.pk).update(reply_count=F("reply_count") + 1, last_reply_at=created_at)
        Channel.objects.filter(pk=channel.pk).update(last_message_at=created_at)
        # The author has read what they wrote.
        ChannelMembership.objects.filter(channel=channel, member=author).update(
            last_read_message_id=message.pk
        )
    return message


def add_reaction(*, member: Member, message: Message, stamp: Stamp, at: datetime | None = None) -> Reaction:
    if not member.is_active:
        raise NotAllowedToPost()
    if not ChannelMembership.objects.filter(channel_id=message.channel_id, member=member).exists():
        if message.channel.kind != ChannelKind.PUBLIC:
            raise NotAllowedToPost()
    reaction, _created = Reaction.objects.get_or_create(
        message=message, member=member, stamp=stamp, defaults={"created_at": at or timezone.now()}
    )
    return reaction


@dataclass(frozen=True)
class ImportedMessage:
    """One message of a bulk import; ``thread_index`` points at an earlier row of the same batch."""

    channel_id: int
    author_id: int
    text: str
    created_at: datetime
    thread_index: int | None = None


def import_messages(rows: list[ImportedMessage], *, batch_size: int = 2000) -> list[int]:
    """Write many already-validated messages at once (demo scale-up, Slack import).

    Returns the new ids in row order. Thread parents must come before their replies.
    """
    ids: list[int] = []
    rendered: dict[str, str] = {}
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        objs = []
        for row in chunk:
            html = rendered.get(row.text)
            if html is None:
                html = rendered[row.text] = render_message(clean_text(row.text))
            root_id = ids[row.thread_index] if row.thread_index is not None else None
            objs.append(
                Message(
                    channel_id=row.channel_id,
                    author_id=row.author_id,
                    thread_root_id=root_id,
                    text=row.text,
                    html=html,
                    created_at=row.created_at,
                )
            )
        with transaction.atomic():
            created = Message.objects.bulk_create(objs, batch_size=batch_size)
        ids.extend(m.pk for m in created)
    _refresh_counters(rows, ids)
    return ids


def _refresh_counters(rows: list[ImportedMessage], ids: list[int]) -> None:
    replies: dict[int, list[datetime]] = {}
    last_in_channel: dict[int, datetime] = {}
    for row in rows:
        if row.thread_index is not None:
            replies.setdefault(ids[row.thread_index], []).append(row.created_at)
        current = last_in_channel.get(row.channel_id)
        if current is None or row.created_at > current:
            last_in_channel[row.channel_id] = row.created_at
    with transaction.atomic():
        for root_id, times in replies.items():
            Message.objects.filter(pk=root_id).update(
                reply_count=F("reply_count") + len(times), last_reply_at=max(times)
            )
        for channel_id, last in last_in_channel.items():
            Channel.objects.filter(pk=channel_id).update(last_message_at=last)


def import_reactions(rows: Iterable[tuple[int, int, int, datetime]], *, batch_size: int = 5000) -> int:
    """Bulk-add (message_id, member_id, stamp_id, created_at) reactions; duplicates are ignored."""
    objs = [Reaction(message_id=m, member_id=u, stamp_id=s, created_at=t) for m, u, s, t in rows]
    return len(Reaction.objects.bulk_create(objs, batch_size=batch_size, ignore_conflicts=True))
