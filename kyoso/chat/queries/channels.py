"""Channels and their history: the directory, the sidebar with unread and mention badges, pages."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict, cast

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from kyoso.accounts.models import Member, MemberStatus
from kyoso.chat.errors import ChannelNotFound, MessageNotFound
from kyoso.chat.models import (
    Attachment,
    Channel,
    ChannelCategory,
    ChannelKind,
    ChannelMembership,
    Mention,
    Message,
    NotifyLevel,
    Reaction,
)
from kyoso.chat.queries.access import can_read as _can_read
from kyoso.chat.queries.access import readable_channel, visible_channels

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

HISTORY_PAGE_SIZE = 50


class SidebarCounts(TypedDict):
    unread_count: int
    mention_count: int
    notify_level: str


class DirectoryCounts(TypedDict):
    member_count: int


# The main stream of a channel: thread parents, and replies also sent to the channel.
IN_MAIN_STREAM = Q(thread_root__isnull=True) | Q(also_in_channel=True)


def channel_directory(member: Member) -> QuerySet[WithAnnotations[Channel, DirectoryCounts]]:
    """Channels a member may browse and join, with member counts and recent activity."""
    return (
        visible_channels(member)
        .filter(archived_at__isnull=True)
        .exclude(kind=ChannelKind.DIRECT)  # DMs are conversations, not places to browse
        .annotate(member_count=Count("memberships", distinct=True))
        .order_by("category", "name")
    )


def member_count(member: Member, channel: Channel | int) -> int:
    """How many members a channel the member can read has."""
    channel = readable_channel(member, channel)
    return ChannelMembership.objects.filter(channel=channel).count()


# The sidebar counts at most this many unread messages (or mentions) per channel and shows 「99+」
# from there: a member back from a month away must not make every page count through the month.
BADGE_COUNT_LIMIT = 100
BADGE_SHOWN_MAX = BADGE_COUNT_LIMIT - 1  # the largest number a badge shows


class _CountUpTo(Subquery):
    """COUNT(*) of a sliced subquery: the database stops at the slice's LIMIT instead of counting all."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"
    output_field = IntegerField()


def joined_channels(member: Member) -> QuerySet[WithAnnotations[Channel, SidebarCounts]]:
    """The sidebar: joined channels with unread messages (``unread_count``) and unread mentions
    of the member, @channel and @here included, in the stream or in threads (``mention_count``).

    Both counts stop at BADGE_COUNT_LIMIT (the badge then reads 「99+」).
    """
    if not _can_read(member):
        return cast("QuerySet[WithAnnotations[Channel, SidebarCounts]]", Channel.objects.none())
    last_read = ChannelMembership.objects.filter(channel=OuterRef(OuterRef("pk")), member=member).values(
        "last_read_message_id"
    )[:1]
    unread_since = (
        Message.objects.filter(channel=OuterRef("pk"), id__gt=Subquery(last_read), deleted_at__isnull=True)
        .exclude(author=member)
        .order_by()
    )
    unread = unread_since.filter(IN_MAIN_STREAM).values("id")[:BADGE_COUNT_LIMIT]
    named = Mention.objects.filter(message=OuterRef("pk"), member=member)
    mentioning = unread_since.filter(Q(Exists(named)) | Q(mentions_channel=True))
    mentions = mentioning.values("id")[:BADGE_COUNT_LIMIT]
    named_only = unread_since.filter(Exists(named)).values("id")[:BADGE_COUNT_LIMIT]
    level = ChannelMembership.objects.filter(channel=OuterRef("pk"), member=member).values("notify_level")[:1]
    # A muted channel counts no unread messages (it stays out of the totals and the tab's title),
    # and only the mentions that name the member: @channel and @here do not reach it.
    muted = Q(notify_level=NotifyLevel.MUTED)
    return (
        Channel.objects.filter(memberships__member=member, archived_at__isnull=True)
        .annotate(notify_level=Subquery(level))
        .annotate(
            unread_count=Case(When(muted, then=Value(0)), default=_CountUpTo(unread)),
            mention_count=Case(When(muted, then=_CountUpTo(named_only)), default=_CountUpTo(mentions)),
        )
        .order_by("category", "name")
    )


def notify_level_of(member: Member, channel: Channel) -> str | None:
    """The member's notification level in a channel they joined (None when they have not joined)."""
    return (
        ChannelMembership.objects.filter(channel=channel, member=member)
        .values_list("notify_level", flat=True)
        .first()
    )


def first_unread_message(member: Member, channel: Channel) -> Message | None:
    """Where "jump to the first unread" lands: the oldest unread message of the main stream."""
    channel = readable_channel(member, channel)
    last_read = (
        ChannelMembership.objects.filter(channel=channel, member=member)
        .values_list("last_read_message_id", flat=True)
        .first()
    )
    if last_read is None:  # not joined: nothing is tracked as read or unread
        return None
    return (
        Message.objects.filter(channel=channel, id__gt=last_read, deleted_at__isnull=True)
        .filter(IN_MAIN_STREAM)
        .exclude(author=member)
        .select_related("author", "author__organization")
        .order_by("id")
        .first()
    )


def channel_for(member: Member, slug: str) -> Channel:
    channel = visible_channels(member).filter(slug=slug).first()
    if channel is None:
        raise ChannelNotFound()
    return channel


@dataclass
class StampSummary:
    stamp_id: int
    name: str
    emoji: str
    count: int
    organization_count: int
    reacted_by_me: bool
    image_url: str | None = None

    @property
    def label(self) -> str:
        """「9団体が共創」: how many organisations pressed it, in the member's language."""
        return ngettext("%(counter)s団体が%(name)s", "%(counter)s団体が%(name)s", self.organization_count) % {
            "counter": self.organization_count,
            "name": self.name,
        }

    @property
    def spoken(self) -> str:
        """「共創 12人 9団体」: the stamp button's name for screen readers, both counts in words."""
        people = ngettext("%(counter)s人", "%(counter)s人", self.count) % {"counter": self.count}
        organizations = ngettext("%(counter)s団体", "%(counter)s団体", self.organization_count) % {
            "counter": self.organization_count
        }
        return gettext("%(name)s %(people)s %(organizations)s") % {
            "name": self.name,
            "people": people,
            "organizations": organizations,
        }


@dataclass
class MessageView:
    message: Message
    stamps: list[StampSummary] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    saved: bool = False  # in the viewer's あとで読む


@dataclass
class HistoryPage:
    messages: list[MessageView]
    older_than: int | None  # pass as ``before`` to get the previous page; None when at the start
    newer_than: int | None = None  # pass as ``after`` to get the next page; None when at the newest
    # The channel's change log as it stood before the page was read (kyoso.chat.actions.changes): a live
    # page catches up from here, so whatever changed while it was drawn is replayed, not lost.
    cursor: int = 0


def channel_history(
    member: Member,
    channel: Channel,
    *,
    before: int | None = None,
    after: int | None = None,
    around: int | None = None,
    limit: int = HISTORY_PAGE_SIZE,
) -> HistoryPage:
    """A page of the channel's main stream by keyset (never OFFSET), oldest first on the page.

    Without cursors it is the newest page; ``before`` pages back in time and ``after`` forward
    (jumping to the first unread message opens the page just after the last one read). ``around``
    is the page with that message in its middle, however old: where a search result or a link lands.
    """
    channel = readable_channel(member, channel)  # fresh: its change_seq is read before the messages
    stream = Message.objects.filter(channel=channel).filter(IN_MAIN_STREAM)
    qs = stream.select_related("author", "author__organization")
    if around is not None and after is None and before is None:
        earlier = limit // 2
        older = list(qs.filter(id__lt=around).order_by("-id")[: earlier + 1])
        newer = list(qs.filter(id__gte=around).order_by("id")[: limit - earlier + 1])
        has_older = len(older) > earlier
        has_newer = len(newer) > limit - earlier
        rows = [*reversed(older[:earlier]), *newer[: limit - earlier]]
    elif after is not None:
        rows = list(qs.filter(id__gt=after).order_by("id")[: limit + 1])
        has_newer = len(rows) > limit
        rows = rows[:limit]
        has_older = stream.filter(id__lte=after).exists()
    else:
        if before is not None:
            qs = qs.filter(id__lt=before)
        rows = list(qs.order_by("-id")[: limit + 1])
        has_older = len(rows) > limit
        rows = rows[:limit]
        rows.reverse()
        has_newer = before is not None and stream.filter(id__gte=before).exists()
    return HistoryPage(
        messages=with_stamps(member, rows),
        older_than=rows[0].pk if has_older and rows else None,
        newer_than=rows[-1].pk if has_newer and rows else None,
        cursor=channel.change_seq,
    )


def thread_messages(member: Member, root_id: int) -> tuple[Message, list[MessageView]]:
    root = Message.objects.select_related("channel").filter(pk=root_id, thread_root__isnull=True).first()
    if root is None or not visible_channels(member).filter(pk=root.channel_id).exists():
        raise MessageNotFound()
    replies = list(
        Message.objects.filter(thread_root=root)
        .select_related("author", "author__organization")
        .order_by("id")
    )
    return root, with_stamps(member, [root, *replies])


def with_stamps(member: Member | AnonymousUser, messages: list[Message]) -> list[MessageView]:
    """Attach stamp summaries: count, and how many distinct organisations reacted (「9団体が共創」).

    For an anonymous reader (a live event drawn for nobody in particular) no stamp is pressed.
    """
    by_message: dict[int, dict[int, StampSummary]] = defaultdict(dict)
    orgs: dict[tuple[int, int], set[int | None]] = defaultdict(set)
    reactions = (
        Reaction.objects.filter(message__in=[m.pk for m in messages])
        .select_related("stamp")
        .values_list("message_id", "stamp_id", "stamp__name", "stamp__emoji", "member_id",
                     "member__organization_id", "stamp__sort_order", "stamp__image")
        .order_by("stamp__sort_order", "stamp_id")
    )  # fmt: skip
    for message_id, stamp_id, name, emoji, member_id, org_id, _order, image in reactions:
        summary = by_message[message_id].get(stamp_id)
        if summary is None:
            image_url = reverse("chat:stamp_image", args=[stamp_id]) if image else None
            summary = StampSummary(stamp_id, name, emoji, 0, 0, False, image_url)
            by_message[message_id][stamp_id] = summary
        summary.count += 1
        summary.reacted_by_me = summary.reacted_by_me or member_id == member.pk
        orgs[(message_id, stamp_id)].add(org_id)
    for (message_id, stamp_id), org_ids in orgs.items():
        by_message[message_id][stamp_id].organization_count = len(org_ids - {None})
    return [MessageView(m, list(by_message.get(m.pk, {}).values())) for m in messages]


@dataclass(frozen=True)
class CommunityStats:
    members: int
    organizations: int
    channels: int
    messages: int


# The home page shows these to anyone; a minute old is fresh enough and spares a count per visit.
STATS_CACHE_SECONDS = 60
STATS_CACHE_KEY = "kyoso:community-stats"


def community_stats() -> CommunityStats:
    """Public numbers for the signed-out home page: only what anyone may know (public channels)."""
    cached = cache.get(STATS_CACHE_KEY)
    if isinstance(cached, CommunityStats):
        return cached
    active = Member.objects.filter(status=MemberStatus.ACTIVE)
    public_channels = Channel.objects.filter(kind=ChannelKind.PUBLIC, archived_at__isnull=True)
    stats = CommunityStats(
        members=active.count(),
        organizations=active.filter(organization__isnull=False).values("organization").distinct().count(),
        channels=public_channels.count(),
        messages=Message.objects.filter(channel__in=public_channels, deleted_at__isnull=True).count(),
    )
    cache.set(STATS_CACHE_KEY, stats, STATS_CACHE_SECONDS)
    return stats


RECENT_ACTIVITY_SIZE = 10


def recent_public_messages(member: Member, *, limit: int = RECENT_ACTIVITY_SIZE) -> list[Message]:
    """The newest messages of the public channels a member can read, for the home page's activity."""
    if not _can_read(member):
        return []
    return list(
        Message.objects.filter(
            channel__kind=ChannelKind.PUBLIC, channel__archived_at__isnull=True, deleted_at__isnull=True
        )
        .filter(IN_MAIN_STREAM)
        .select_related("channel", "author", "author__organization")
        .order_by("-id")[:limit]
    )


def registration_channels() -> QuerySet[Channel]:
    """The theme and region channels an applicant may choose to join (public, open, not default)."""
    return Channel.objects.filter(
        kind=ChannelKind.PUBLIC,
        category__in=[ChannelCategory.THEME, ChannelCategory.REGION],
        archived_at__isnull=True,
        is_default=False,
    ).order_by("category", "name")


def channels_heard(member: Member, held: Iterable[int]) -> set[int]:
    """The channels whose live events a member's socket hears: those they belong to, and the ``held``
    ones (open on their page) that they may read, such as a public channel they only look at."""
    if not _can_read(member):
        return set()
    joined = set(ChannelMembership.objects.filter(member=member).values_list("channel_id", flat=True))
    others = [channel_id for channel_id in held if channel_id not in joined]
    if not others:
        return joined
    return joined | set(visible_channels(member).filter(pk__in=others).values_list("pk", flat=True))


def messages_after(member: Member, channel_id: int, after_id: int, *, limit: int) -> list[Message]:
    """Up to ``limit`` messages of a channel the member may read, newer than ``after_id``, oldest first
    (deleted ones included, as tombstones): what a reconnecting client missed."""
    if not _can_read(member):
        return []
    return list(
        Message.objects.filter(channel__in=visible_channels(member).filter(pk=channel_id).values("pk"))
        .filter(pk__gt=after_id)
        .select_related("author", "channel")
        .order_by("pk")[:limit]
    )
