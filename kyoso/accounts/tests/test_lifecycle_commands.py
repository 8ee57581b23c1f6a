"""``kyoso accounts reconfirm|inactivity|ambassadors``: cron-friendly, with --now and --dry-run."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from kyoso.accounts.models import Member, MemberStatus
from kyoso.accounts.tests.lifecycle_support import tokyo
from kyoso.testing.factories import make_member

pytestmark = pytest.mark.django_db

HANAKO = "hanako@city.kurume.fukuoka.jp"


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Callable) -> Callable:
    return lambda: django_capture_on_commit_callbacks(execute=True)


def kyoso_accounts(*args: str) -> str:
    out = StringIO()
    call_command("accounts", *args, stdout=out)
    return out.getvalue()


def test_reconfirm_dry_run_prints_who_would_be_asked_and_changes_nothing(on_commit: Callable) -> None:
    member = make_member(email=HANAKO, date_joined=tokyo(2026, 1, 1))

    with on_commit():
        output = kyoso_accounts("reconfirm", "--now", "2027-04-01T09:00+09:00", "--dry-run")

    assert f"reconfirm\twould reconfirmation_requested\t{member.pk}\t{HANAKO}" in output
    assert "reconfirm: 1 member(s) (dry run: nothing changed)" in output
    member.refresh_from_db()
    assert member.reconfirmation_requested_at is None
    assert mail.outbox == []


def test_reconfirm_on_the_day_asks_and_thirty_days_later_suspends(on_commit: Callable) -> None:
    member = make_member(email=HANAKO, date_joined=tokyo(2026, 1, 1))

    with on_commit():
        first = kyoso_accounts("reconfirm", "--now", "2027-04-01T09:00+09:00")
        second = kyoso_accounts("reconfirm", "--now", "2027-04-01T15:00+09:00")
        later = kyoso_accounts("reconfirm", "--now", "2027-05-01T09:00+09:00")

    assert "reconfirm: 1 member(s)" in first
    assert "reconfirm: 0 member(s)" in second
    assert f"suspend\tsuspended_unconfirmed\t{member.pk}" in later
    assert "not the day of the yearly round" in later
    assert len(mail.outbox) == 2
    member.refresh_from_db()
    assert member.status == MemberStatus.SUSPENDED


def test_reconfirm_force_starts_the_round_on_another_day() -> None:
    make_member(email=HANAKO, date_joined=tokyo(2026, 1, 1))
    output = kyoso_accounts("reconfirm", "--force", "--now", "2027-06-10T09:00", "--dry-run")
    assert "reconfirm: 1 member(s)" in output


def test_inactivity_command_warns_then_deactivates() -> None:
    member = make_member(email=HANAKO, date_joined=tokyo(2025, 1, 1), last_login=tokyo(2026, 1, 5))
    assert "warn\tinactivity_warned" in kyoso_accounts("inactivity", "--now", "2027-02-01T09:00+09:00")
    assert "deactivate\tdeactivated_inactive" in kyoso_accounts(
        "inactivity", "--now", "2027-03-05T09:00+09:00"
    )
    assert Member.objects.get(pk=member.pk).status == MemberStatus.DEACTIVATED


def test_a_malformed_now_is_refused_with_an_example() -> None:
    with pytest.raises(CommandError, match="2027-04-01T09:00"):
        kyoso_accounts("inactivity", "--now", "next tuesday")
