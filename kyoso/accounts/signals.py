"""What accounts tells the apps above it, and what they provide to it, without importing them.

- ``member_admitted(member, channel_ids)``: an applicant became an active member, inside the
  transaction that admitted them. chat joins them to the default channels and the ones they chose.
- ``registration_channels()``: the channels an applicant may choose on the form, provided by chat
  in its ``AppConfig.ready``.
- ``member_renamed(member_id)``: a member's display name or affiliation (organisation, department)
  changed (sent once the change is committed). chat redraws the messages that mention them, so a
  mention always shows the member's current name and organisation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.dispatch import Signal

member_admitted = Signal()
member_renamed = Signal()

ChannelChoices = Callable[[], "QuerySet[Any]"]
_channel_choices: list[ChannelChoices] = []


def provide_registration_channels(provider: ChannelChoices) -> None:
    _channel_choices[:] = [provider]


def registration_channels() -> QuerySet[Any]:
    """The channels an applicant may choose to join, as the app that owns channels defines them."""
    if not _channel_choices:
        raise ImproperlyConfigured("No app provides the registration channels (is kyoso.chat installed?).")
    return _channel_choices[0]()
