"""Events that conversations publish: ``{"id", "type", "at", "data"}`` to an audience.

An audience is a channel's members (``channel_audience``) or one member (``member_audience``).
The real-time app will subscribe here and fan events out to sockets; until then the subscribers are
in-process callables (tests subscribe and assert what an action published). ``publish`` queues its
event with ``transaction.on_commit``, so nobody hears of a change that was rolled back.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

if TYPE_CHECKING:
    from kyoso.accounts.models import Member
    from kyoso.chat.models import Channel, Message

Event = dict[str, Any]
Subscriber = Callable[[str, Event], None]

_subscribers: list[Subscriber] = []


def channel_audience(channel_id: int) -> str:
    return f"channel:{channel_id}"


def member_audience(member_id: int) -> str:
    return f"member:{member_id}"


def community_audience() -> str:
    """Everyone signed in: custom stamps and other community-wide changes."""
    return "community"


def subscribe(subscriber: Subscriber) -> Callable[[], None]:
    """Receive every published event as ``subscriber(audience, event)``; returns an unsubscribe call."""
    _subscribers.append(subscriber)

    def unsubscribe() -> None:
        if subscriber in _subscribers:
            _subscribers.remove(subscriber)

    return unsubscribe


def make_event(type: str, data: dict[str, Any]) -> Event:
    return {"id": uuid.uuid4().hex, "type": type, "at": timezone.now().isoformat(), "data": data}


def publish(audience: str, type: str, data: dict[str, Any]) -> Event:
    """Queue an event for ``audience``; it is delivered when the current transaction commits."""
    event = make_event(type, data)

    def deliver() -> None:
        for subscriber in list(_subscribers):
            subscriber(audience, event)

    transaction.on_commit(deliver)
    return event


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


def message_data(message: Message) -> dict[str, Any]:
    """A message as a client shows it; a deleted one carries no text."""
    return {
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
