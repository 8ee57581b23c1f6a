"""A channel's change log, read for catch-up: where it stands and what changed after a client's cursor."""

from __future__ import annotations

from kyoso.accounts.models import Member
from kyoso.chat.models import ChannelChange
from kyoso.chat.queries.access import can_read, visible_channels


def channel_cursor(member: Member, channel_id: int) -> int | None:
    """The number of the channel's latest change, or None if the member may not read the channel.

    Every change up to it has committed (kyoso.chat.actions.changes), so a read that starts after this
    one sees all of them.
    """
    if not can_read(member):
        return None
    return visible_channels(member).filter(pk=channel_id).values_list("change_seq", flat=True).first()


def changes_after(
    member: Member, channel_id: int, after: int, *, up_to: int, limit: int
) -> list[ChannelChange]:
    """Up to ``limit`` changes of a channel the member may read, numbered after ``after`` and up to
    ``up_to`` (a ``channel_cursor``), oldest first."""
    if not can_read(member):
        return []
    return list(
        ChannelChange.objects.filter(channel__in=visible_channels(member).filter(pk=channel_id).values("pk"))
        .filter(seq__gt=after, seq__lte=up_to)
        .order_by("seq")[:limit]
    )
