"""kyoso's e-mails: Japanese templates (English for members who chose it), sent by the task queue.

``queue_mail`` renders the mail and records it as a ``Mail`` row in the caller's transaction; once
that commits, the ``deliver_mail`` task is queued (``kyoso worker`` runs it). A mail rolled back is
never sent, and an SMTP server that is down or refuses never fails the request that queued the mail:
the task records the error on the row and tries again later, waiting twice as long each time, until
``KYOSO_MAIL_MAX_ATTEMPTS``; then the row is marked failed (送信失敗) for operators, in the admin and in
the log (``event=mail.failed``).

Sending is idempotent per row: a task claims its row with a conditional update before it speaks to
the SMTP server, so a task run twice (a retry, a worker killed and its task run again) never sends a
mail that was sent. The one gap SMTP leaves: a worker killed after the server accepted a mail but
before the row says so sends it again. The mail keeps one Message-ID on every try for that case.
"""

from __future__ import annotations

import contextlib
import logging
import re
import smtplib
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import TaskContext, task

from kyoso.core.logs import log_event
from kyoso.core.models import Mail, MailStatus

logger = logging.getLogger("kyoso.mail")

# A send is a handful of SMTP steps (connect, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA), each waiting at
# most KYOSO_MAIL_TIMEOUT_SECONDS: a claim held this many timeouts belongs to a sender that is gone.
LEASE_TIMEOUTS = 10
ERROR_MAX_LENGTH = 2000
# The sweep gives a due mail's own task this long to claim it before queueing another, and marks what
# it queued, so a long backlog gets one extra task per mail and grace period, not one per sweep.
SWEEP_GRACE = timedelta(minutes=10)
SWEEP_BATCH = 500
# Errors are logged and kept for operators; the addresses in an SMTP reply are not (ids are enough).
_ADDRESS = re.compile(r"[^\s@<>'\"(),;:]+@[^\s@<>'\"(),;:]+")


def site_url(path: str = "") -> str:
    return settings.KYOSO_SITE_URL.rstrip("/") + path


def render_email(template: str, context: dict[str, Any], language: str | None = None) -> tuple[str, str]:
    """Render ``core/email/<template>.subject.txt`` and ``.body.txt`` in the given language."""
    with translation.override(language or settings.LANGUAGE_CODE):
        full_context = {"site_url": site_url(), "site_name": "kyoso", **context}
        subject = render_to_string(f"core/email/{template}.subject.txt", full_context).strip()
        body = render_to_string(f"core/email/{template}.body.txt", full_context)
    return " ".join(subject.split()), body


def queue_mail(*, to: str, template: str, context: dict[str, Any], language: str | None = None) -> Mail:
    """Record the mail now and queue its sending once the surrounding transaction commits."""
    subject, body = render_email(template, context, language)
    mail = Mail.objects.create(to=to, template=template, subject=subject, body=body)
    # robust: a queue that cannot be reached is logged, never raised into the request that committed.
    transaction.on_commit(lambda: enqueue_delivery(mail.pk), robust=True)
    return mail


def enqueue_delivery(mail_id: int, *, at: datetime | None = None) -> None:
    """Queue ``deliver_mail`` for one row, at ``at`` if given; the sweep covers a queue that is down."""
    delivery = deliver_mail
    if at is not None:
        if not delivery.get_backend().supports_defer:
            # A backend that runs tasks at once cannot wait: the worker's sweep brings the mail back.
            return
        delivery = delivery.using(run_after=at)
    try:
        delivery.enqueue(mail_id)
    except Exception as error:
        log_event(logger, "mail.enqueue_failed", level=logging.ERROR, mail=mail_id, error=_describe(error))


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try: KYOSO_MAIL_RETRY_SECONDS, then doubling."""
    return timedelta(seconds=settings.KYOSO_MAIL_RETRY_SECONDS * 2 ** max(attempts - 1, 0))


def _lease() -> timedelta:
    return timedelta(seconds=settings.KYOSO_MAIL_TIMEOUT_SECONDS * LEASE_TIMEOUTS)


def _describe(error: BaseException) -> str:
    """What went wrong, for the log and the admin, with no e-mail address in it."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = "; ".join(f"{code} {_text(reply)}" for code, reply in error.recipients.values())
        detail = f"recipient refused: {replies}"
    else:
        detail = str(error)
    return _ADDRESS.sub("<address>", f"{type(error).__name__}: {detail}")[:ERROR_MAX_LENGTH]


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _is_permanent(error: BaseException) -> bool:
    """A 5xx answer (no such mailbox, refused) will not change on a retry; anything else may."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    return False


@task(takes_context=True)
def deliver_mail(context: TaskContext, mail_id: int) -> str:
    """Send one ``Mail`` row, at most once however often this task runs; returns what became of it."""
    worker_ids = context.task_result.worker_ids
    now = timezone.now()
    claimable = Q(status=MailStatus.QUEUED, next_attempt_at__lte=now) | Q(
        status=MailStatus.SENDING, lease_until__lt=now
    )
    claimed = Mail.objects.filter(claimable, pk=mail_id).update(
        status=MailStatus.SENDING,
        attempts=F("attempts") + 1,
        claimed_by=(worker_ids[-1] if worker_ids else "")[:64],
        lease_until=now + _lease(),
    )
    if not claimed:
        mail = Mail.objects.filter(pk=mail_id).first()
        if mail is not None and mail.status == MailStatus.SENDING and mail.lease_until is not None:
            # Someone else holds it; should they have died, come back when their claim lapses.
            enqueue_delivery(mail_id, at=mail.lease_until)
        # Sent, failed or gone; or queued for a later try, which its own task will make.
        return mail.status if mail is not None else "missing"

    mail = Mail.objects.get(pk=mail_id)
    connection = get_connection(timeout=settings.KYOSO_MAIL_TIMEOUT_SECONDS)
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[mail.to],
        headers={**mail.headers, "Message-ID": mail.message_id},
        connection=connection,
    )
    if mail.html_body:
        message.attach_alternative(mail.html_body, "text/html")
    try:
        connection.open()
        message.send()
    except Exception as error:
        _close_quietly(connection)
        return _record_failure(mail, error)
    # Record the send before saying goodbye to the server: the window for a duplicate stays small.
    Mail.objects.filter(pk=mail_id).update(
        status=MailStatus.SENT,
        sent_at=timezone.now(),
        lease_until=None,
        last_error="",
        # Bodies hold sign-in links; only the demo outbox keeps them once sent.
        body=F("body") if settings.KYOSO_OUTBOX else "",
        html_body=F("html_body") if settings.KYOSO_OUTBOX else "",
    )
    _close_quietly(connection)
    log_event(logger, "mail.sent", mail=mail_id, template=mail.template, attempts=mail.attempts)
    return MailStatus.SENT


def _close_quietly(connection: Any) -> None:
    # The mail is recorded already: a failed QUIT changes nothing.
    with contextlib.suppress(Exception):
        connection.close()


def _record_failure(mail: Mail, error: BaseException) -> str:
    described = _describe(error)
    if _is_permanent(error) or mail.attempts >= settings.KYOSO_MAIL_MAX_ATTEMPTS:
        Mail.objects.filter(pk=mail.pk).update(
            status=MailStatus.FAILED,
            last_error=described,
            lease_until=None,
            # A failed mail is kept for operators to see; the one-time link in its body is not.
            body=F("body") if settings.KYOSO_OUTBOX else "",
            html_body=F("html_body") if settings.KYOSO_OUTBOX else "",
        )
        log_event(
            logger,
            "mail.failed",
            level=logging.ERROR,
            mail=mail.pk,
            template=mail.template,
            attempts=mail.attempts,
            error=described,
        )
        return MailStatus.FAILED
    at = timezone.now() + backoff(mail.attempts)
    Mail.objects.filter(pk=mail.pk).update(
        status=MailStatus.QUEUED, next_attempt_at=at, last_error=described, lease_until=None
    )
    log_event(
        logger,
        "mail.retry",
        level=logging.WARNING,
        mail=mail.pk,
        template=mail.template,
        attempts=mail.attempts,
        next_attempt=at.isoformat(timespec="seconds"),
        error=described,
    )
    enqueue_delivery(mail.pk, at=at)
    return MailStatus.QUEUED


def sweep_mail(*, now: datetime, dry_run: bool, out: Any) -> None:
    """Queue again the mails no task is bringing: a queue write lost after a commit, a lapsed claim.

    Runs on the real clock (claims are real time), whatever ``--now`` says. Running it twice is
    harmless: a second task for a mail finds it claimed or sent and does nothing.
    """
    moment = timezone.now()
    stuck = Q(status=MailStatus.QUEUED, next_attempt_at__lte=moment - SWEEP_GRACE) | Q(
        status=MailStatus.SENDING, lease_until__lt=moment
    )
    ids = list(
        Mail.objects.filter(stuck).order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    if not ids:
        return
    if dry_run:
        out.write(f"mail: would queue {len(ids)} waiting mail(s) again")
        return
    # Due now, and not swept again for another grace period while its new task waits its turn.
    Mail.objects.filter(pk__in=ids, status=MailStatus.QUEUED).update(next_attempt_at=moment)
    for mail_id in ids:
        enqueue_delivery(mail_id)
    log_event(logger, "mail.swept", count=len(ids))
    out.write(f"mail: queued {len(ids)} waiting mail(s) again")


def prune_mail(*, now: datetime, dry_run: bool, out: Any) -> None:
    """Forget sent and failed mails, and finished task results, older than KYOSO_MAIL_KEEP_DAYS."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(days=settings.KYOSO_MAIL_KEEP_DAYS)
    old_mail = Mail.objects.filter(status__in=[MailStatus.SENT, MailStatus.FAILED], created_at__lt=cutoff)
    old_tasks = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff)
    if dry_run:
        out.write(f"mail: would forget {old_mail.count()} mail(s) and {old_tasks.count()} task result(s)")
        return
    mails, _ = old_mail.delete()
    tasks, _ = old_tasks.delete()
    if mails or tasks:
        log_event(logger, "mail.pruned", mails=mails, tasks=tasks)
        out.write(f"mail: forgot {mails} mail(s) and {tasks} task result(s)")
