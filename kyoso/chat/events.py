"""Events that conversations publish: ``{"id", "type", "at", "data"}`` to an audience.

The publishing itself (audiences, ``publish`` on commit, ``subscribe``) lives in kyoso.core.events,
which brings each event to every open socket; it is re-exported here for the chat actions. This module
keeps what a client needs to show a channel or a message (``channel_data``, ``message_data``), and the
data of the events about a message that a live client and catch-up after a reconnect share.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.urls import reverse

from kyoso.core.events import (
    Event,
    Subscriber,
    channel_audience,
    community_audience,
    make_event,
    member_audience,
    publish,
    publish_now,
    subscribe,
)

if TYPE_CHECKING:
    from kyoso.accounts.models import Member
    from kyoso.chat.models import Attachment, Channel, Message

__all__ = [
    "Event",
    "Subscriber",
    "attachment_data",
    "author_data",
    "channel_audience",
    "channel_data",
    "community_audience",
    "deleted_data",
    "make_event",
    "member_audience",
    "message_data",
    "publish",
    "publish_now",
    "replied_data",
    "subscribe",
]


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def channel_data(channel: Channel, **extra: Any) -> dict[str, Any]:
    """What a client needs to show a channel in the sidebar and header."""
    return {
        "id": channel.pk,
        "slug": channel.slug,
        "name": channel.name,
        "title": channel.title,
        "purpose": channel.purpose,
        "kind": channel.kind,
        "category": channel.category,
        "posting_policy": channel.posting_policy,
        "archived": channel.archived_at is not None,
        **extra,
    }


def author_data(member: Member) -> dict[str, Any]:
    """Who wrote a message, as a client shows it beside the text."""
    return {
        "id": member.pk,
        "name": member.display_name,
        "affiliation": member.affiliation,
        "role": member.role,
        "role_label": str(member.get_role_display()),
    }


def attachment_data(attachment: Attachment) -> dict[str, Any]:
    """What clients are told about a file (in events about its message)."""
    data: dict[str, Any] = {
        "id": attachment.pk,
        "message_id": attachment.message_id,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": reverse("chat:attachment", args=[attachment.pk, attachment.name]),
        "thumbnail_url": None,
        "width": attachment.width,
        "height": attachment.height,
    }
    if attachment.thumbnail_path:
        data["thumbnail_url"] = reverse("chat:attachment_thumbnail", args=[attachment.pk])
    return data


def message_data(message: Message, *, attachments: Iterable[Attachment] | None = None) -> dict[str, Any]:
    """A message as a client shows it; a deleted one carries no text.

    ``attachments``, when given, are its files (a new message carries them, so that a post with files
    is one event).
    """
    data: dict[str, Any] = {
        "author": author_data(message.author) if message.deleted_at is None else None,
        "id": message.pk,
        "channel_id": message.channel_id,
        "thread_root_id": message.thread_root_id,
        "also_in_channel": message.also_in_channel,
        "author_id": message.author_id,
        "text": message.text,
        "html": message.html,
        "created_at": _time(message.created_at),
        "edited_at": _time(message.edited_at),
        "deleted": message.deleted_at is not None,
        "pinned": message.pinned_at is not None,
        "reply_count": message.reply_count,
    }
    if attachments is not None:
        data["attachments"] = [attachment_data(a) for a in attachments]
    return data


def deleted_data(message: Message) -> dict[str, Any]:
    """``message.deleted``: which message went; its drawing (a tombstone) comes with ``fragments``."""
    return {"id": message.pk, "channel_id": message.channel_id, "thread_root_id": message.thread_root_id}


def replied_data(root: Message, reply_id: int | None) -> dict[str, Any]:
    """``thread.replied``: a thread's root, with its new reply count, once a reply is posted."""
    return {
        "thread_root_id": root.pk,
        "channel_id": root.channel_id,
        "reply_id": reply_id,
        "reply_count": root.reply_count,
        "last_reply_at": _time(root.last_reply_at),
    }
