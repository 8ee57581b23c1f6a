"""Reads around one message: who stamped it, pins, saved messages, edit history and permalinks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.urls import reverse

from kyoso.accounts.models import Member
from kyoso.chat.errors import NotAllowed
from kyoso.chat.models import Channel, Message, MessageRevision, Reaction, SavedMessage, Stamp
from kyoso.chat.queries.access import (
    is_moderator,
    readable_channel,
    readable_message,
    readable_messages,
    visible_channels,
)

SAVED_PAGE_SIZE = 50


@dataclass
class Reactor:
    member_id: int
    display_name: str
    organization: str


@dataclass
class ReactionGroup:
    """One stamp on a message and who gave it, in the order they did."""

    stamp_id: int
    name: str
    emoji: str
    reactors: list[Reactor] = field(default_factory=list)

    @property
    def organization_count(self) -> int:
        return len({r.organization for r in self.reactors if r.organization})


def reactions_for(member: Member, message: Message | int) -> list[ReactionGroup]:
    """Who reacted to a message, by stamp, with names and organisations (「9団体が共創」 in full)."""
    message = readable_message(member, message)
    groups: dict[int, ReactionGroup] = {}
    rows = (
        Reaction.objects.filter(message=message)
        .select_related("stamp", "member", "member__organization")
        .order_by("stamp__sort_order", "stamp_id", "created_at", "id")
    )
    for reaction in rows:
        group = groups.get(reaction.stamp_id)
        if group is None:
            stamp = reaction.stamp
            group = groups[reaction.stamp_id] = ReactionGroup(stamp.pk, stamp.name, stamp.emoji)
        person = reaction.member
        organization = person.organization.name if person.organization is not None else ""
        group.reactors.append(Reactor(person.pk, person.display_name, organization))
    return list(groups.values())


def pinned_messages(member: Member, channel: Channel | int) -> list[Message]:
    """A channel's pinned messages, the most recently pinned first."""
    channel = readable_channel(member, channel)
    return list(
        Message.objects.filter(channel=channel, pinned_at__isnull=False, deleted_at__isnull=True)
        .select_related("author", "author__organization", "pinned_by")
        .order_by("-pinned_at", "-id")
    )


def pinned_count(member: Member, channel: Channel | int) -> int:
    """How many messages a channel the member can read has pinned (0 for one they cannot read): one
    query, for the channel page's 「ピン留め n件」."""
    channel_id = channel.pk if isinstance(channel, Channel) else channel
    return Message.objects.filter(
        channel__in=visible_channels(member).filter(pk=channel_id).values("pk"),
        pinned_at__isnull=False,
        deleted_at__isnull=True,
    ).count()


@dataclass
class SavedPage:
    items: list[SavedMessage]
    older_than: int | None  # pass as ``before`` for the next page; None at the end


def saved_messages(member: Member, *, before: int | None = None, limit: int = SAVED_PAGE_SIZE) -> SavedPage:
    """あとで読む: what the member saved, newest first, by keyset over the saved entry's id.

    A message the member can no longer read (they left its private channel) or that was deleted is
    left out, though the entry stays: it comes back if they are invited again.
    """
    qs = (
        SavedMessage.objects.filter(member=member, message__in=readable_messages(member))
        .filter(message__deleted_at__isnull=True)
        .select_related("message", "message__channel", "message__author", "message__author__organization")
        .order_by("-id")
    )
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    return SavedPage(items=rows, older_than=rows[-1].pk if has_more else None)


def message_revisions(member: Member, message: Message | int) -> list[MessageRevision]:
    """The edit history of a message, oldest first: for moderators and operators who can read it."""
    message = readable_message(member, message)
    if not is_moderator(member):
        raise NotAllowed()
    return list(MessageRevision.objects.filter(message=message).order_by("id"))


def message_permalink(message: Message) -> str:
    """The URL path that lands on the message, with the history around it however old it is.

    A message of the channel's stream opens the channel scrolled to it (``?around=<id>#m-<id>``); a
    thread reply opens its thread pane at the reply (``#t-<id>``), beside the stream around its root.
    The page highlights the message the link targets. Whoever follows the link still goes through
    the page's permission check.
    """
    slug = Channel.objects.filter(pk=message.channel_id).values_list("slug", flat=True).get()
    if message.thread_root_id is None:
        return reverse("chat:channel", args=[slug]) + f"?around={message.pk}#m-{message.pk}"
    root_id = message.thread_root_id
    return reverse("chat:thread", args=[slug, root_id]) + f"?around={root_id}#t-{message.pk}"


def channel_slugs(channel_ids: Iterable[int]) -> dict[int, str]:
    """The slugs of channels already known to be readable (for permalinks to messages read through
    these queries), in one query."""
    return dict(Channel.objects.filter(pk__in=list(channel_ids)).values_list("pk", "slug"))


def stamp_set() -> list[Stamp]:
    """Every stamp, in the order the picker shows them (the same for every member)."""
    return list(Stamp.objects.order_by("sort_order", "name"))


def find_stamp(stamp_id: int) -> Stamp | None:
    return Stamp.objects.filter(pk=stamp_id).first()


def stamp_catalogue() -> list[Stamp]:
    """Every stamp for the stamp list page: by sort order, then in the order they were added."""
    return list(Stamp.objects.order_by("sort_order", "id"))


def stamp_with_image(stamp_id: int) -> Stamp | None:
    """A stamp that has a picture of its own, or None."""
    return Stamp.objects.filter(pk=stamp_id).exclude(image="").first()


def stamps_given(member: Member, message: Message) -> set[int]:
    """The stamps the member has pressed on a message they can read."""
    return set(Reaction.objects.filter(message=message, member=member).values_list("stamp_id", flat=True))


def saved_among(member: Member, message_ids: Iterable[int]) -> set[int]:
    """Which of these messages are in the member's あとで読む."""
    return set(
        SavedMessage.objects.filter(member=member, message_id__in=list(message_ids)).values_list(
            "message_id", flat=True
        )
    )
