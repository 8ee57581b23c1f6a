"""Mails for what a member missed (見逃した通知のメール), a periodic job of ``kyoso worker``.

Every minute: a notification still pending and unread ``KYOSO_NOTIFY_EMAIL_GRACE_MINUTES`` after it
was made is mailed, one mail per member and conversation (a thread, else the channel or DM), unless
the member turned such mails off, is in their quiet hours (日本時間; it then waits until they end), or
has read it elsewhere: in any tab (``read_at``) or by a read position chat moved (a channel's
``last_read_message_id``, a thread's ``last_read_reply_id``).

Crash-safe and idempotent: one transaction claims the rows (``UPDATE … WHERE mail_state='pending'``),
creates the ``core.Mail`` and points the rows at it; only the rows that transaction flipped are in the
mail, and ``deliver_mail`` sends it after commit, at most once, with retries. A worker killed before
the commit leaves the rows pending for the next pass; one killed after leaves a queued mail that the
mail sweep brings back. Several workers: each locks its rows with ``SKIP LOCKED`` on PostgreSQL; on
SQLite writes are serialised, and the conditional update keeps a row from being claimed twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from kyoso.accounts.models import Member, MemberStatus
from kyoso.chat.models import ChannelKind, ChannelMembership, ThreadFollow
from kyoso.core.mail import enqueue_delivery
from kyoso.core.models import Mail
from kyoso.core.schedule import Output
from kyoso.notify import kinds
from kyoso.notify.mail_content import JST, TEMPLATE, render_missed_mail
from kyoso.notify.models import MailState, Notification, NotificationSettings

JOB_NAME = "notify.missed_mail"
JOB_EVERY = timedelta(minutes=1)
# Notifications looked at per round of one pass; a pass goes on while rounds find work.
CLAIM_BATCH = 500
MAX_ROUNDS = 20


@dataclass(frozen=True)
class Conversation:
    """What one mail is about: a thread, else a channel (a DM too), else the notification alone."""

    recipient_id: int
    thread_root_id: int | None
    channel_id: int | None
    alone_id: int | None


def grace() -> timedelta:
    return timedelta(minutes=settings.KYOSO_NOTIFY_EMAIL_GRACE_MINUTES)


def read_elsewhere() -> Q:
    """Notifications whose message the member has seen by chat's read positions (no signal needed)."""
    seen_in_stream = Exists(
        ChannelMembership.objects.filter(
            channel_id=OuterRef("channel_id"),
            member_id=OuterRef("recipient_id"),
            last_read_message_id__gte=OuterRef("message_id"),
        )
    )
    seen_in_thread = Exists(
        ThreadFollow.objects.filter(
            thread_root_id=OuterRef("thread_root_id"),
            member_id=OuterRef("recipient_id"),
            last_read_reply_id__gte=OuterRef("message_id"),
        )
    )
    in_stream = Q(thread_root__isnull=True) | Q(message__also_in_channel=True)
    return Q(message__isnull=False) & (
        (in_stream & seen_in_stream) | (Q(thread_root__isnull=False) & seen_in_thread)
    )


def _no_longer_readable() -> Q:
    """A private channel or DM the member has left: not mailed (the bell hides it too)."""
    belongs = Exists(
        ChannelMembership.objects.filter(
            channel_id=OuterRef("channel_id"), member_id=OuterRef("recipient_id")
        )
    )
    return Q(channel__isnull=False) & ~Q(channel__kind=ChannelKind.PUBLIC) & Q(~belongs)


def _turned_off(recipient_ids: QuerySet[Any]) -> Q:
    """Mails off for the member, or off for the kind, or a kind that is never mailed."""
    mailable = [kind.key for kind in kinds.all_kinds() if kind.email]
    unwanted = ~Q(kind__in=mailable)
    unwanted |= Q(
        recipient_id__in=NotificationSettings.objects.filter(email_missed=False).values("member_id")
    )
    # JSON lists cannot be searched the same way on SQLite and PostgreSQL: read the few members who
    # turned a kind off (among those with due mail) and ask per kind.
    off_by_kind: dict[str, list[int]] = defaultdict(list)
    rows = NotificationSettings.objects.filter(member_id__in=recipient_ids).exclude(email_off_kinds=[])
    for member_id, off in rows.values_list("member_id", "email_off_kinds"):
        for key in off:
            off_by_kind[key].append(member_id)
    for key, members in off_by_kind.items():
        unwanted |= Q(kind=key, recipient_id__in=members)
    return unwanted


def in_quiet_hours(now: datetime) -> QuerySet[NotificationSettings]:
    """Settings of the members for whom ``now`` is in their quiet hours (JST; 22:00–07:00 spans midnight)."""
    moment = timezone.localtime(now, JST).time().replace(microsecond=0)
    same_day = Q(quiet_from__lt=F("quiet_until"), quiet_from__lte=moment, quiet_until__gt=moment)
    over_midnight = Q(quiet_from__gt=F("quiet_until")) & (
        Q(quiet_from__lte=moment) | Q(quiet_until__gt=moment)
    )
    return NotificationSettings.objects.filter(quiet_from__isnull=False, quiet_until__isnull=False).filter(
        same_day | over_midnight
    )


def _due(now: datetime) -> QuerySet[Notification]:
    return Notification.objects.filter(mail_state=MailState.PENDING, created_at__lte=now - grace())


def skip_unwanted(now: datetime) -> int:
    """Decide, without mailing, every due notification that will never be mailed: SKIPPED."""
    due = _due(now)
    unwanted = (
        Q(read_at__isnull=False)
        | ~Q(recipient__status=MemberStatus.ACTIVE)
        | Q(message__deleted_at__isnull=False)
        | _turned_off(due.values("recipient_id"))
        | read_elsewhere()
        | _no_longer_readable()
    )
    return due.filter(unwanted).update(mail_state=MailState.SKIPPED)


def mailable_now(now: datetime) -> QuerySet[Notification]:
    """Due, unread, and the member is not in quiet hours (those wait, still pending)."""
    return (
        _due(now)
        .filter(read_at__isnull=True)
        .exclude(recipient_id__in=in_quiet_hours(now).values("member_id"))
    )


def conversations(rows: Iterable[tuple[int, int, int | None, int | None]]) -> dict[Conversation, list[int]]:
    """``(id, recipient, channel, thread_root)`` rows grouped into one mail each, ids ascending."""
    groups: dict[Conversation, list[int]] = defaultdict(list)
    for pk, recipient_id, channel_id, thread_root_id in sorted(rows):
        if thread_root_id is not None:
            key = Conversation(recipient_id, thread_root_id, None, None)
        elif channel_id is not None:
            key = Conversation(recipient_id, None, channel_id, None)
        else:
            key = Conversation(recipient_id, None, None, pk)
        groups[key].append(pk)
    return dict(groups)


def claim_and_queue(*, recipient: Member, ids: list[int], settings_row: NotificationSettings) -> Mail | None:
    """Claim what is still pending among ``ids`` (one member, one conversation) and queue its mail.

    One transaction: the rows that this call flips from PENDING, and only those, are in the mail.
    Returns None when another worker, a read, or a setting took them all first.
    """
    with transaction.atomic():
        # PostgreSQL: rows another worker is claiming are skipped (it mails them); SQLite ignores this
        # and serialises the writes below.
        locked = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids, mail_state=MailState.PENDING)
            .values_list("pk", flat=True)
        )
        if not locked:
            return None
        # Checked again at claim time: read in a tab, or a read position moved, since the pass began.
        Notification.objects.filter(pk__in=locked, mail_state=MailState.PENDING).filter(
            Q(read_at__isnull=False) | read_elsewhere()
        ).update(mail_state=MailState.SKIPPED)
        mail = Mail.objects.create(to=recipient.email, template=TEMPLATE, subject="", body="")
        flipped = Notification.objects.filter(pk__in=locked, mail_state=MailState.PENDING).update(
            mail_state=MailState.MAILED, mail=mail
        )
        if not flipped:
            mail.delete()
            return None
        claimed = list(
            Notification.objects.filter(mail=mail)
            .select_related("actor", "actor__organization", "channel", "message", "thread_root")
            .order_by("created_at", "id")
        )
        content = render_missed_mail(recipient=recipient, notifications=claimed, settings_row=settings_row)
        mail.subject, mail.body, mail.html_body, mail.headers = (
            content.subject,
            content.body,
            content.html_body,
            content.headers,
        )
        mail.save(update_fields=["subject", "body", "html_body", "headers"])
        mail_id = mail.pk
        transaction.on_commit(lambda: enqueue_delivery(mail_id), robust=True)
    return mail


def _settings_rows(member_ids: set[int]) -> dict[int, NotificationSettings]:
    """Every member's row, made with the defaults where missing: the unsubscribe link needs its key."""
    NotificationSettings.objects.bulk_create(
        [NotificationSettings(member_id=pk) for pk in member_ids], ignore_conflicts=True
    )
    return {row.member_id: row for row in NotificationSettings.objects.filter(member_id__in=member_ids)}


def send_missed_mail(*, now: datetime, dry_run: bool = False, out: Output | None = None) -> int:
    """One pass of the job; returns how many mails it queued."""
    if dry_run:
        waiting = mailable_now(now).count()
        if out is not None:
            out.write(f"notify: up to {waiting} due notification(s) would be considered for mail")
        return 0
    skipped = skip_unwanted(now)
    queued = 0
    for _round in range(MAX_ROUNDS):
        rows = list(
            mailable_now(now)
            .order_by("id")
            .values_list("id", "recipient_id", "channel_id", "thread_root_id")[:CLAIM_BATCH]
        )
        if not rows:
            break
        groups = conversations(rows)
        member_ids = {key.recipient_id for key in groups}
        members = Member.objects.in_bulk(member_ids)
        settings_rows = _settings_rows(member_ids)
        progress = 0
        for key, ids in groups.items():
            recipient, row = members.get(key.recipient_id), settings_rows.get(key.recipient_id)
            if recipient is None or row is None:
                continue  # removed since the rows were read: their notifications went with them
            mail = claim_and_queue(recipient=recipient, ids=ids, settings_row=row)
            progress += 1 if mail is not None else 0
        queued += progress
        if len(rows) < CLAIM_BATCH or not progress:
            break
    if out is not None and (queued or skipped):
        out.write(f"notify: queued {queued} missed-notification mail(s), skipped {skipped} notification(s)")
    return queued


def run(*, now: datetime, dry_run: bool, out: Output) -> None:
    """The periodic job (kyoso.core.schedule)."""
    send_missed_mail(now=now, dry_run=dry_run, out=out)
