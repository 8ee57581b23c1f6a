"""The badge counts of a sidebar row, as ``kyoso.chat.queries.joined_channels`` annotates it.

The annotations are not on the ``Channel`` model, so a type checker does not know them; tests read
them through these helpers.
"""

from __future__ import annotations

from typing import Protocol, cast

from kyoso.chat.models import Channel


class _Badged(Protocol):
    unread_count: int
    mention_count: int


def unread_count(channel: Channel) -> int:
    """Unread messages of a row of ``joined_channels`` (its ``unread_count`` annotation)."""
    return cast(_Badged, channel).unread_count


def mention_count(channel: Channel) -> int:
    """Unread mentions of a row of ``joined_channels`` (its ``mention_count`` annotation)."""
    return cast(_Badged, channel).mention_count
