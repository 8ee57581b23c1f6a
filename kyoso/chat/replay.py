"""Replaying a channel's change log as the events a client missed, for catch-up after a reconnect.

The log (kyoso.chat.actions.changes) says what changed and in which order, not how it looked: each
message is drawn as it is now, with the builders and the template of the live events (``message_data``,
``deleted_data``, ``replied_data``, ``reaction_data``, ``fragments_for``). A message changed three times
while the client was away is sent once, in its final state:

- posted since: ``message.created``, at its post (its later edits, pin or deletion drawn in);
- otherwise deleted since: ``message.deleted``;
- otherwise edited, pinned or given files: ``message.updated``; a thread root that only got replies:
  ``thread.replied``;
- a stamp pressed or taken back, per stamp and member: ``reaction.added`` if it is there now, else
  ``reaction.removed``; nothing if it is as it was before (pressed and taken back again);

each at the place of its latest change (a new message: of its post), with that change's number as
``seq``. A message purged since is left out, and so are the stamps of a deleted one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Max

from kyoso.accounts.models import Member
from kyoso.chat.actions.reactions import reaction_data
from kyoso.chat.events import deleted_data, message_data, replied_data
from kyoso.chat.models import ChangeKind, ChannelChange, Message, Reaction, Stamp
from kyoso.chat.queries import attachments_by_message
from kyoso.chat.rendering import fragments_for

STAMP_KINDS = frozenset({ChangeKind.STAMPED, ChangeKind.UNSTAMPED})
StampKey = tuple[int, int, int]  # message, stamp, member


@dataclass
class Replayed:
    """One event to send: its type and data, as the live event's (with ``fragments`` and ``seq``)."""

    type: str
    data: dict[str, Any]


@dataclass
class _Plan:
    seq: int
    type: str
    message: Message
    stamp: StampKey | None = None


def replay(member: Member, changes: list[ChannelChange]) -> list[Replayed]:
    """The events that bring a page from before ``changes`` (read for ``member``) to now, in order."""
    if not changes:
        return []
    messages = Message.objects.select_related("author", "channel").in_bulk({c.message_id for c in changes})
    plans = _message_plans(changes, messages) + _stamp_plans(changes, messages)
    plans.sort(key=lambda plan: plan.seq)
    return _draw(member, plans)


def _message_plans(changes: list[ChannelChange], messages: dict[int, Message]) -> list[_Plan]:
    by_message: dict[int, list[ChannelChange]] = defaultdict(list)
    for change in changes:
        if change.kind not in STAMP_KINDS:
            by_message[change.message_id].append(change)
    plans = []
    for message_id, group in by_message.items():
        message = messages.get(message_id)
        if message is None:
            continue
        kinds = {change.kind for change in group}
        latest = group[-1].seq
        if ChangeKind.CREATED in kinds:
            posted = next(change.seq for change in group if change.kind == ChangeKind.CREATED)
            plans.append(_Plan(posted, "message.created", message))
        elif message.deleted_at is not None:
            plans.append(_Plan(latest, "message.deleted", message))
        elif kinds == {ChangeKind.REPLIED}:
            plans.append(_Plan(latest, "thread.replied", message))
        else:
            plans.append(_Plan(latest, "message.updated", message))
    return plans


def _stamp_plans(changes: list[ChannelChange], messages: dict[int, Message]) -> list[_Plan]:
    by_key: dict[StampKey, list[ChannelChange]] = defaultdict(list)
    for change in changes:
        if change.kind in STAMP_KINDS and change.stamp_id is not None and change.member_id is not None:
            by_key[(change.message_id, change.stamp_id, change.member_id)].append(change)
    if not by_key:
        return []
    present = set(
        Reaction.objects.filter(
            message_id__in={key[0] for key in by_key}, member_id__in={key[2] for key in by_key}
        ).values_list("message_id", "stamp_id", "member_id")
    )
    plans = []
    for key, group in by_key.items():
        message = messages.get(key[0])
        if message is None or message.deleted_at is not None:
            continue
        # Pressing and taking back alternate, so the first change says how it was before them.
        was_there = group[0].kind == ChangeKind.UNSTAMPED
        is_there = key in present
        if was_there != is_there:
            kind = "reaction.added" if is_there else "reaction.removed"
            plans.append(_Plan(group[-1].seq, kind, message, key))
    return plans


def _draw(member: Member, plans: list[_Plan]) -> list[Replayed]:
    new = {plan.message.pk: plan.message for plan in plans if plan.type == "message.created"}
    changed = {plan.message.pk: plan.message for plan in plans if plan.type != "message.created"}
    # Drawn as the live events draw them: a new message for the places it can be, others for all.
    drawn_new = fragments_for(list(new.values()), new=True)
    drawn = fragments_for(list(changed.values()), new=False)
    files = attachments_by_message(member, [*new.values(), *changed.values()])
    stamps = Stamp.objects.in_bulk({plan.stamp[1] for plan in plans if plan.stamp is not None})
    roots = [plan.message.pk for plan in plans if plan.type == "thread.replied"]
    newest_reply = dict(
        Message.objects.filter(thread_root_id__in=roots)
        .values("thread_root_id")
        .annotate(newest=Max("pk"))
        .values_list("thread_root_id", "newest")
    )
    replayed = []
    for plan in plans:
        message = plan.message
        data: dict[str, Any]
        if plan.type == "message.created":
            data = {
                **message_data(message, attachments=files.get(message.pk, [])),
                "fragments": drawn_new[message.pk],
            }
        else:
            if plan.type == "message.deleted":
                data = deleted_data(message)
            elif plan.type == "thread.replied":
                data = replied_data(message, newest_reply.get(message.pk))
            elif plan.stamp is not None:
                stamp = stamps.get(plan.stamp[1])
                if stamp is None:
                    continue
                data = reaction_data(message, stamp, plan.stamp[2])
            else:
                data = message_data(message, attachments=files.get(message.pk, []))
            data = {**data, "fragments": drawn[message.pk]}
        replayed.append(Replayed(plan.type, {**data, "seq": plan.seq}))
    return replayed
