"""What a digest (まとめメール) says: one registry of sections, each built for every recipient at once.

kyoso's own sections are the most active threads in the member's channels and region, and the new
members from the member's prefecture. A later feature (solved questions, the case library, study
sessions) adds its section in its ``AppConfig.ready`` with one declaration::

    digest_sections.register(DigestSection(
        key="solved_questions",
        title=SOLVED_QUESTIONS_TITLE,   # a translated string (gettext_lazy)
        build=solved_questions_for_digest,   # (DigestBuild) -> {member_id: [DigestItem, ...]}
        order=30,
    ))

A section's ``build`` is set-based: it reads what it needs for all recipients in a few queries (per
window of time, not per member) and hands back each member's items. A member with no items in any
section gets no digest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from django.db.models import BigIntegerField, Count, ExpressionWrapper, F, Max, QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kyoso.accounts.models import Member, MemberStatus
from kyoso.chat.markdown import plain_text
from kyoso.chat.models import Channel, ChannelCategory, ChannelKind, ChannelMembership, Message, NotifyLevel
from kyoso.core.mail import site_url
from kyoso.directory.models import Organization, OrganizationKind, Region

# The most active threads a digest lists, and the newest members of the prefecture it names.
THREADS_SHOWN = 5
NEW_MEMBERS_SHOWN = 10
TITLE_LENGTH = 60


@dataclass(frozen=True)
class DigestRecipient:
    """A member a digest is being made for, and the time since which it reports (its window)."""

    member_id: int
    email: str
    display_name: str
    prefecture_id: int | None
    region: str
    since: datetime
    frequency: str
    hide_content: bool


@dataclass(frozen=True)
class DigestItem:
    """One line of a section. ``ident`` and ``count`` say what it is (a thread's root id, a member's id)."""

    ident: int
    count: int
    # Words from a post: left out of the mail of a member who chose ``hide_content``.
    title: str | None
    # What it is without any post's words: 「#相談広場 のスレッド（佐藤 花子さん）」.
    label: str
    detail: str
    url: str


@dataclass
class DigestBuild:
    """One pass: its recipients (each with its window) and what the sections share."""

    recipients: list[DigestRecipient]
    cache: dict[str, object] = field(default_factory=dict)

    @cached_property
    def windows(self) -> list[datetime]:
        """The distinct starts of the recipients' windows: sections query once per window."""
        return sorted({r.since for r in self.recipients})


@dataclass(frozen=True)
class DigestSection:
    key: str
    title: str | Promise
    build: Callable[[DigestBuild], Mapping[int, list[DigestItem]]]
    # Sections appear in the mail in this order.
    order: int = 100


_sections: dict[str, DigestSection] = {}


def register(section: DigestSection) -> DigestSection:
    """Add a section (or replace it, so a reloaded app does not register twice)."""
    _sections[section.key] = section
    return section


def all_sections() -> list[DigestSection]:
    return sorted(_sections.values(), key=lambda section: (section.order, section.key))


# ---- Channels: the member's joined channels and the channels of their region ---------------------


def open_channels() -> QuerySet[Channel, Any]:
    """Channels a digest may report on: not archived, not direct messages."""
    return Channel.objects.filter(archived_at__isnull=True).exclude(kind=ChannelKind.DIRECT).values("pk")


def region_channels() -> tuple[dict[str, set[int]], dict[int, set[int]]]:
    """Public 地域 channels by directory region and by prefecture.

    Channels carry no region of their own: a region channel belongs to a region when its URL name is
    the region's (``kanto``, ``kyushu-okinawa``) or contains it (``chugoku-shikoku``), and to a
    prefecture when its name is the prefecture's (「福岡県」).
    """
    rows = list(
        Channel.objects.filter(
            category=ChannelCategory.REGION, kind=ChannelKind.PUBLIC, archived_at__isnull=True
        ).values_list("pk", "slug", "name")
    )
    by_region: dict[str, set[int]] = defaultdict(set)
    by_prefecture: dict[int, set[int]] = defaultdict(set)
    if not rows:
        return by_region, by_prefecture
    for region in Region.values:
        key = region.replace("_", "-")
        for pk, slug, _name in rows:
            if slug == key or key in slug.split("-"):
                by_region[region].add(pk)
    prefectures = dict(
        Organization.objects.filter(kind=OrganizationKind.PREFECTURE).values_list("name", "pk")
    )
    for pk, _slug, name in rows:
        if name in prefectures:
            by_prefecture[prefectures[name]].add(pk)
    return by_region, by_prefecture


def channels_of(build: DigestBuild) -> dict[int, set[int]]:
    """Each recipient's channels: joined and not muted, plus their region's unless they muted it."""
    cached = build.cache.get("channels")
    if cached is not None:
        return cached  # type: ignore[return-value]
    wanted = {r.member_id for r in build.recipients}
    joined: dict[int, set[int]] = defaultdict(set)
    muted: dict[int, set[int]] = defaultdict(set)
    rows = ChannelMembership.objects.filter(
        channel_id__in=open_channels(), member__status=MemberStatus.ACTIVE
    ).values_list("member_id", "channel_id", "notify_level")
    for member_id, channel_id, level in rows.iterator(chunk_size=10_000):
        if member_id in wanted:
            (muted if level == NotifyLevel.MUTED else joined)[member_id].add(channel_id)
    by_region, by_prefecture = region_channels()
    result: dict[int, set[int]] = {}
    for r in build.recipients:
        own = set(joined.get(r.member_id, ()))
        own |= by_region.get(r.region, set())
        if r.prefecture_id is not None:
            own |= by_prefecture.get(r.prefecture_id, set())
        result[r.member_id] = own - muted.get(r.member_id, set())
    build.cache["channels"] = result
    return result


# ---- The most active threads ------------------------------------------------------------------------


@dataclass(frozen=True)
class ThreadActivity:
    root_id: int
    channel_id: int
    replies: int
    last_reply_at: datetime

    @property
    def rank(self) -> tuple[int, float, int]:
        """Most replies first, then the latest reply, then the newest thread: the same everywhere."""
        return (-self.replies, -self.last_reply_at.timestamp(), -self.root_id)


def thread_activity(since: datetime) -> dict[int, list[ThreadActivity]]:
    """Every open channel's THREADS_SHOWN most active threads since ``since``: one grouped query."""
    rows = (
        Message.objects.filter(
            thread_root__isnull=False,
            created_at__gt=since,
            deleted_at__isnull=True,
            thread_root__deleted_at__isnull=True,
        )
        # Grouped by ``channel_id + 0``, not the bare column: SQLite would otherwise walk the whole
        # channel index to group (every message ever), where this reads the window by created_at.
        # Which channels are open is asked apart, for the same reason.
        .values(in_channel=ExpressionWrapper(F("channel_id") + 0, output_field=BigIntegerField()))
        .annotate(root=F("thread_root_id"), in_window=Count("id"), last=Max("created_at"))
        .values_list("in_channel", "thread_root_id", "in_window", "last")
    )
    wanted = set(open_channels().values_list("pk", flat=True))
    per_channel: dict[int, list[ThreadActivity]] = defaultdict(list)
    for channel_id, root_id, replies, last in rows:
        if channel_id in wanted:
            per_channel[channel_id].append(ThreadActivity(root_id, channel_id, replies, last))
    return {
        channel: sorted(found, key=lambda t: t.rank)[:THREADS_SHOWN] for channel, found in per_channel.items()
    }


def top_threads(
    channels: Iterable[int], activity: Mapping[int, list[ThreadActivity]]
) -> list[ThreadActivity]:
    """The most active threads across ``channels``: the best of each channel's best is the best of all."""
    candidates = [thread for channel in channels for thread in activity.get(channel, ())]
    return sorted(candidates, key=lambda t: t.rank)[:THREADS_SHOWN]


def thread_items(threads: Iterable[ThreadActivity]) -> dict[ThreadActivity, DigestItem]:
    """The items for these threads, from one query for their first posts.

    Keyed by the activity, not the root: the same thread has other counts in other windows.
    """
    wanted = set(threads)
    roots = {
        root.pk: root
        for root in Message.objects.filter(pk__in={t.root_id for t in wanted})
        .select_related("channel", "author")
        .only("pk", "text", "channel__slug", "channel__name", "author__display_name")
    }
    items = {}
    titles: dict[int, str] = {}
    for activity in wanted:
        root = roots.get(activity.root_id)
        if root is None:
            continue
        if root.pk not in titles:
            text = plain_text(root.text, names={})
            titles[root.pk] = text if len(text) <= TITLE_LENGTH else text[:TITLE_LENGTH].rstrip() + "…"
        path = reverse("chat:thread", args=[root.channel.slug, root.pk]) + f"?around={root.pk}"
        items[activity] = DigestItem(
            ident=root.pk,
            count=activity.replies,
            title=titles[root.pk] or None,
            label=gettext("#%(channel)s のスレッド（%(author)sさん）")
            % {"channel": root.channel.name, "author": root.author.display_name},
            detail=gettext("#%(channel)s ・ 新しい返信 %(count)d件")
            % {"channel": root.channel.name, "count": activity.replies},
            url=site_url(path),
        )
    return items


def build_active_threads(build: DigestBuild) -> dict[int, list[DigestItem]]:
    channels = channels_of(build)
    activity = {since: thread_activity(since) for since in build.windows}
    chosen = {r.member_id: top_threads(channels[r.member_id], activity[r.since]) for r in build.recipients}
    items = thread_items(t for threads in chosen.values() for t in threads)
    return {member_id: [items[t] for t in threads if t in items] for member_id, threads in chosen.items()}


# ---- New members from the member's prefecture -----------------------------------------------------


@dataclass(frozen=True)
class Newcomer:
    member_id: int
    display_name: str
    organization: str
    prefecture_id: int


def newcomers(since: datetime) -> dict[int, list[Newcomer]]:
    """Members who joined after ``since``, by prefecture, oldest first: one query."""
    rows = (
        Member.objects.filter(
            status=MemberStatus.ACTIVE, date_joined__gt=since, organization__prefecture__isnull=False
        )
        .order_by("date_joined", "pk")
        .values_list("pk", "display_name", "organization__name", "organization__prefecture_id")
    )
    by_prefecture: dict[int, list[Newcomer]] = defaultdict(list)
    for pk, name, organization, prefecture_id in rows:
        assert prefecture_id is not None  # filtered above
        by_prefecture[prefecture_id].append(Newcomer(pk, name, organization, prefecture_id))
    return by_prefecture


def newcomer_item(newcomer: Newcomer) -> DigestItem:
    return DigestItem(
        ident=newcomer.member_id,
        count=0,
        title=None,
        label=gettext("%(name)sさん（%(organization)s）")
        % {"name": newcomer.display_name, "organization": newcomer.organization},
        detail="",
        url=site_url(reverse("accounts:member", args=[newcomer.member_id])),
    )


def build_new_members(build: DigestBuild) -> dict[int, list[DigestItem]]:
    found = {since: newcomers(since) for since in build.windows}
    items: dict[Newcomer, DigestItem] = {}
    result: dict[int, list[DigestItem]] = {}
    for r in build.recipients:
        if r.prefecture_id is None:
            result[r.member_id] = []
            continue
        near = [n for n in found[r.since].get(r.prefecture_id, ()) if n.member_id != r.member_id]
        for n in near[:NEW_MEMBERS_SHOWN]:
            if n not in items:
                items[n] = newcomer_item(n)
        result[r.member_id] = [items[n] for n in near[:NEW_MEMBERS_SHOWN]]
    return result


ACTIVE_THREADS = register(
    DigestSection(
        key="active_threads", title=_("盛り上がっているスレッド"), build=build_active_threads, order=10
    )
)
NEW_MEMBERS = register(
    DigestSection(
        key="new_members", title=_("同じ都道府県の新しいメンバー"), build=build_new_members, order=20
    )
)
