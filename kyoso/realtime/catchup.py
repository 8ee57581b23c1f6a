"""What a socket hears and what its client missed: reads filtered by who asks, for the consumer.

A client that (re)connects says which channels its page holds and, for each, where it stands in the
channel's change log: ``{"cursor": n}``, every change up to number n is on its page (the page was drawn
after change n, or heard it live; kyoso.chat.actions.changes numbers a channel's changes in commit
order). It hears every channel it belongs to, and the channels its page holds that it may read (a public
channel it only looks at). For each held channel it gets what changed after its cursor, oldest first,
as the events it would have heard live, each message drawn as it is now by the same builders and
template (kyoso.chat.replay): new messages, edits, deletions, pins, files, stamps and new replies.
``ready`` then tells it the cursor it now stands at in each channel. Past KYOSO_WS_CATCHUP_LIMIT changes
in one channel, or from a cursor the channel never reached, it gets a ``resync`` for that channel
instead (the page reloads it).

A client older than the change log says the last message id it holds instead of a cursor; it gets the
messages newer than that as ``message.created``, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from kyoso.accounts.models import Member
from kyoso.chat.events import message_data
from kyoso.chat.queries import (
    attachments_by_message,
    can_read,
    changes_after,
    channel_cursor,
    channels_heard,
    messages_after,
)
from kyoso.chat.rendering import fragments_for
from kyoso.chat.replay import replay
from kyoso.core.events import make_event
from kyoso.core.validation import is_id
from kyoso.realtime.pubsub import encode

# A page holds a handful of channels; a hello naming more is a broken or hostile client, and the rest
# of its list is ignored (it still hears every channel it belongs to).
HELLO_MAX_CHANNELS = 200


@dataclass(frozen=True)
class Held:
    """Where a page stands in one channel: a change-log ``cursor`` or, from an older client, the id of
    the newest message it shows (``last_id``)."""

    cursor: int | None = None
    last_id: int = 0


def _position(value: Any) -> Held | None:
    if isinstance(value, dict):
        cursor = value.get("cursor")
        if isinstance(cursor, int) and not isinstance(cursor, bool) and is_id(cursor, minimum=0):
            return Held(cursor=cursor)
        return None
    try:
        last_id = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return Held(last_id=last_id) if is_id(last_id, minimum=0) else None


def held_channels(raw: Any) -> dict[int, Held]:
    """``{"12": {"cursor": 345}, "13": 678}`` from a hello as ``{12: Held(cursor=345), 13:
    Held(last_id=678)}``; what is not a channel id with a position is left out."""
    if not isinstance(raw, dict):
        return {}
    held: dict[int, Held] = {}
    for channel, value in list(raw.items())[:HELLO_MAX_CHANNELS]:
        try:
            channel_id = int(channel)
        except (TypeError, ValueError, OverflowError):
            continue
        position = _position(value)
        if position is not None and is_id(channel_id):
            held[channel_id] = position
    return held


def listened_channels(member: Member, held: Mapping[int, object]) -> set[int]:
    """The channels a socket hears: those the member belongs to, and the held ones they may read."""
    return channels_heard(member, held)


@dataclass
class CatchUp:
    frames: list[str] = field(default_factory=list)
    message_ids: set[str] = field(default_factory=set)
    # Where the client stands in each channel it gave a cursor for, once it has the frames: for ``ready``.
    cursors: dict[int, int] = field(default_factory=dict)


def missed(member: Member, held: Mapping[int, Held | int], channel_ids: set[int]) -> CatchUp:
    """The frames a client missed in the held channels it hears, oldest first per channel.

    ``channel_ids`` are the channels the socket hears: read by ``listened_channels`` for this member,
    less those they left since. Only those are read here. A plain number in ``held`` is a last message id.
    """
    catch_up = CatchUp()
    if not can_read(member):
        return catch_up
    for channel_id in sorted(set(held) & channel_ids):
        position = held[channel_id]
        if not isinstance(position, Held):
            position = Held(last_id=position)
        if position.cursor is None:
            _messages_after(catch_up, member, channel_id, position.last_id)
        else:
            _changes_after(catch_up, member, channel_id, position.cursor)
    return catch_up


def _resync(catch_up: CatchUp, channel_id: int) -> None:
    catch_up.frames.append(encode(make_event("resync", {"channel_id": channel_id})))


def _changes_after(catch_up: CatchUp, member: Member, channel_id: int, cursor: int) -> None:
    limit = settings.KYOSO_WS_CATCHUP_LIMIT
    # Read before the changes: every change up to it has committed, and what commits after it arrives
    # live (the socket was subscribed before this read).
    head = channel_cursor(member, channel_id)
    if head is None:
        return
    catch_up.cursors[channel_id] = head
    if cursor > head:
        # A cursor this channel never reached (a database restored from a backup): start over.
        _resync(catch_up, channel_id)
        return
    changes = changes_after(member, channel_id, cursor, up_to=head, limit=limit + 1)
    if len(changes) > limit:
        _resync(catch_up, channel_id)
        return
    for event in replay(member, changes):
        catch_up.frames.append(encode(make_event(event.type, event.data)))
        if event.type == "message.created":
            catch_up.message_ids.add(str(event.data["id"]))


def _messages_after(catch_up: CatchUp, member: Member, channel_id: int, last_id: int) -> None:
    limit = settings.KYOSO_WS_CATCHUP_LIMIT
    messages = messages_after(member, channel_id, last_id, limit=limit + 1)
    if len(messages) > limit:
        _resync(catch_up, channel_id)
        return
    # Drawn as the live event drew them, by the page's own template (kyoso.chat.rendering).
    fragments = fragments_for(messages, new=True)
    files = attachments_by_message(member, messages)
    for message in messages:
        data = {
            **message_data(message, attachments=files.get(message.pk, [])),
            "fragments": fragments[message.pk],
        }
        catch_up.frames.append(encode(make_event("message.created", data)))
        catch_up.message_ids.add(str(message.pk))
