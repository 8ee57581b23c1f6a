"""The yearly reconfirmation (年次の再確認), inactivity, and the end of ambassadors' terms.

The daily jobs (``run_daily_jobs``) are run by ``kyoso worker`` or ``kyoso accounts ...`` from cron.
Each takes the clock as ``now``, so tests and operators' dry runs choose the day. Each is idempotent,
also across processes: a member is claimed with a conditional UPDATE before anything is sent, so
of two runs racing for the same member exactly one sends the e-mail and writes the audit entry.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, F, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from kyoso.accounts.actions.members import normalize_email
from kyoso.accounts.errors import LinkInvalid, ReactivationRefused
from kyoso.accounts.links import consume_link, issue_link
from kyoso.accounts.models import LinkPurpose, Member, MemberStatus, Role, StatusCause
from kyoso.core.audit import record_audit, snapshot
from kyoso.core.events import member_audience, publish
from kyoso.core.logs import log_event
from kyoso.core.mail import queue_mail, site_url

# Only what the jobs themselves did can be undone by the member verifying the address again;
# a moderator's suspension (or any cause the jobs did not set) needs an operator.
REACTIVATABLE_CAUSES = {StatusCause.RECONFIRMATION, StatusCause.INACTIVITY}
STATUS_FIELDS = ["status", "status_cause", "status_reason", "status_changed_at"]
RECONFIRM_PATH = "/accounts/reconfirm/{token}/"
# Operator log lines (README, Logging): ids and organisation codes, never addresses or secrets.
logger = logging.getLogger("kyoso.accounts")
REACTIVATE_PATH = "/accounts/reactivate/"


@dataclass(frozen=True, slots=True)
class Outcome:
    """One thing a job did (or, in a dry run, would do) to one member."""

    action: str
    member_id: int
    email: str

    def __str__(self) -> str:
        return f"{self.action}\t{self.member_id}\t{self.email}"


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` months earlier (the last day of a shorter month)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _start_of_local_day(now: datetime) -> datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def _deadline(now: datetime, days: int) -> str:
    return timezone.localdate(now + timedelta(days=days)).isoformat()


# ---- Roles with a term -------------------------------------------------------------------------


def expire_ambassador_terms(*, now: datetime | None = None, dry_run: bool = False) -> list[Outcome]:
    """Ambassadors whose last day has passed (in local time) go back to member."""
    today = timezone.localdate(now or timezone.now())
    ended = Member.objects.filter(role=Role.AMBASSADOR, role_until__lt=today)
    outcomes = []
    for member in ended:
        with transaction.atomic():
            before = snapshot(member, ["role", "ambassador_region", "role_until"])
            if not dry_run:
                claimed = Member.objects.filter(
                    pk=member.pk, role=Role.AMBASSADOR, role_until__lt=today
                ).update(role=Role.MEMBER, ambassador_region="", role_until=None)
                if not claimed:
                    continue
                member.refresh_from_db()
                record_audit(
                    actor=None,
                    action="member.role_changed",
                    target=member,
                    before=before,
                    after=snapshot(member, ["role", "ambassador_region", "role_until"]),
                    reason="アンバサダーの任期満了",
                )
                log_event(
                    logger,
                    "member.role_changed",
                    member=member.pk,
                    actor="system",
                    before=Role.AMBASSADOR,
                    after=Role.MEMBER,
                    cause="term_ended",
                )
        outcomes.append(Outcome("ambassador_term_ended", member.pk, member.email))
    return outcomes


# ---- Reconfirmation ----------------------------------------------------------------------------


def reconfirmation_due(now: datetime) -> bool:
    """Whether today, in the site's time zone, is the day of the yearly round (default 04-01)."""
    today = timezone.localdate(now)
    return (today.month, today.day) == tuple(settings.KYOSO_RECONFIRM_MONTH_DAY)


def _send_reconfirm_link(member: Member, *, template: str, now: datetime, max_age: timedelta | None) -> None:
    token = issue_link(purpose=LinkPurpose.RECONFIRM, email=member.email, member=member, max_age=max_age)
    queue_mail(
        to=member.email,
        template=template,
        context={
            "member": member,
            "url": site_url(RECONFIRM_PATH.format(token=token)),
            "deadline": _deadline(now, settings.KYOSO_RECONFIRM_GRACE_DAYS),
        },
    )


def start_reconfirmation_round(
    *, now: datetime | None = None, force: bool = False, dry_run: bool = False
) -> list[Outcome]:
    """Ask every active member (operators and advisors too) to prove their address again.

    Runs on the configured day only, unless forced. A member already asked and not yet answered is
    not asked again (the grace period keeps running), nor is one who verified an address today.
    """
    now = now or timezone.now()
    if not (force or reconfirmation_due(now)):
        return []
    asked = Member.objects.filter(
        status=MemberStatus.ACTIVE, reconfirmation_requested_at__isnull=True
    ).exclude(email_verified_at__gte=_start_of_local_day(now))
    grace = timedelta(days=settings.KYOSO_RECONFIRM_GRACE_DAYS)
    outcomes = []
    for member in asked.iterator():
        if not dry_run:
            with transaction.atomic():
                claimed = Member.objects.filter(
                    pk=member.pk, status=MemberStatus.ACTIVE, reconfirmation_requested_at__isnull=True
                ).update(reconfirmation_requested_at=now)
                if not claimed:
                    continue
                # The link lives as long as the grace period: it is the member's way to answer.
                _send_reconfirm_link(member, template="lifecycle_reconfirm", now=now, max_age=grace)
        outcomes.append(Outcome("reconfirmation_requested", member.pk, member.email))
    return outcomes


def _set_status(member: Member, *, status: str, cause: str, reason: str, now: datetime) -> None:
    member.status = status
    member.status_cause = cause
    member.status_reason = reason
    member.status_changed_at = now


def _stop_membership(
    member: Member,
    *,
    still_due: Q,
    status: str,
    cause: str,
    reason: str,
    action: str,
    template: str,
    now: datetime,
) -> bool:
    """Suspend or deactivate an active member a job found; False if another run or a sign-in won.

    The member is claimed with a conditional UPDATE (``still_due``), then the change is audited and
    the member told how to come back, in one transaction.
    """
    with transaction.atomic():
        before = snapshot(member, STATUS_FIELDS)
        _set_status(member, status=status, cause=cause, reason=reason, now=now)
        claimed = Member.objects.filter(still_due, pk=member.pk, status=MemberStatus.ACTIVE).update(
            **{field: getattr(member, field) for field in STATUS_FIELDS}
        )
        if not claimed:
            return False
        record_audit(
            actor=None,
            action=action,
            target=member,
            before=before,
            after=snapshot(member, STATUS_FIELDS),
            reason=reason,
        )
        log_event(
            logger,
            "member.status_changed",
            member=member.pk,
            actor="system",
            before=before["status"],
            after=status,
            cause=cause,
        )
        queue_mail(
            to=member.email, template=template, context={"member": member, "url": site_url(REACTIVATE_PATH)}
        )
        # Their open sockets close at once (kyoso.realtime.hub), in whichever process holds them.
        publish(member_audience(member.pk), "member.status_changed", {"id": member.pk, "status": status})
    return True


def suspend_unconfirmed_members(*, now: datetime | None = None, dry_run: bool = False) -> list[Outcome]:
    """Suspend active members who were asked to reconfirm more than the grace period ago."""
    now = now or timezone.now()
    grace = settings.KYOSO_RECONFIRM_GRACE_DAYS
    overdue = Member.objects.filter(
        status=MemberStatus.ACTIVE, reconfirmation_requested_at__lte=now - timedelta(days=grace)
    )
    reason = (
        f"年次の再確認の依頼から{grace}日以内にメールアドレスの確認がなかったため"
        "（メールの確認で再開できます）"
    )
    outcomes = []
    for member in overdue.iterator():
        # Claimed only if still asked by the same round: a reconfirmation in between wins.
        still_due = Q(reconfirmation_requested_at=member.reconfirmation_requested_at)
        if not dry_run and not _stop_membership(
            member,
            still_due=still_due,
            status=MemberStatus.SUSPENDED,
            cause=StatusCause.RECONFIRMATION,
            reason=reason,
            action="member.suspended",
            template="lifecycle_suspended",
            now=now,
        ):
            continue
        outcomes.append(Outcome("suspended_unconfirmed", member.pk, member.email))
    return outcomes


def reconfirm_membership(*, token: str, now: datetime | None = None) -> Member:
    """Open a RECONFIRM link: the address is proved again, and a member the jobs stopped comes back.

    A member suspended for any other reason (a moderator's decision) is refused, and the link stays
    unused: nothing is saved.
    """
    now = now or timezone.now()
    with transaction.atomic():
        link = consume_link(token, LinkPurpose.RECONFIRM)
        if link.member_id is None:
            raise LinkInvalid()
        member = Member.objects.select_for_update().filter(pk=link.member_id).first()
        # A link mailed to an address the member no longer has proves nothing.
        if member is None or member.email != link.email or member.status == MemberStatus.PENDING:
            raise LinkInvalid()
        before = snapshot(member, [*STATUS_FIELDS, "reconfirmation_requested_at", "email_verified_at"])
        if member.status != MemberStatus.ACTIVE:
            if member.status_cause not in REACTIVATABLE_CAUSES:
                raise ReactivationRefused()
            _set_status(member, status=MemberStatus.ACTIVE, cause="", reason="", now=now)
            member.inactivity_warned_at = None
        member.reconfirmation_requested_at = None
        member.email_verified_at = now
        member.save(
            update_fields=[
                *STATUS_FIELDS,
                "reconfirmation_requested_at",
                "email_verified_at",
                "inactivity_warned_at",
            ]
        )
        if before["status"] != member.status:
            record_audit(
                actor=member,
                action="member.reactivated",
                target=member,
                before=before,
                after=snapshot(member, [*STATUS_FIELDS, "reconfirmation_requested_at", "email_verified_at"]),
            )
            log_event(
                logger,
                "member.status_changed",
                member=member.pk,
                actor=member.pk,
                before=before["status"],
                after=member.status,
                cause="reconfirmed",
            )
    return member


def request_reactivation_link(*, email: str) -> None:
    """Mail a fresh RECONFIRM link to a member who can come back by verifying, and to nobody else.

    The page that calls this answers the same for any address, so it tells nobody who is registered.
    """
    address = normalize_email(email)
    member = Member.objects.filter(email=address).first()
    if member is None:
        return
    comes_back = member.status in {MemberStatus.SUSPENDED, MemberStatus.DEACTIVATED} and (
        member.status_cause in REACTIVATABLE_CAUSES
    )
    still_asked = member.status == MemberStatus.ACTIVE and member.reconfirmation_requested_at is not None
    if not (comes_back or still_asked):
        return
    with transaction.atomic():
        _send_reconfirm_link(member, template="lifecycle_reactivate", now=timezone.now(), max_age=None)


# ---- Inactivity --------------------------------------------------------------------------------


def _with_last_sign_of_life(members: QuerySet[Member]) -> QuerySet[Member]:
    # The latest of: the last sign-in, joining, and becoming active again. Without the last one,
    # a member who came back by verifying would be warned again by the next run.
    return members.annotate(
        last_seen=Greatest(
            Coalesce("last_login", "date_joined"),
            Coalesce("status_changed_at", "date_joined"),
            output_field=DateTimeField(),
        )
    )


def warn_inactive_members(*, now: datetime | None = None, dry_run: bool = False) -> list[Outcome]:
    """Warn active members not seen for KYOSO_INACTIVE_MONTHS months that they will be deactivated."""
    now = now or timezone.now()
    threshold = months_before(now, settings.KYOSO_INACTIVE_MONTHS)
    idle = _with_last_sign_of_life(
        Member.objects.filter(status=MemberStatus.ACTIVE, inactivity_warned_at__isnull=True)
    ).filter(last_seen__lte=threshold)  # type: ignore[misc]  # annotated by _with_last_sign_of_life
    outcomes = []
    for member in idle.iterator():
        if not dry_run:
            with transaction.atomic():
                claimed = Member.objects.filter(
                    pk=member.pk, status=MemberStatus.ACTIVE, inactivity_warned_at__isnull=True
                ).update(inactivity_warned_at=now)
                if not claimed:
                    continue
                queue_mail(
                    to=member.email,
                    template="lifecycle_inactive_warning",
                    context={
                        "member": member,
                        "months": settings.KYOSO_INACTIVE_MONTHS,
                        "deadline": _deadline(now, settings.KYOSO_INACTIVE_WARNING_DAYS),
                        "url": site_url("/accounts/sign-in/"),
                    },
                )
        outcomes.append(Outcome("inactivity_warned", member.pk, member.email))
    return outcomes


def deactivate_inactive_members(*, now: datetime | None = None, dry_run: bool = False) -> list[Outcome]:
    """Deactivate warned members still not seen after KYOSO_INACTIVE_WARNING_DAYS; clear the others.

    Their data is kept and their posts stay, attributed; verifying the address brings them back.
    """
    now = now or timezone.now()
    outcomes = []
    warned = _with_last_sign_of_life(
        Member.objects.filter(status=MemberStatus.ACTIVE, inactivity_warned_at__isnull=False)
    )
    # Signed in since the warning (when the sign-in hook was not called): the warning no longer holds.
    returned = warned.filter(last_seen__gt=F("inactivity_warned_at"))  # type: ignore[misc]  # annotated
    for member in returned.iterator():
        if not dry_run:
            Member.objects.filter(pk=member.pk).update(inactivity_warned_at=None)
        outcomes.append(Outcome("inactivity_warning_cleared", member.pk, member.email))

    days = settings.KYOSO_INACTIVE_WARNING_DAYS
    reason = (
        f"{settings.KYOSO_INACTIVE_MONTHS}か月サインインがなく、"
        f"警告から{days}日たってもサインインがなかったため"
    )
    due = warned.filter(  # type: ignore[misc]  # last_seen is annotated by _with_last_sign_of_life
        last_seen__lte=F("inactivity_warned_at"), inactivity_warned_at__lte=now - timedelta(days=days)
    )
    for member in due.iterator():
        # Claimed only if not signed in since the warning, and warned by the same run.
        not_back = Q(last_login__isnull=True) | Q(last_login__lte=member.inactivity_warned_at)
        still_due = not_back & Q(inactivity_warned_at=member.inactivity_warned_at)
        if not dry_run and not _stop_membership(
            member,
            still_due=still_due,
            status=MemberStatus.DEACTIVATED,
            cause=StatusCause.INACTIVITY,
            reason=reason,
            action="member.deactivated",
            template="lifecycle_deactivated",
            now=now,
        ):
            continue
        outcomes.append(Outcome("deactivated_inactive", member.pk, member.email))
    return outcomes


# How often using kyoso in a signed-in session moves ``last_login`` forward.
ACTIVITY_RESOLUTION = timedelta(days=1)


def note_activity(member: Member, *, now: datetime | None = None) -> None:
    """A signed-in member using kyoso is not inactive, though they may not sign in again for a year.

    A session is renewed as it is used, so ``last_login`` alone would warn, then deactivate, a
    member who opens kyoso every day. It is moved forward at most once a day, and any warning goes.
    """
    now = now or timezone.now()
    if member.last_login is not None and member.last_login > now - ACTIVITY_RESOLUTION:
        return
    Member.objects.filter(pk=member.pk).update(last_login=now, inactivity_warned_at=None)
    member.last_login = now
    member.inactivity_warned_at = None


def note_sign_in(member: Member) -> None:
    """Call on every successful sign-in: a member who signs in after a warning is not deactivated."""
    if member.inactivity_warned_at is not None:
        Member.objects.filter(pk=member.pk).update(inactivity_warned_at=None)
        member.inactivity_warned_at = None


# ---- The daily run -----------------------------------------------------------------------------


def run_daily_jobs(
    *, now: datetime | None = None, dry_run: bool = False, force_reconfirm: bool = False
) -> dict[str, list[Outcome]]:
    """Everything due at ``now``; safe to run as often as you like, from as many processes."""
    now = now or timezone.now()
    return {
        "ambassadors": expire_ambassador_terms(now=now, dry_run=dry_run),
        "suspend": suspend_unconfirmed_members(now=now, dry_run=dry_run),
        "reconfirm": start_reconfirmation_round(now=now, force=force_reconfirm, dry_run=dry_run),
        "deactivate": deactivate_inactive_members(now=now, dry_run=dry_run),
        "warn": warn_inactive_members(now=now, dry_run=dry_run),
    }
