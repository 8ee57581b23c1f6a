"""Stamps (スタンプ) and reactions: the default set, custom stamps, stamping and un-stamping."""

from __future__ import annotations

from datetime import datetime
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kyoso.accounts.models import Member, Role
from kyoso.chat import stamp_images
from kyoso.chat.actions.changes import hold_channel, record_change
from kyoso.chat.errors import (
    ChannelArchived,
    InvalidStamp,
    MessageDeleted,
    NotAllowed,
    NotAllowedToPost,
    StampExists,
)
from kyoso.chat.events import channel_audience, community_audience, publish
from kyoso.chat.models import ChangeKind, Message, Reaction, Stamp
from kyoso.chat.queries.access import readable_message
from kyoso.chat.rendering import with_fragments

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


def create_stamp(*, member: Member, name: str, emoji: str = "", image: IO[bytes] | None = None) -> Stamp:
    """A custom stamp: a word, with an emoji or a picture if wanted (operators, or every member when
    KYOSO_MEMBERS_CREATE_STAMPS is on). The picture is re-drawn by kyoso before it is stored."""
    if not member.is_active:
        raise NotAllowed()
    if member.role != Role.OPERATOR and not settings.KYOSO_MEMBERS_CREATE_STAMPS:
        raise NotAllowed()
    name, emoji = name.strip(), emoji.strip()
    if not name or any(ch.isspace() for ch in name):
        raise InvalidStamp()
    if Stamp.objects.filter(name=name).exists():
        raise StampExists()
    picture = stamp_images.redraw(image) if image is not None else b""
    stamp = Stamp(name=name, emoji=emoji, created_by=member)
    try:
        stamp.full_clean(exclude=["image"])
    except ValidationError as error:
        raise InvalidStamp() from error
    stored = stamp_images.store(picture) if picture else ""
    try:
        with transaction.atomic():
            stamp.image = stored
            stamp.save()
            publish(community_audience(), "stamp.created", stamp_data(stamp) | {"created_by": member.pk})
    except BaseException:
        stamp_images.discard(stored)  # nothing recorded: no file left behind
        raise
    return stamp


def stamp_data(stamp: Stamp) -> dict[str, object]:
    """A stamp as clients show it in the picker."""
    return {"id": stamp.pk, "name": stamp.name, "emoji": stamp.emoji, "image_url": stamp.image_url}


def _stampable(member: Member, message: Message) -> Message:
    if not member.is_active:
        raise NotAllowedToPost()
    # Anyone may stamp in a public channel; elsewhere only its members (others get "not found").
    message = readable_message(member, message)
    if message.deleted_at is not None:
        raise MessageDeleted()
    if message.channel.archived_at is not None:
        raise ChannelArchived()
    return message


def reaction_data(message: Message, stamp: Stamp, member_id: int) -> dict[str, object]:
    """``reaction.added`` and ``reaction.removed``: who pressed or took back which stamp, and the counts
    under the message now (the message's drawing comes with ``fragments``)."""
    return {
        "message_id": message.pk,
        "channel_id": message.channel_id,
        "stamp_id": stamp.pk,
        "stamp": stamp.name,
        "emoji": stamp.emoji,
        "image_url": stamp.image_url,
        "member_id": member_id,
        "count": Reaction.objects.filter(message=message, stamp=stamp).count(),
        # The summary under the message says how many organisations stamped (「9団体が共創」).
        "organization_count": Reaction.objects.filter(
            message=message, stamp=stamp, member__organization__isnull=False
        )
        .values("member__organization")
        .distinct()
        .count(),
    }


def add_reaction(*, member: Member, message: Message, stamp: Stamp, at: datetime | None = None) -> Reaction:
    message = _stampable(member, message)
    with transaction.atomic():
        hold_channel(message.channel_id)
        reaction, created = Reaction.objects.get_or_create(
            message=message, member=member, stamp=stamp, defaults={"created_at": at or timezone.now()}
        )
        if created:
            seq = record_change(
                message.channel_id, ChangeKind.STAMPED, message.pk, stamp_id=stamp.pk, member_id=member.pk
            )
            publish(
                channel_audience(message.channel_id),
                "reaction.added",
                with_fragments(message, {**reaction_data(message, stamp, member.pk), "seq": seq}),
            )
    return reaction


def remove_reaction(*, member: Member, message: Message, stamp: Stamp) -> bool:
    """Take back one's own stamp; returns whether there was one."""
    message = _stampable(member, message)
    with transaction.atomic():
        hold_channel(message.channel_id)
        deleted, _ = Reaction.objects.filter(message=message, member=member, stamp=stamp).delete()
        if deleted:
            seq = record_change(
                message.channel_id, ChangeKind.UNSTAMPED, message.pk, stamp_id=stamp.pk, member_id=member.pk
            )
            publish(
                channel_audience(message.channel_id),
                "reaction.removed",
                with_fragments(message, {**reaction_data(message, stamp, member.pk), "seq": seq}),
            )
    return bool(deleted)
