"""What a socket hears and what its client missed: reads filtered by who asks, for the consumer.

A client that (re)connects says which channels its page holds and the last message id it has in each.
It hears every channel it belongs to, and the channels its page holds that it may read (a public
channel it only looks at). For the held channels, it gets the messages newer than its last id, oldest
first, as the ``message.created`` events it would have heard live, drawn by the same template; past
KYOSO_WS_CATCHUP_LIMIT messages in one channel it gets a ``resync`` for that channel instead (the page
reloads it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from kyoso.accounts.models import Member
from kyoso.chat.events import message_data
from kyoso.chat.queries import attachments_by_message, can_read, channels_heard, messages_after
from kyoso.chat.rendering import fragments_for
from kyoso.core.events import make_event
from kyoso.realtime.pubsub import encode

# A page holds a handful of channels; a hello naming more is a broken or hostile client, and the rest
# of its list is ignored (it still hears every channel it belongs to).
HELLO_MAX_CHANNELS = 200


def held_channels(raw: Any) -> dict[int, int]:
    """``{"12": 345, ...}`` from a hello as ``{12: 345}``; what is not a pair of ids is left out."""
    if not isinstance(raw, dict):
        return {}
    held: dict[int, int] = {}
    for channel, last in list(raw.items())[:HELLO_MAX_CHANNELS]:
        try:
            channel_id, last_id = int(channel), int(last)
        except (TypeError, ValueError):
            continue
        if channel_id > 0 and last_id >= 0:
            held[channel_id] = last_id
    return held


def listened_channels(member: Member, held: Mapping[int, int]) -> set[int]:
    """The channels a socket hears: those the member belongs to, and the held ones they may read."""
    return channels_heard(member, held)


@dataclass
class CatchUp:
    frames: list[str] = field(default_factory=list)
    message_ids: set[str] = field(default_factory=set)


def missed(member: Member, held: Mapping[int, int], channel_ids: set[int]) -> CatchUp:
    """The frames a client missed in the held channels it hears, oldest first per channel.

    ``channel_ids`` are the channels the socket hears: read by ``listened_channels`` for this member,
    less those they left since. Only those are read here.
    """
    limit = settings.KYOSO_WS_CATCHUP_LIMIT
    catch_up = CatchUp()
    if not can_read(member):
        return catch_up
    for channel_id in sorted(set(held) & channel_ids):
        messages = messages_after(member, channel_id, held[channel_id], limit=limit + 1)
        if len(messages) > limit:
            catch_up.frames.append(encode(make_event("resync", {"channel_id": channel_id})))
            continue
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
    return catch_up
