"""Digests (まとめメール) for members who were away: a periodic job of ``kyoso worker``.

Once a day at ``KYOSO_NOTIFY_DIGEST_HOUR`` (日本時間; the job looks every few minutes, and a worker
that was down sends the day's digests when it comes back), every active member whose
``NotificationSettings.digest`` is daily or weekly (weekly without a settings row) and whose last
digest is a day or a week old is considered. Their digest reports on the window since the last one
(at most a day or a week back) and is sent only when

- they have not visited in that window: neither signed in (``last_login``) nor used a session
  (``MemberSession.last_seen_at``, the 最終利用 time, noted at most once a minute), and
- some section (``kyoso.notify.digest_sections``) has something to say.

Built set-based: the recipients in one query, each section in a few queries per window, never a
query per member. Crash-safe and idempotent like the missed-notification mails: per batch, one
transaction flips each member's ``DigestLog.checked_slot`` to the day's slot, creates the ``Mail``
rows and points the logs at them; ``deliver_mail`` sends each once after commit. A pass killed
before the commit leaves the members for the next pass; a second pass for the same slot finds
nobody due.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from kyoso.accounts.models import Member, MemberSession, MemberStatus
from kyoso.core.mail import enqueue_delivery
from kyoso.core.models import Mail
from kyoso.core.schedule import Output
from kyoso.notify import digest_sections
from kyoso.notify.digest_mail import TEMPLATE, render_digest
from kyoso.notify.digest_sections import DigestBuild, DigestItem, DigestRecipient, DigestSection
from kyoso.notify.mail_content import JST
from kyoso.notify.models import Digest, DigestLog, NotificationSettings

JOB_NAME = "notify.digests"
JOB_EVERY = timedelta(minutes=10)
PERIODS = {Digest.DAILY: timedelta(days=1), Digest.WEEKLY: timedelta(days=7)}
# Members whose mails one transaction claims and creates.
BATCH = 500


@dataclass(frozen=True)
class DigestContent:
    sections: list[tuple[DigestSection, list[DigestItem]]]

    def __bool__(self) -> bool:
        return any(items for _section, items in self.sections)

    def key(self) -> list[tuple[str, list[tuple[int, int]]]]:
        """What it says, comparable: the benchmark checks its naive twin against this."""
        return [
            (section.key, [(item.ident, item.count) for item in items]) for section, items in self.sections
        ]


def current_slot(now: datetime) -> datetime:
    """The latest ``KYOSO_NOTIFY_DIGEST_HOUR`` o'clock (日本時間) at or before ``now``, in UTC."""
    local = timezone.localtime(now, JST)
    slot = local.replace(hour=settings.KYOSO_NOTIFY_DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if slot > local:
        slot -= timedelta(days=1)
    return slot.astimezone(UTC)


@dataclass(frozen=True)
class DueMembers:
    recipients: list[DigestRecipient]
    # Due today but back since their last digest: considered, nothing sent.
    visited: list[int]


def due_members(slot: datetime) -> DueMembers:
    """Every member whose digest falls due at ``slot`` and who was not yet considered for it: one query."""
    own_settings = NotificationSettings.objects.filter(member_id=OuterRef("pk"))
    log = DigestLog.objects.filter(member_id=OuterRef("pk"))
    last_session = MemberSession.objects.filter(member_id=OuterRef("pk")).order_by("-last_seen_at")
    rows = (
        Member.objects.filter(status=MemberStatus.ACTIVE)
        .annotate(
            # No settings row: the defaults (weekly). Coalesced in SQL, so the exclusion below sees it.
            frequency=Coalesce(Subquery(own_settings.values("digest")[:1]), Value(Digest.WEEKLY)),
            hide=Subquery(own_settings.values("hide_content")[:1]),
            last_slot=Subquery(log.values("slot")[:1]),
            checked=Subquery(log.values("checked_slot")[:1]),
            session_seen=Subquery(last_session.values("last_seen_at")[:1]),
        )
        .filter(Q(checked__isnull=True) | Q(checked__lt=slot))
        .exclude(frequency=Digest.OFF)
        .order_by("pk")
        .values_list(
            "pk",
            "email",
            "display_name",
            "organization__prefecture_id",
            "organization__region",
            "frequency",
            "hide",
            "last_slot",
            "last_login",
            "session_seen",
        )
    )
    recipients, visited = [], []
    for pk, email, name, prefecture_id, region, frequency, hide, last_slot, login, seen in rows.iterator(
        chunk_size=5_000
    ):
        period = PERIODS[frequency]
        if last_slot is not None and last_slot > slot - period:
            continue  # the last digest is younger than a day (or a week)
        # The window: since the last digest, which (being due) is a period ago or more; never further
        # back than one period, so a member away for months gets a week, not a season.
        since = slot - period
        last_visit = max((moment for moment in (login, seen) if moment is not None), default=None)
        if last_visit is not None and last_visit >= since:
            visited.append(pk)
            continue
        recipients.append(
            DigestRecipient(
                member_id=pk,
                email=email,
                display_name=name,
                prefecture_id=prefecture_id,
                region=region or "",
                since=since,
                frequency=frequency,
                hide_content=bool(hide),
            )
        )
    return DueMembers(recipients=recipients, visited=visited)


def build_digests(recipients: list[DigestRecipient]) -> dict[int, DigestContent]:
    """Every recipient's digest, section by section, each section built for all of them at once."""
    build = DigestBuild(recipients=recipients)
    sections = [(section, section.build(build)) for section in digest_sections.all_sections()]
    return {
        r.member_id: DigestContent(
            sections=[(section, items.get(r.member_id, [])) for section, items in sections]
        )
        for r in recipients
    }


def _chunks(values: list[int], size: int = BATCH) -> Iterator[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _ensure_logs(member_ids: Iterable[int]) -> None:
    DigestLog.objects.bulk_create([DigestLog(member_id=pk) for pk in member_ids], ignore_conflicts=True)


def mark_considered(member_ids: list[int], slot: datetime) -> None:
    """Members considered at ``slot`` and sent nothing (they visited, or nothing happened)."""
    for chunk in _chunks(member_ids):
        _ensure_logs(chunk)
        DigestLog.objects.filter(member_id__in=chunk).filter(
            Q(checked_slot__isnull=True) | Q(checked_slot__lt=slot)
        ).update(checked_slot=slot)


def _settings_rows(member_ids: list[int]) -> dict[int, NotificationSettings]:
    """Rows with the defaults where missing: the unsubscribe link needs the member's key."""
    NotificationSettings.objects.bulk_create(
        [NotificationSettings(member_id=pk) for pk in member_ids], ignore_conflicts=True
    )
    return {row.member_id: row for row in NotificationSettings.objects.filter(member_id__in=member_ids)}


def claim_and_queue(
    batch: list[DigestRecipient], contents: dict[int, DigestContent], *, slot: datetime, now: datetime
) -> int:
    """Render, then in one transaction claim the batch's members for ``slot`` and queue their mails."""
    ids = [r.member_id for r in batch]
    _ensure_logs(ids)
    settings_rows = _settings_rows(ids)
    rendered = {
        r.member_id: render_digest(
            recipient=r, content=contents[r.member_id], settings_row=settings_rows[r.member_id]
        )
        for r in batch
    }
    token = secrets.token_hex(16)
    with transaction.atomic():
        # The conditional update is the claim: a row another pass flipped first is not ours.
        DigestLog.objects.filter(member_id__in=ids).filter(
            Q(checked_slot__isnull=True) | Q(checked_slot__lt=slot)
        ).update(checked_slot=slot, claim=token)
        won = set(
            DigestLog.objects.filter(member_id__in=ids, claim=token).values_list("member_id", flat=True)
        )
        if not won:
            return 0
        mails = []
        for r in batch:
            if r.member_id in won:
                mail = rendered[r.member_id]
                mails.append(
                    Mail(
                        to=r.email,
                        template=TEMPLATE,
                        subject=mail.subject,
                        body=mail.body,
                        html_body=mail.html_body,
                        headers=mail.headers,
                        created_at=now,
                    )
                )
        Mail.objects.bulk_create(mails)
        logs = [
            DigestLog(member_id=r.member_id, slot=slot, sent_at=now, mail=mail)
            for r, mail in zip((r for r in batch if r.member_id in won), mails, strict=True)
        ]
        DigestLog.objects.bulk_update(logs, ["slot", "sent_at", "mail"])
        mail_ids = [mail.pk for mail in mails]
        transaction.on_commit(lambda: _enqueue(mail_ids), robust=True)
    return len(mails)


def _enqueue(mail_ids: list[int]) -> None:
    for mail_id in mail_ids:
        enqueue_delivery(mail_id)


def send_digests(*, now: datetime, dry_run: bool = False, out: Output | None = None) -> int:
    """One pass of the job; returns how many digests it queued."""
    slot = current_slot(now)
    due = due_members(slot)
    if dry_run:
        if out is not None and due.recipients:
            out.write(f"notify: up to {len(due.recipients)} digest(s) would be built")
        return 0
    contents = build_digests(due.recipients)
    quiet = [r.member_id for r in due.recipients if not contents[r.member_id]]
    mark_considered(due.visited + quiet, slot)
    senders = [r for r in due.recipients if contents[r.member_id]]
    queued = 0
    for start in range(0, len(senders), BATCH):
        queued += claim_and_queue(senders[start : start + BATCH], contents, slot=slot, now=now)
    if out is not None and (queued or due.visited or quiet):
        out.write(
            f"notify: queued {queued} digest(s); {len(due.visited)} member(s) had visited, "
            f"{len(quiet)} had nothing new"
        )
    return queued


def run(*, now: datetime, dry_run: bool, out: Output) -> None:
    """The periodic job (kyoso.core.schedule)."""
    send_digests(now=now, dry_run=dry_run, out=out)
