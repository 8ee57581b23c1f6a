"""``kyoso worker``: one pass runs every job that is due; passes repeat harmlessly."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from kyoso.accounts.models import Member, MemberStatus, Role
from kyoso.accounts.tests.lifecycle_support import tokyo
from kyoso.testing.factories import make_member

pytestmark = pytest.mark.django_db


def worker(*args: str) -> str:
    out = StringIO()
    call_command("worker", "--once", *args, stdout=out)
    return out.getvalue()


def test_worker_once_runs_reconfirmation_inactivity_and_ambassador_terms(
    django_capture_on_commit_callbacks: Callable,
) -> None:
    recent = make_member(email="recent@city.kurume.fukuoka.jp", date_joined=tokyo(2026, 1, 1))
    Member.objects.filter(pk=recent.pk).update(last_login=tokyo(2027, 3, 20))
    idle = make_member(email="idle@city.kurume.fukuoka.jp", date_joined=tokyo(2025, 1, 1))
    Member.objects.filter(pk=idle.pk).update(last_login=tokyo(2026, 2, 1))
    ambassador = make_member(
        role=Role.AMBASSADOR, ambassador_region="kanto", role_until=tokyo(2027, 3, 31).date()
    )
    Member.objects.filter(pk=ambassador.pk).update(last_login=tokyo(2027, 3, 1))

    with django_capture_on_commit_callbacks(execute=True):
        output = worker("--now", "2027-04-01T09:00+09:00")

    assert "reconfirm: 3 member(s)" in output
    assert f"warn\tinactivity_warned\t{idle.pk}" in output
    assert f"ambassadors\tambassador_term_ended\t{ambassador.pk}" in output
    assert "worker: stopped" in output
    recent.refresh_from_db()
    assert recent.reconfirmation_requested_at is not None
    assert recent.inactivity_warned_at is None  # signed in recently: not warned
    idle.refresh_from_db()
    assert idle.inactivity_warned_at is not None
    assert Member.objects.get(pk=ambassador.pk).role == Role.MEMBER
    sent = len(mail.outbox)
    assert sent == 4  # three reconfirmations, one inactivity warning

    with django_capture_on_commit_callbacks(execute=True):
        again = worker("--now", "2027-04-01T09:15+09:00")
    assert "reconfirm: 0 member(s)" in again
    assert len(mail.outbox) == sent


def test_worker_dry_run_changes_nothing() -> None:
    member = make_member(date_joined=tokyo(2025, 1, 1))
    output = worker("--now", "2027-04-01T09:00+09:00", "--dry-run")
    assert "would reconfirmation_requested" in output
    member.refresh_from_db()
    assert member.reconfirmation_requested_at is None
    assert member.status == MemberStatus.ACTIVE
