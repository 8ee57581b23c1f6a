"""Building and removing the demo community. Every write goes through the apps' actions."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from array import array
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from kyoso.accounts.actions import (
    NewMember,
    create_member,
    import_applications,
    import_members,
    purge_applications,
    purge_members,
)
from kyoso.accounts.models import Member, MemberStatus
from kyoso.chat.actions import create_channel, ensure_default_stamps, join_channels, post_message
from kyoso.chat.actions.bulk import (
    ImportedMessage,
    MessageImporter,
    import_memberships,
    import_reactions,
    import_read_positions,
    purge_channels,
    purge_messages,
)
from kyoso.chat.models import Channel, ChannelKind, ChannelMembership, Message
from kyoso.demo.applicants import demo_applications
from kyoso.demo.generate import plan_community
from kyoso.demo.members import (
    DEMO_MEMBER_EMAIL,
    DEMO_OPERATOR_EMAIL,
    DIGITAL_AGENCY_NAME,
    KURUME_CODE,
    SUSONO_CODE,
)
from kyoso.demo.passwords import generate_password
from kyoso.demo.plan import DEFAULT_SEED, DEFAULT_SIZE, CommunityPlan, DemoSize, OrgInfo, PlannedReaction
from kyoso.demo.queries import demo_applications_written, demo_channels, demo_members, directory_snapshot
from kyoso.demo.timeline import start_of_today, to_datetime
from kyoso.directory.models import Organization

# Messages written per transaction: big enough to amortise, small enough to show progress.
BATCH_SIZE = 5_000
# How often a big build reports progress.
PROGRESS_EVERY = 50_000


class DemoError(Exception):
    """The demo cannot be built here; the message says what to do."""


@dataclass(frozen=True)
class DemoSummary:
    seed: int
    organizations: int
    members: int
    channels: int
    messages: int
    reactions: int
    seconds: float
    # Applicants waiting in the review queue: planned like members, written as applications.
    applications: int = 0


def build_demo(
    *,
    seed: int = DEFAULT_SEED,
    size: DemoSize = DEFAULT_SIZE,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
    one_transaction: bool = True,
    operator_password: str | None = None,
) -> DemoSummary:
    """Write the demo community for ``seed`` and ``size`` into an empty (demo-free) database.

    The community's history ends at ``now`` (by default the start of today in Japan, so the same seed
    gives the same community all day).

    ``one_transaction`` makes the build all or nothing, right for the default size. A million-message
    build commits batch by batch instead; if it is interrupted, ``kyoso demo --reset`` cleans up.

    The demo operator signs in with ``operator_password`` (stored hashed like any password); without
    one, a random password nobody knows is set.
    """
    started = time.perf_counter()
    organizations = directory_snapshot()
    _check_directory(organizations)
    plan = plan_community(
        organizations, now=now or start_of_today(timezone.now()), seed=seed, size=planned_size(size)
    )
    with transaction.atomic() if one_transaction else contextlib.nullcontext():
        member_ids = _write_members(plan, operator_password or generate_password())
        channel_ids = _write_channels(plan, member_ids)
        messages, reactions = _write_messages(plan, member_ids, channel_ids, progress)
        messages += _leave_news_for_the_demo_member(plan.now)
    return DemoSummary(
        seed=seed,
        organizations=len({m.organization.code for m in plan.members}),
        members=sum(1 for m in plan.members if m.status != MemberStatus.PENDING),
        channels=len(plan.channels),
        messages=messages,
        reactions=reactions,
        seconds=time.perf_counter() - started,
        applications=sum(1 for m in plan.members if m.status == MemberStatus.PENDING),
    )


def _check_directory(organizations: list[OrgInfo]) -> None:
    if not organizations:
        raise DemoError("The directory is empty: run `kyoso directory load` first.")
    codes = {o.code for o in organizations}
    names = {o.name for o in organizations}
    missing = [c for c in (KURUME_CODE, SUSONO_CODE) if c not in codes]
    if DIGITAL_AGENCY_NAME not in names:
        missing.append(DIGITAL_AGENCY_NAME)
    if missing:
        raise DemoError(f"The directory lacks {', '.join(missing)}: load the shipped directory first.")


def _write_members(plan: CommunityPlan, operator_password: str) -> list[int]:
    """Create the members in plan order; the two sign-in accounts get their passwords.

    Those still waiting for approval become applications in the review queue, not members: their
    id stays 0, and they join, write and read nothing.
    """
    ids = [0] * len(plan.members)  # every member is written by one of the branches below
    rows, positions = [], []
    applicants = [m for m in plan.members if m.status == MemberStatus.PENDING]
    organizations = sorted({m.organization for m in plan.members}, key=lambda o: o.code)
    import_applications(demo_applications(applicants, organizations))
    for i, member in enumerate(plan.members):
        if member.status == MemberStatus.PENDING:
            continue
        fields: dict[str, Any] = {
            "email": member.email,
            "full_name": member.full_name,
            "full_name_kana": member.full_name_kana,
            "display_name": member.display_name,
            "department": member.department,
            "title": member.title,
            "bio": member.bio,
            "interests": member.interests,
            "role": member.role,
            "status": member.status,
            "is_staff": member.is_staff,
            "date_joined": to_datetime(member.date_joined),
            # When each member last opened kyoso, so the inactivity round of `kyoso worker` (which
            # `kyoso serve` starts) warns only those the demo means to be away.
            "last_login": to_datetime(member.last_seen) if member.last_seen else None,
        }
        password = operator_password if member.email == DEMO_OPERATOR_EMAIL else member.password
        if password:
            created = create_member(
                **fields,
                organization=Organization.objects.get(pk=member.organization.id),
                password=password,
                is_superuser=member.is_superuser,
            )
            ids[i] = created.pk
        else:
            rows.append(NewMember(**fields, organization_id=member.organization.id))
            positions.append(i)
    for position, created in zip(positions, import_members(rows), strict=True):
        ids[position] = created.pk
    return ids


def _write_channels(plan: CommunityPlan, member_ids: list[int]) -> list[int]:
    opener = Member.objects.get(pk=member_ids[0])  # the demo operator opens every channel
    ids = []
    for channel in plan.channels:
        spec = channel.spec
        created = create_channel(
            creator=opener,
            name=spec.name,
            slug=spec.slug,
            category=spec.category,
            title=spec.title,
            purpose=spec.purpose,
            is_default=spec.is_default,
            posting_policy=spec.posting_policy,
            at=to_datetime(channel.created_at),
        )
        ids.append(created.pk)
    import_memberships(
        (ids[channel], member_ids[member], to_datetime(joined))
        for channel, member, joined in plan.memberships
    )
    return ids


def _write_messages(
    plan: CommunityPlan,
    member_ids: list[int],
    channel_ids: list[int],
    progress: Callable[[str], None] | None,
) -> tuple[int, int]:
    stamp_ids = {stamp.name: stamp.pk for stamp in ensure_default_stamps()}
    importer = MessageImporter(batch_size=BATCH_SIZE)
    moments = array("d")  # each message's time, in stream (and id) order, for read positions
    rows: list[ImportedMessage] = []
    stamps: list[PlannedReaction] = []
    reactions = 0
    started = time.perf_counter()

    def flush() -> None:
        nonlocal reactions
        importer.add(rows)
        reactions += import_reactions(
            (importer.ids[r.message], member_ids[r.member], stamp_ids[r.stamp], r.at) for r in stamps
        )
        moments.extend(row.created_at.timestamp() for row in rows)
        rows.clear()
        stamps.clear()
        written = len(importer.ids)
        if progress and (written % PROGRESS_EVERY < BATCH_SIZE or written == plan.size.messages):
            elapsed = time.perf_counter() - started
            progress(
                f"messages {written:,}/{plan.size.messages:,}  reactions {reactions:,}  "
                f"{elapsed:.1f}s  ({written / max(elapsed, 1e-9):,.0f}/s)"
            )

    for message in plan.stream:
        rows.append(
            ImportedMessage(
                channel_id=channel_ids[message.channel],
                author_id=member_ids[message.author],
                text=message.text,
                created_at=message.at,
                thread_index=message.thread,
            )
        )
        stamps.extend(message.reactions)
        if len(rows) >= BATCH_SIZE:
            flush()
    if rows:
        flush()
    importer.finish()
    _write_read_positions(plan, member_ids, channel_ids, moments, importer.ids)
    return len(importer.ids), reactions


# Posted through the real action after the planned history (an answer and a mention waiting for the
# demo member); the plan holds that many fewer, so a demo of N messages still has exactly N.
NEWS_FOR_THE_DEMO_MEMBER = 3


def planned_size(size: DemoSize) -> DemoSize:
    """The size of the planned history: the demo's size less the news posted after it."""
    return dataclasses.replace(size, messages=max(size.messages - NEWS_FOR_THE_DEMO_MEMBER, 1))


def _leave_news_for_the_demo_member(now: datetime) -> int:
    """What the demo member finds on arrival: an answer in the thread they started and a colleague
    naming them, posted through the real action so the bell, the notifications page and the mail for
    what they missed (in /outbox/ once the worker runs) all show it. Returns the messages posted."""
    member = Member.objects.filter(email=DEMO_MEMBER_EMAIL).first()
    if member is None:
        return 0
    joined = list(
        ChannelMembership.objects.filter(member=member, channel__kind=ChannelKind.PUBLIC)
        .exclude(channel__posting_policy="operators")
        .order_by("channel__name")
        .values_list("channel_id", flat=True)
    )
    colleagues = list(
        Member.objects.filter(
            memberships__channel_id__in=joined[:2], status=MemberStatus.ACTIVE, organization__isnull=False
        )
        .exclude(pk=member.pk)
        .exclude(email=DEMO_OPERATOR_EMAIL)
        .exclude(organization__members=member)
        .order_by("pk")
        .distinct()[:2]
    )
    if len(joined) < 2 or len(colleagues) < 2:
        return 0
    first, second = (Channel.objects.get(pk=pk) for pk in joined[:2])
    answerer, namer = colleagues
    for person, channel in ((answerer, first), (namer, second)):
        join_channels(members=[person], channel=channel, at=now - timedelta(hours=4))
    question = post_message(
        author=member,
        channel=first,
        text="窓口の混雑状況をお知らせする仕組み、どこから始めましたか？",
        at=now - timedelta(hours=3),
    )
    post_message(
        author=answerer,
        channel=first,
        text="うちは番号札の発券機と連動した表示から始めました。資料をお送りできます。",
        thread=question,
        at=now - timedelta(hours=2),
    )
    post_message(
        author=namer,
        channel=second,
        text=f"@[{member.display_name}](member:{member.pk}) さん、先日の勉強会の資料を共有します。"
        "ご意見をいただけると嬉しいです。",
        at=now - timedelta(hours=1),
    )
    return NEWS_FOR_THE_DEMO_MEMBER


def _write_read_positions(
    plan: CommunityPlan, member_ids: list[int], channel_ids: list[int], moments: array, ids: array
) -> None:
    """Each member has read everything up to when they last looked (or last posted)."""

    def read_up_to(moment: float) -> int:
        position = bisect_right(moments, moment) - 1
        return ids[position] if position >= 0 else 0

    positions = []
    for channel, member, joined in plan.memberships:
        planned = plan.members[member]
        # What was posted before they joined is not unread either (kyoso.chat: unread starts at joining).
        seen = max(planned.last_seen, plan.last_post[member], joined)
        positions.append((channel_ids[channel], member_ids[member], read_up_to(seen)))
    import_read_positions(positions)


@dataclass(frozen=True)
class RemovalSummary:
    members: int
    channels: int
    messages: int


@transaction.atomic
def remove_demo() -> RemovalSummary:
    """Remove the demo's members, channels, messages and stamps; the directory and stamps stay.

    What counts as the demo: members whose address starts with ``demo+`` and the demo's channels
    (by slug). Messages others wrote in those channels go with them.
    """
    channels = demo_channels()
    members = demo_members()
    messages = Message.objects.filter(channel__in=channels).count()
    removed_channels = purge_channels(channels)
    messages += purge_messages(Message.objects.filter(author__in=members))
    removed_members = purge_members(members)
    purge_applications(demo_applications_written())
    return RemovalSummary(members=removed_members, channels=removed_channels, messages=messages)
