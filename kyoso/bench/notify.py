"""A day's digests set-based and member by member, and a burst of mention mails across a worker crash."""

# How it measures:
# - The community is built in a child process on a scratch SQLite file (kyoso.bench.scratch) with
#   kyoso.bench.community, then given what digests report on: 地域 channels for the directory's regions
#   with a week of threads, newcomers, muted channels, members who chose daily digests, turned them
#   off, or visited in the last days (those get none).
# - digests_total_s: kyoso.notify.digests.due_members and build_digests for every member at the day's
#   slot: the recipients in one query, each section in a few queries per window.
#   naive_digests_total_s: the same content member by member (kyoso.bench.notify_naive), in the same
#   run, for the same recipients. Both are compared for every member timed naively (--naive-members
#   to time fewer and extrapolate, said in the figures); a difference stops the benchmark.
#   digest_job_s: the whole periodic job (build, render text and HTML, claim and queue every mail).
# - The burst (kyoso.bench.notify_burst): real posts mention --burst members; a real `kyoso worker`
#   mails them through aiosmtpd, is killed with SIGKILL at half, and a second one finishes.

from __future__ import annotations

import platform
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from random import Random
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kyoso.accounts.actions import lifecycle
from kyoso.accounts.models import Member
from kyoso.bench.community import CommunitySpec, build_community, find_community
from kyoso.bench.notify_burst import run_burst
from kyoso.bench.notify_naive import naive_digest
from kyoso.bench.scratch import add_scratch_argument, check_scratch_database, run_in_scratch_database
from kyoso.chat.actions import create_channel
from kyoso.chat.actions.bulk import ImportedMessage, MessageImporter, import_memberships
from kyoso.chat.models import Channel, ChannelCategory, ChannelMembership, Message, NotifyLevel
from kyoso.core.models import Mail, MailStatus
from kyoso.database import migrate_if_needed
from kyoso.directory.models import Region
from kyoso.notify import digest_mail
from kyoso.notify.digests import build_digests, current_slot, due_members, send_digests
from kyoso.notify.models import Digest, DigestLog, MailState, Notification, NotificationSettings

DEFAULT_MEMBERS = 15_000
DEFAULT_MESSAGES = 1_000_000
DEFAULT_CHANNELS = 20
DEFAULT_BURST = 5_000
DEFAULT_SEED = 2026
DIGESTS_TARGET_S = 60.0
SPEEDUP_TARGET = 5.0
# The shape added for digests: shares of members and memberships.
DAILY_SHARE, OFF_SHARE, HIDE_SHARE, VISITED_SHARE, MUTED_SHARE, NEWCOMER_SHARE = (
    0.3,
    0.05,
    0.1,
    0.4,
    0.05,
    0.01,
)
REGION_JOIN_SHARE = 0.2
REGION_THREADS, REGION_MAX_REPLIES = 40, 12
SHAPED_SLUG = "hokkaido"  # present once the community was given its digest shape


@dataclass(frozen=True)
class NotifySpec(CommunitySpec):
    """The bench community with its member count given, not derived from the messages."""

    member_count: int = DEFAULT_MEMBERS

    @property
    def members(self) -> int:
        return self.member_count


def add_arguments(parser: CommandParser) -> None:
    parser.add_argument("--members", type=int, default=DEFAULT_MEMBERS, help="Members in the community.")
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES, help="Messages in the community.")
    parser.add_argument(
        "--channels", type=int, default=DEFAULT_CHANNELS, help="Theme channels (the busy one included)."
    )
    parser.add_argument(
        "--burst", type=int, default=DEFAULT_BURST, help="Mention notifications in the burst."
    )
    parser.add_argument(
        "--naive-members",
        type=int,
        default=0,
        help="Time the naive baseline on this many recipients and extrapolate (0: all of them).",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="Random seed (same seed, same community)."
    )
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database and print its path.")
    parser.add_argument("--database", metavar="PATH", help="SQLite file to build into, or to reuse.")
    add_scratch_argument(parser)


def run(options: dict[str, Any], progress: Callable[[str], None]) -> dict[str, Any]:
    if options.get("scratch_database"):
        return _measure(options, progress)
    for name, least in (
        ("members", 20),
        ("messages", 100),
        ("channels", 2),
        ("burst", 1),
        ("naive_members", 0),
    ):
        if options[name] < least:
            raise CommandError(f"--{name.replace('_', '-')} must be at least {least}.")
    names = ("members", "messages", "channels", "burst", "naive_members", "seed")
    argv = [f"--{name.replace('_', '-')}={options[name]}" for name in names]
    figures, kept = run_in_scratch_database(
        "notify", argv, database=options.get("database"), keep=options["keep"], progress=progress
    )
    figures["community"]["database"] = str(kept) if kept else None
    return figures


def _measure(options: dict[str, Any], progress: Callable[[str], None]) -> dict[str, Any]:
    check_scratch_database(options["scratch_database"])
    spec = NotifySpec(
        messages=options["messages"],
        channels=options["channels"],
        seed=options["seed"],
        member_count=options["members"],
    )
    started = time.perf_counter()
    reused = _prepare(spec, progress)
    build_s = time.perf_counter() - started
    digests = _time_digests(options["naive_members"], progress)
    community = find_community()
    assert community is not None
    _quiet_other_mail(progress)
    size = min(options["burst"], Member.objects.count() - 1)
    burst = run_burst(size=size, author=community.reader, channel=community.busy, progress=progress)
    speedup = digests["naive_digests_total_s"] / max(digests["digests_total_s"], 1e-9)
    return {
        "digests_total_s": digests["digests_total_s"],
        "naive_digests_total_s": digests["naive_digests_total_s"],
        "mails_per_s": burst["mails_per_s"],
        "lost": burst["lost"],
        "duplicated": burst["duplicated"],
        "targets": {
            "lost": 0,
            "duplicated": 0,
            "digests_under_60s": digests["digests_total_s"] < DIGESTS_TARGET_S,
            "speedup_at_least_5x": speedup >= SPEEDUP_TARGET,
            "lost_ok": burst["lost"] == 0,
            "duplicated_ok": burst["duplicated"] == 0,
        },
        "speedup": round(speedup, 1),
        "digests": digests,
        "burst": burst,
        "community": {
            "members": Member.objects.count(),
            "messages": Message.objects.count(),
            "channels": Channel.objects.count(),
            "memberships": ChannelMembership.objects.count(),
            "build_seconds": round(build_s, 1),
            "reused": reused,
        },
        "setup": {
            "seed": spec.seed,
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
        },
    }


def _prepare(spec: NotifySpec, progress: Callable[[str], None]) -> bool:
    migrate_if_needed(sys.stderr)
    reused = find_community() is not None
    if not reused:
        if Member.objects.exists():
            raise CommandError("that database holds other data: give a new file or one this benchmark built.")
        progress(f"building {spec.members:,} members and {spec.messages:,} messages (seed {spec.seed})")
        build_community(spec, progress)
    if not Channel.objects.filter(slug=SHAPED_SLUG).exists():
        progress("adding region channels, newcomers, settings and visits")
        _shape(Random(f"kyoso-bench-notify/{spec.seed}"))
    return reused


def _shape(rng: Random) -> None:
    """What a digest reports on and whom it skips, written in bulk."""
    now = timezone.now()
    members = list(Member.objects.order_by("pk").values_list("pk", "organization__region"))
    ids = [pk for pk, _region in members]
    by_region: dict[str, list[int]] = {}
    for pk, region in members:
        by_region.setdefault(region or "", []).append(pk)
    week = timedelta(days=7)
    opened = now - timedelta(days=400)
    importer = MessageImporter(batch_size=5_000)
    rows: list[ImportedMessage] = []
    for region in Region.values:
        label, slug = str(Region(region).label), region.replace("_", "-")
        channel = create_channel(
            creator=None, name=label, slug=slug, category=ChannelCategory.REGION, at=opened
        )
        local = by_region.get(region) or ids
        import_memberships(
            (channel.pk, pk, now - timedelta(days=400)) for pk in local if rng.random() < REGION_JOIN_SHARE
        )
        for _thread in range(REGION_THREADS):
            at = now - week * rng.random()
            root = len(rows)
            rows.append(
                ImportedMessage(
                    channel.pk, rng.choice(local), f"{Region(region).label}の勉強会の相談です", at
                )
            )
            for n in range(rng.randint(0, REGION_MAX_REPLIES)):
                rows.append(
                    ImportedMessage(
                        channel.pk, rng.choice(local), f"返信{n}", at + timedelta(minutes=n + 1), root
                    )
                )
    importer.add(rows)
    importer.finish()
    newcomers = [pk for pk in ids[1:] if rng.random() < NEWCOMER_SHARE]
    for pk in newcomers:
        Member.objects.filter(pk=pk).update(date_joined=now - week * rng.random())
    choices = []
    for pk in ids:
        draw = rng.random()
        digest = Digest.DAILY if draw < DAILY_SHARE else Digest.OFF if draw > 1 - OFF_SHARE else Digest.WEEKLY
        hide = rng.random() < HIDE_SHARE
        if digest != Digest.WEEKLY or hide:
            choices.append(NotificationSettings(member_id=pk, digest=digest, hide_content=hide))
    NotificationSettings.objects.bulk_create(choices, batch_size=2_000)
    visited = [pk for pk in ids if rng.random() < VISITED_SHARE]
    for start in range(0, len(visited), 500):
        Member.objects.filter(pk__in=visited[start : start + 500]).update(
            last_login=now - timedelta(hours=rng.randint(1, 48))
        )
    muted = list(ChannelMembership.objects.values_list("pk", flat=True))
    muted = [pk for pk in muted if rng.random() < MUTED_SHARE]
    for start in range(0, len(muted), 500):
        ChannelMembership.objects.filter(pk__in=muted[start : start + 500]).update(
            notify_level=NotifyLevel.MUTED
        )


def _time_digests(naive_members: int, progress: Callable[[str], None]) -> dict[str, Any]:
    now = timezone.now()
    slot = current_slot(now)
    # A reused database: the day's digests again, as if none had been sent yet.
    DigestLog.objects.all().delete()
    progress("digests: set-based build for every member")
    started = time.perf_counter()
    due = due_members(slot)
    contents = build_digests(due.recipients)
    total_s = time.perf_counter() - started
    recipients = due.recipients
    sample = (
        recipients if not naive_members else Random(0).sample(recipients, min(naive_members, len(recipients)))
    )
    progress(f"digests: naive build for {len(sample):,} members, one by one")
    started = time.perf_counter()
    naive = {r.member_id: naive_digest(r) for r in sample}
    naive_s = time.perf_counter() - started
    known = {key for key, _items in next(iter(naive.values()), [])}
    for r in sample:
        mine = [(key, items) for key, items in contents[r.member_id].key() if key in known]
        if mine != naive[r.member_id]:
            raise CommandError(
                f"set-based and naive digests of member {r.member_id} differ: {mine} != {naive[r.member_id]}"
            )
    scale = len(recipients) / len(sample) if sample else 1.0
    progress("digests: the whole job (render, claim, queue every mail)")
    started = time.perf_counter()
    queued = send_digests(now=now)
    job_s = time.perf_counter() - started
    with_content = sum(1 for r in recipients if contents[r.member_id])
    if queued != with_content:
        raise CommandError(f"the digest job queued {queued} mails for {with_content} digests with content")
    return {
        "digests_total_s": round(total_s, 3),
        "naive_digests_total_s": round(naive_s * scale, 3),
        "naive_extrapolated": len(sample) < len(recipients),
        "naive_members_timed": len(sample),
        "compared_members": len(sample),
        "members_considered": len(recipients) + len(due.visited),
        "recipients_away": len(recipients),
        "visited_skipped": len(due.visited),
        "digests_with_content": with_content,
        "windows": len({r.since for r in recipients}),
        "digest_job_s": round(job_s, 3),
        "digests_queued": queued,
    }


def _quiet_other_mail(progress: Callable[[str], None]) -> None:
    """Before the burst: run the membership jobs, then put aside every mail, task and notification so far.

    The digests were built and queued above; delivering 15,000 of them (and the jobs' reminders) is not
    what the burst measures, so they are marked failed with a note and their tasks forgotten.
    """
    lifecycle.run_daily_jobs(now=timezone.now())
    aside = Mail.objects.filter(status=MailStatus.QUEUED).update(
        status=MailStatus.FAILED, last_error="bench: set aside before the burst"
    )
    DBTaskResult.objects.all().delete()
    # Notifications the community's own posts made (replies in followed threads): not the burst's.
    Notification.objects.filter(mail_state=MailState.PENDING).update(mail_state=MailState.SKIPPED)
    progress(f"burst: {aside:,} earlier mails set aside (digests: template {digest_mail.TEMPLATE})")
