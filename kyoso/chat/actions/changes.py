"""The change log of a channel: every change to what its page shows, numbered in commit order.

Each action that changes a channel's messages (a post, an edit, a deletion, a pin, files, a stamp)
records the change with ``record_changes`` in its own transaction, and the event it publishes carries
the change's number as ``data["seq"]``. A client keeps the highest number up to which it heard
everything; after a reconnection, catch-up replays what came after it (kyoso.realtime.catchup).

Commit order. The numbers of one channel are taken from ``Channel.change_seq`` under the channel's row
lock, which the transaction keeps until it ends. On PostgreSQL, where writers run side by side, the
transaction that took 10 has committed (or rolled back, giving 10 back) before another can take 11:
whoever sees change n sees every change before it, and a cursor never passes a change still in flight.
A sequence would not do: its numbers are handed out before commit, so 11 could be seen while 10 is
still to come, and a client at 11 would never get 10. The numbers have no gaps either, so a client
can tell a change it has not heard yet from one that never was. SQLite has one writer at a time
(transactions begin IMMEDIATE) and needs no lock.

Lock order. An action takes its channel's lock with ``hold_channel`` before it writes anything else,
so that two actions never wait for each other's rows in opposite orders (a reply locks its channel and
then its thread root; an edit of that root must not lock the root first).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F

from kyoso.chat.models import ChangeKind, Channel, ChannelChange


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    message_id: int
    stamp_id: int | None = None
    member_id: int | None = None


def hold_channel(channel_id: int) -> None:
    """Lock the channel's row until the transaction ends: its changes are now this one's to number.

    FOR NO KEY UPDATE, as the counter's own UPDATE would take: new rows that point at the channel (a
    message, a membership) are not held up by it.
    """
    list(Channel.objects.select_for_update(no_key=True).filter(pk=channel_id).values_list("pk", flat=True))


def record_changes(channel_id: int, changes: list[Change]) -> list[int]:
    """Write ``changes`` to the channel's log, in order, and return their numbers.

    Call it inside the change's transaction, after ``hold_channel``.
    """
    count = len(changes)
    Channel.objects.filter(pk=channel_id).update(change_seq=F("change_seq") + count)
    last = Channel.objects.filter(pk=channel_id).values_list("change_seq", flat=True).get()
    numbers = list(range(last - count + 1, last + 1))
    ChannelChange.objects.bulk_create(
        [
            ChannelChange(
                channel_id=channel_id,
                seq=seq,
                kind=change.kind,
                message_id=change.message_id,
                stamp_id=change.stamp_id,
                member_id=change.member_id,
            )
            for seq, change in zip(numbers, changes, strict=True)
        ]
    )
    return numbers


def record_change(
    channel_id: int,
    kind: ChangeKind,
    message_id: int,
    *,
    stamp_id: int | None = None,
    member_id: int | None = None,
) -> int:
    """Write one change to the channel's log; its number."""
    return record_changes(channel_id, [Change(kind, message_id, stamp_id, member_id)])[0]
