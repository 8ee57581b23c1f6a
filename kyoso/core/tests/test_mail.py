"""Mail on the task queue: a failing SMTP server never fails a request; mail is retried, then marked
failed for operators; a task run twice sends once; the worker runs the database queue."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks import task
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from kyoso.accounts.models import Role
from kyoso.accounts.tests.registration_support import (
    make_directory,
    registration_data,
    submit_registration,
)
from kyoso.core.mail import backoff, enqueue_delivery, queue_mail
from kyoso.core.models import Mail, MailStatus, WorkerHeartbeat
from kyoso.core.tests.smtp import Inbox, free_port, smtp_server, smtp_settings
from kyoso.core.worker import recover_abandoned_tasks
from kyoso.testing.auth import force_login_verified
from kyoso.testing.factories import make_member

pytestmark = pytest.mark.django_db

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture(autouse=True)
def fresh_budgets() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def smtp_port() -> Iterator[int]:
    """A port with nothing behind it yet (the server is down); a test may start one there."""
    port = free_port()
    with override_settings(**smtp_settings(port)):
        yield port


def run_worker_once() -> str:
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    return out.getvalue()


def make_due(mail: Mail) -> None:
    """Jump past the wait before the next try (and the sweep's grace)."""
    from kyoso.core.mail import SWEEP_GRACE

    Mail.objects.filter(pk=mail.pk).update(
        next_attempt_at=timezone.now() - SWEEP_GRACE - timedelta(minutes=1)
    )


def queue_one(**overrides: object) -> Mail:
    fields = {"to": "hanako@city.kurume.fukuoka.jp", "template": "security_password_changed", "context": {}}
    return queue_mail(**{**fields, **overrides})  # type: ignore[arg-type]


def test_registration_answers_as_usual_while_the_smtp_server_is_down_and_the_mail_comes_later(
    client: Client,
    smtp_port: int,
    django_capture_on_commit_callbacks: Callable,
    caplog: pytest.LogCaptureFixture,
) -> None:
    directory = make_directory()
    with django_capture_on_commit_callbacks(execute=True):
        response = submit_registration(client, registration_data(directory))

    assert (response.status_code, response["Location"]) == (302, "/accounts/register/sent/")
    mail = Mail.objects.get(to="hanako@city.kurume.fukuoka.jp")
    assert (mail.status, mail.attempts) == (MailStatus.QUEUED, 1)
    assert "ConnectionRefusedError" in mail.last_error
    assert mail.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert "event=mail.retry" in caplog.text

    inbox = Inbox()
    with smtp_server(inbox, port=smtp_port):
        run_worker_once()  # not due yet: nothing is sent
        assert inbox.messages == []
        make_due(mail)
        run_worker_once()
        run_worker_once()  # a second pass sends nothing again

    assert [message["To"] for message in inbox.messages] == ["hanako@city.kurume.fukuoka.jp"]
    mail.refresh_from_db()
    assert (mail.status, mail.attempts, mail.last_error) == (MailStatus.SENT, 2, "")


def test_a_mail_that_keeps_failing_ends_failed_and_operators_find_it_in_the_admin(
    client: Client,
    smtp_port: int,
    django_capture_on_commit_callbacks: Callable,
    caplog: pytest.LogCaptureFixture,
    settings: object,
) -> None:
    settings.KYOSO_MAIL_MAX_ATTEMPTS = 3  # type: ignore[attr-defined]
    with django_capture_on_commit_callbacks(execute=True):
        mail = queue_one()
    for _ in range(2):
        make_due(mail)
        run_worker_once()

    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (MailStatus.FAILED, 3)
    assert "event=mail.failed" in caplog.text
    assert f"mail={mail.pk}" in caplog.text
    make_due(mail)
    run_worker_once()
    assert Mail.objects.get(pk=mail.pk).attempts == 3  # failed is final

    force_login_verified(client, make_member(role=Role.OPERATOR, email="ops@digital.go.jp"))
    page = client.get("/admin/core/mail/?status__exact=failed").content.decode()
    assert "hanako@city.kurume.fukuoka.jp" in page
    assert "送信失敗" in page


def test_a_refused_recipient_is_not_retried(django_capture_on_commit_callbacks: Callable) -> None:
    inbox = Inbox()
    inbox.refuse = "550 5.1.1 no such mailbox"
    with (
        smtp_server(inbox) as port,
        override_settings(**smtp_settings(port)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        mail = queue_one()
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (MailStatus.FAILED, 1)
    assert "550" in mail.last_error


def test_a_refused_address_is_neither_logged_nor_kept_and_the_failed_body_goes(
    django_capture_on_commit_callbacks: Callable, caplog: pytest.LogCaptureFixture, settings: object
) -> None:
    settings.KYOSO_OUTBOX = False  # type: ignore[attr-defined]
    inbox = Inbox()
    inbox.refuse_recipients = "550 5.1.1 <{address}>: Recipient address rejected"
    with (
        smtp_server(inbox) as port,
        override_settings(**smtp_settings(port)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        mail = queue_one(template="sign_in_link", context={"url": "https://kyoso.example/accounts/l/secret/"})
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (MailStatus.FAILED, 1)
    assert "550" in mail.last_error
    assert "@" not in mail.last_error
    # The one-time link the body held is not kept once the mail has failed.
    assert mail.body == ""
    failed = [r.getMessage() for r in caplog.records if "event=mail.failed" in r.getMessage()]
    assert failed
    assert all("@" not in line for line in failed)


def test_a_mail_the_sweep_queued_again_is_not_queued_again_at_the_next_sweep() -> None:
    from kyoso.core.mail import SWEEP_GRACE, sweep_mail

    mail = queue_one()  # its task is never run: the on-commit hook is not executed here
    Mail.objects.filter(pk=mail.pk).update(next_attempt_at=timezone.now() - SWEEP_GRACE * 2)
    swept = StringIO()
    with override_settings(TASKS=DATABASE_QUEUE):
        sweep_mail(now=timezone.now(), dry_run=False, out=swept)
        again = StringIO()
        sweep_mail(now=timezone.now(), dry_run=False, out=again)
        tasks = DBTaskResult.objects.filter(task_path__endswith="deliver_mail").count()
    assert "queued 1" in swept.getvalue()
    assert again.getvalue() == ""
    assert tasks == 1


def test_old_sent_and_failed_mails_are_forgotten_and_queued_ones_kept(settings: object) -> None:
    from kyoso.core.mail import prune_mail

    settings.KYOSO_MAIL_KEEP_DAYS = 30  # type: ignore[attr-defined]
    old = timezone.now() - timedelta(days=31)
    sent = queue_one()
    failed = queue_one()
    waiting = queue_one()
    recent = queue_one()
    Mail.objects.filter(pk=sent.pk).update(status=MailStatus.SENT, created_at=old)
    Mail.objects.filter(pk=failed.pk).update(status=MailStatus.FAILED, created_at=old)
    Mail.objects.filter(pk=waiting.pk).update(created_at=old)
    Mail.objects.filter(pk=recent.pk).update(status=MailStatus.SENT)

    prune_mail(now=timezone.now(), dry_run=False, out=StringIO())

    assert set(Mail.objects.values_list("pk", flat=True)) == {waiting.pk, recent.pk}


def test_retries_wait_twice_as_long_each_time(settings: object) -> None:
    settings.KYOSO_MAIL_RETRY_SECONDS = 60  # type: ignore[attr-defined]
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]


def test_a_delivery_run_twice_sends_the_mail_once(django_capture_on_commit_callbacks: Callable) -> None:
    from django.core import mail as outbox

    with django_capture_on_commit_callbacks(execute=True):
        queued = queue_one()
    enqueue_delivery(queued.pk)
    enqueue_delivery(queued.pk)
    assert len(outbox.outbox) == 1
    assert Mail.objects.get(pk=queued.pk).attempts == 1


def test_a_sent_body_is_not_kept_outside_the_demo(
    settings: object, django_capture_on_commit_callbacks: Callable
) -> None:
    settings.KYOSO_OUTBOX = False  # type: ignore[attr-defined]
    with django_capture_on_commit_callbacks(execute=True):
        queued = queue_one()
    queued.refresh_from_db()
    assert (queued.status, queued.body) == (MailStatus.SENT, "")


def test_the_worker_runs_the_database_queue_and_defers_a_retry(
    smtp_port: int, django_capture_on_commit_callbacks: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker drops stale connections between tasks; inside a test's transaction that would close
    # the test's own connection (Django's test cases unhook the same call from requests for this).
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    inbox = Inbox()
    with override_settings(TASKS=DATABASE_QUEUE):
        with django_capture_on_commit_callbacks(execute=True):
            first = queue_one(to="first@city.kurume.fukuoka.jp")
        assert DBTaskResult.objects.ready().count() == 1
        assert Mail.objects.get(pk=first.pk).status == MailStatus.QUEUED  # queued, not sent in the request

        run_worker_once()  # the server is down: the try is recorded and the next one deferred
        first.refresh_from_db()
        assert (first.status, first.attempts) == (MailStatus.QUEUED, 1)
        waiting = DBTaskResult.objects.filter(status="READY").get()
        assert waiting.run_after >= first.next_attempt_at - timedelta(seconds=1)
        assert not WorkerHeartbeat.objects.exists()  # a worker that stopped says so

        DBTaskResult.objects.filter(pk=waiting.pk).update(run_after=timezone.now())
        Mail.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
        with smtp_server(inbox, port=smtp_port):
            run_worker_once()
    assert [message["To"] for message in inbox.messages] == ["first@city.kurume.fukuoka.jp"]
    assert Mail.objects.get(pk=first.pk).status == MailStatus.SENT
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def running_task(worker_id: str, started: timedelta) -> DBTaskResult:
    return DBTaskResult.objects.create(
        args_kwargs={"args": [0], "kwargs": {}},
        task_path="kyoso.core.mail.deliver_mail",
        backend_name="default",
        status="RUNNING",
        started_at=timezone.now() - started,
        worker_ids=[worker_id],
    )


def test_tasks_of_a_worker_that_stopped_beating_are_queued_again(settings: object) -> None:
    settings.KYOSO_WORKER_HEARTBEAT_SECONDS = 10  # type: ignore[attr-defined]
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="killed", hostname="h", pid=1, seen_at=now - timedelta(minutes=1)
    )
    WorkerHeartbeat.objects.create(worker_id="alive", hostname="h", pid=2, seen_at=now)
    orphan = running_task("killed", timedelta(minutes=2))
    busy = running_task("alive", timedelta(minutes=2))
    unknown = running_task("db_worker", timedelta(minutes=2))  # no heartbeat: may be alive

    out = StringIO()
    recover_abandoned_tasks(now=now, dry_run=False, out=out)

    statuses = dict(DBTaskResult.objects.values_list("id", "status"))
    assert statuses == {orphan.id: "READY", busy.id: "RUNNING", unknown.id: "RUNNING"}
    assert "1 task(s) of a stopped worker queued again" in out.getvalue()


@task()
def explode() -> None:
    raise ValueError("boom")


def test_a_task_that_raises_is_logged_for_operators(caplog: pytest.LogCaptureFixture) -> None:
    explode.enqueue()
    assert "event=task.failed task=kyoso.core.tests.test_mail.explode" in caplog.text
    assert "error=builtins.ValueError" in caplog.text
