"""Publishing events: ``{"id", "type", "at", "data"}`` to an audience, once the change commits.

An audience is a channel's members (``channel:<id>``), one member (``member:<id>``) or everyone signed
in (``community``). ``publish`` queues its event with ``transaction.on_commit``, so nobody hears of a
change that was rolled back. A delivered event goes to the in-process subscribers (tests, and anything
else in this process that listens) and then to the sinks: apps above the kernel register one in their
``AppConfig.ready`` (kyoso.realtime registers its transport, which encodes each event once and brings
it to every server process's hub of open sockets). The kernel imports none of them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

Event = dict[str, Any]
Subscriber = Callable[[str, Event], None]

_subscribers: list[Subscriber] = []
_sinks: list[Subscriber] = []


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


def add_sink(sink: Subscriber) -> None:
    """Register a delivery app's way out (the realtime transport); called once from ``AppConfig.ready``."""
    if sink not in _sinks:
        _sinks.append(sink)


def make_event(type: str, data: dict[str, Any]) -> Event:
    return {"id": uuid.uuid4().hex, "type": type, "at": timezone.now().isoformat(), "data": data}


def deliver(audience: str, event: Event) -> None:
    """Hand an event to the in-process subscribers and to the sockets of every server process."""
    for subscriber in list(_subscribers):
        subscriber(audience, event)
    for sink in _sinks:
        sink(audience, event)


def publish(audience: str, type: str, data: dict[str, Any]) -> Event:
    """Queue an event for ``audience``; it is delivered when the current transaction commits."""
    event = make_event(type, data)
    transaction.on_commit(lambda: deliver(audience, event))
    return event


def publish_now(audience: str, type: str, data: dict[str, Any]) -> Event:
    """Deliver at once an event that changes nothing stored (「入力中…」): there is no commit to wait for."""
    event = make_event(type, data)
    deliver(audience, event)
    return event
