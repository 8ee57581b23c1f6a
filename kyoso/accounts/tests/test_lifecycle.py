"""The yearly reconfirmation (年次の再確認) and inactivity, with a frozen clock."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from kyoso.accounts.actions import note_sign_in, reconfirm_membership, request_reactivation_link
from kyoso.accounts.actions.lifecycle import (
    Outcome,
    deactivate_inactive_members,
    months_before,
    start_reconfirmation_round,
    suspend_unconfirmed_members,
    warn_inactive_members,
)
from kyoso.accounts.errors import ReactivationRefused
from kyoso.accounts.models import EmailLink, Member, MemberStatus, Role, StatusCause
from kyoso.accounts.tests.lifecycle_support import link_path, mails_to, token_of, tokyo
from kyoso.moderation.models import AuditEntry
from kyoso.testing.factories import make_channel, make_member, make_message

pytestmark = pytest.mark.django_db

APRIL_FIRST = tokyo(2027, 4, 1, 9)
HANAKO = "hanako@city.kurume.fukuoka.jp"


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Callable) -> Callable:
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def hanako() -> Member:
    return make_member(email=HANAKO, display_name="はなこ", date_joined=tokyo(2026, 12, 1))


def without_csrf(page: str) -> str:
    return re.sub(r'value="[A-Za-z0-9]{64}"', "", page)


def run_round(on_commit: Callable, now: datetime = APRIL_FIRST, **options: bool) -> list[Outcome]:
    with on_commit():
        return start_reconfirmation_round(now=now, **options)


# ---- The yearly round ---------------------------------------------------------------------------


def test_round_on_april_first_asks_every_active_member_once(hanako: Member, on_commit: Callable) -> None:
    operator = make_member(role=Role.OPERATOR, date_joined=tokyo(2026, 12, 1))
    advisor = make_member(role=Role.ADVISOR, date_joined=tokyo(2026, 12, 1))
    make_member(status=MemberStatus.PENDING)
    make_member(status=MemberStatus.SUSPENDED)

    asked = run_round(on_commit)

    assert {outcome.member_id for outcome in asked} == {hanako.pk, operator.pk, advisor.pk}
    assert len(mail.outbox) == 3
    hanako.refresh_from_db()
    assert hanako.reconfirmation_requested_at == APRIL_FIRST
    assert "/accounts/reconfirm/" in link_path(mails_to(HANAKO)[0])
    assert "2027-05-01" in mails_to(HANAKO)[0].body  # the deadline: 30 days on


def test_running_the_round_twice_on_the_same_day_sends_nothing_twice(
    hanako: Member, on_commit: Callable
) -> None:
    run_round(on_commit)
    again = run_round(on_commit, now=APRIL_FIRST + timedelta(hours=8))
    assert again == []
    assert len(mail.outbox) == 1


def test_round_waits_for_the_configured_day_in_tokyo_time(hanako: Member, on_commit: Callable) -> None:
    # 2027-03-31 23:30 UTC is already 04-01 in Tokyo; 03-31 14:00 UTC is still 03-31 there.
    assert run_round(on_commit, now=tokyo(2027, 3, 31, 23, 0)) == []
    assert len(run_round(on_commit, now=tokyo(2027, 4, 1, 0, 30))) == 1


@override_settings(KYOSO_RECONFIRM_MONTH_DAY=(10, 1))
def test_round_day_is_configurable(hanako: Member, on_commit: Callable) -> None:
    assert run_round(on_commit) == []
    assert len(run_round(on_commit, now=tokyo(2027, 10, 1))) == 1


def test_force_starts_the_round_on_another_day(hanako: Member, on_commit: Callable) -> None:
    assert len(run_round(on_commit, now=tokyo(2027, 6, 3), force=True)) == 1


def test_dry_run_of_the_round_changes_nothing(hanako: Member, on_commit: Callable) -> None:
    assert len(run_round(on_commit, dry_run=True)) == 1
    hanako.refresh_from_db()
    assert hanako.reconfirmation_requested_at is None
    assert mail.outbox == []


def test_member_who_reconfirms_by_link_is_no_longer_pending(
    client: Client, hanako: Member, on_commit: Callable
) -> None:
    run_round(on_commit)
    path = link_path(mails_to(HANAKO)[0])

    page = client.get(path)
    assert page.status_code == 200
    assert HANAKO in page.content.decode()
    response = client.post(path)

    assert response.status_code == 200
    hanako.refresh_from_db()
    assert hanako.reconfirmation_requested_at is None
    assert hanako.email_verified_at is not None
    # Answered: the member is not suspended after the grace period.
    assert suspend_unconfirmed_members(now=APRIL_FIRST + timedelta(days=31)) == []


def test_round_link_works_for_the_whole_grace_period(hanako: Member, on_commit: Callable) -> None:
    run_round(on_commit)
    token = token_of(link_path(mails_to(HANAKO)[0]))
    link = EmailLink.objects.get(member=hanako)
    assert link.expires_at - link.created_at == timedelta(days=30)
    reconfirm_membership(token=token)


# ---- Suspension and coming back ----------------------------------------------------------------


def test_member_who_does_not_reconfirm_is_suspended_after_thirty_days(
    hanako: Member, on_commit: Callable
) -> None:
    run_round(on_commit)
    with on_commit():
        assert suspend_unconfirmed_members(now=APRIL_FIRST + timedelta(days=29)) == []
        suspended = suspend_unconfirmed_members(now=APRIL_FIRST + timedelta(days=30))

    assert [outcome.member_id for outcome in suspended] == [hanako.pk]
    hanako.refresh_from_db()
    assert hanako.status == MemberStatus.SUSPENDED
    assert hanako.status_cause == StatusCause.RECONFIRMATION
    assert "再確認" in hanako.status_reason
    assert not hanako.is_active
    assert len(mails_to(HANAKO)) == 2
    assert "一時停止" in mails_to(HANAKO)[-1].subject
    assert AuditEntry.objects.filter(action="member.suspended", target_id=str(hanako.pk)).count() == 1
    # Twice on the same day: nothing more.
    with on_commit():
        assert suspend_unconfirmed_members(now=APRIL_FIRST + timedelta(days=30, hours=1)) == []
    assert len(mails_to(HANAKO)) == 2


def test_suspended_member_comes_back_by_asking_for_a_link_and_opening_it(
    client: Client, hanako: Member, on_commit: Callable
) -> None:
    run_round(on_commit)
    suspend_unconfirmed_members(now=APRIL_FIRST + timedelta(days=30))
    mail.outbox.clear()

    with on_commit():
        response = client.post("/accounts/reactivate/", {"email": HANAKO})
    assert response.status_code == 200
    path = link_path(mails_to(HANAKO)[0])
    client.post(path)

    hanako.refresh_from_db()
    assert hanako.status == MemberStatus.ACTIVE
    assert (hanako.status_cause, hanako.status_reason, hanako.reconfirmation_requested_at) == ("", "", None)
    assert AuditEntry.objects.filter(action="member.reactivated").count() == 1


def test_the_old_round_link_also_brings_a_suspended_member_back(hanako: Member, on_commit: Callable) -> None:
    run_round(on_commit)
    token = token_of(link_path(mails_to(HANAKO)[0]))
    suspend_unconfirmed_members(now=APRIL_FIRST + timedelta(days=30))

    reconfirm_membership(token=token)

    hanako.refresh_from_db()
    assert hanako.status == MemberStatus.ACTIVE


def test_member_suspended_by_moderation_is_not_reactivated_by_the_link(
    client: Client, hanako: Member, on_commit: Callable
) -> None:
    run_round(on_commit)
    token = token_of(link_path(mails_to(HANAKO)[0]))
    Member.objects.filter(pk=hanako.pk).update(
        status=MemberStatus.SUSPENDED, status_cause=StatusCause.MODERATION, status_reason="行動規範違反"
    )

    with pytest.raises(ReactivationRefused):
        reconfirm_membership(token=token)
    response = client.post(f"/accounts/reconfirm/{token}/")

    assert response.status_code == 400
    assert "運営にお問い合わせください" in response.content.decode()
    hanako.refresh_from_db()
    assert hanako.status == MemberStatus.SUSPENDED
    assert hanako.status_reason == "行動規範違反"


@pytest.mark.parametrize("cause", [StatusCause.MODERATION, ""])
def test_reactivation_page_sends_nothing_to_members_suspended_for_other_reasons(
    client: Client, cause: str, on_commit: Callable
) -> None:
    make_member(email=HANAKO, status=MemberStatus.SUSPENDED, status_cause=cause)
    with on_commit():
        client.post("/accounts/reactivate/", {"email": HANAKO})
    assert mail.outbox == []


def test_reactivation_page_answers_the_same_for_any_address(client: Client, on_commit: Callable) -> None:
    make_member(email=HANAKO, status=MemberStatus.SUSPENDED, status_cause=StatusCause.RECONFIRMATION)
    with on_commit():
        known = client.post("/accounts/reactivate/", {"email": HANAKO}).content.decode()
        unknown = client.post(
            "/accounts/reactivate/", {"email": "nobody@city.kurume.fukuoka.jp"}
        ).content.decode()
    assert without_csrf(known).replace(HANAKO, "X") == without_csrf(unknown).replace(
        "nobody@city.kurume.fukuoka.jp", "X"
    )
    assert len(mail.outbox) == 1


def test_reactivation_requests_are_rate_limited(client: Client, settings: object) -> None:
    settings.KYOSO_LINK_REQUESTS_PER_HOUR = 2  # type: ignore[attr-defined]
    for _ in range(2):
        client.post("/accounts/reactivate/", {"email": "limited@city.kurume.fukuoka.jp"})
    body = client.post("/accounts/reactivate/", {"email": "limited@city.kurume.fukuoka.jp"}).content.decode()
    assert "しばらく待ってから" in body


def test_reactivation_link_for_an_active_member_is_just_a_reconfirmation(
    hanako: Member, on_commit: Callable
) -> None:
    with on_commit():
        request_reactivation_link(email=HANAKO)
    assert mail.outbox == []  # not asked, nothing to answer
    run_round(on_commit)
    with on_commit():
        request_reactivation_link(email=HANAKO)
    assert len(mails_to(HANAKO)) == 2


# ---- Inactivity ---------------------------------------------------------------------------------


def test_months_before_keeps_the_day_or_takes_the_last_of_a_shorter_month() -> None:
    assert months_before(tokyo(2027, 4, 1), 12) == tokyo(2026, 4, 1)
    assert months_before(tokyo(2027, 3, 31), 1) == tokyo(2027, 2, 28)
    assert months_before(tokyo(2027, 1, 15), 13) == tokyo(2025, 12, 15)


def test_member_not_seen_for_twelve_months_is_warned_then_deactivated(on_commit: Callable) -> None:
    idle = make_member(email=HANAKO, date_joined=tokyo(2025, 1, 1), last_login=tokyo(2026, 3, 1))
    channel = make_channel("窓口業務", creator=idle)
    message = make_message(channel, idle, "以前の投稿")
    make_member(date_joined=tokyo(2025, 1, 1), last_login=tokyo(2026, 12, 1))  # seen recently

    with on_commit():
        assert warn_inactive_members(now=tokyo(2027, 2, 28)) == []
        warned = warn_inactive_members(now=tokyo(2027, 3, 1))
        assert warn_inactive_members(now=tokyo(2027, 3, 1, 18)) == []
    assert [outcome.member_id for outcome in warned] == [idle.pk]
    assert len(mails_to(HANAKO)) == 1
    idle.refresh_from_db()
    assert idle.inactivity_warned_at == tokyo(2027, 3, 1)

    with on_commit():
        assert deactivate_inactive_members(now=tokyo(2027, 3, 30)) == []
        gone = deactivate_inactive_members(now=tokyo(2027, 3, 31))
    assert [outcome.member_id for outcome in gone] == [idle.pk]
    idle.refresh_from_db()
    assert idle.status == MemberStatus.DEACTIVATED
    assert idle.status_cause == StatusCause.INACTIVITY
    assert len(mails_to(HANAKO)) == 2
    # Data kept, the post stays attributed.
    message.refresh_from_db()
    assert message.author_id == idle.pk
    assert AuditEntry.objects.filter(action="member.deactivated").count() == 1


def test_member_who_never_signed_in_counts_from_joining(on_commit: Callable) -> None:
    never = make_member(date_joined=tokyo(2026, 3, 1))
    assert [o.member_id for o in warn_inactive_members(now=tokyo(2027, 3, 1), dry_run=True)] == [never.pk]


def test_signing_in_after_the_warning_clears_it(on_commit: Callable) -> None:
    idle = make_member(date_joined=tokyo(2025, 1, 1), last_login=tokyo(2026, 3, 1))
    warn_inactive_members(now=tokyo(2027, 3, 1))
    idle.refresh_from_db()

    note_sign_in(idle)

    idle.refresh_from_db()
    assert idle.inactivity_warned_at is None
    assert deactivate_inactive_members(now=tokyo(2027, 4, 15)) == []


def test_a_sign_in_after_the_warning_keeps_the_member_even_without_the_hook(on_commit: Callable) -> None:
    idle = make_member(date_joined=tokyo(2025, 1, 1), last_login=tokyo(2026, 3, 1))
    warn_inactive_members(now=tokyo(2027, 3, 1))
    Member.objects.filter(pk=idle.pk).update(last_login=tokyo(2027, 3, 10))

    outcomes = deactivate_inactive_members(now=tokyo(2027, 4, 15))

    assert [outcome.action for outcome in outcomes] == ["inactivity_warning_cleared"]
    idle.refresh_from_db()
    assert idle.status == MemberStatus.ACTIVE
    assert idle.inactivity_warned_at is None


def test_member_who_stays_signed_in_and_uses_kyoso_every_day_is_not_inactive(client: Client) -> None:
    # A session is renewed as it is used, so a daily member may not sign in again for a year.
    long_ago = months_before(timezone.now(), 13)
    member = make_member(email=HANAKO, date_joined=long_ago)
    client.force_login(member)
    Member.objects.filter(pk=member.pk).update(last_login=long_ago, inactivity_warned_at=long_ago)

    assert client.get("/").status_code == 200

    member.refresh_from_db()
    assert member.inactivity_warned_at is None
    assert warn_inactive_members(now=timezone.now()) == []


def test_deactivated_member_comes_back_by_verifying_and_is_not_warned_again_at_once(
    on_commit: Callable,
) -> None:
    idle = make_member(email=HANAKO, date_joined=tokyo(2025, 1, 1), last_login=tokyo(2026, 3, 1))
    warn_inactive_members(now=tokyo(2027, 3, 1))
    deactivate_inactive_members(now=tokyo(2027, 3, 31))

    with on_commit():
        request_reactivation_link(email=HANAKO)
    reconfirm_membership(token=token_of(link_path(mails_to(HANAKO)[-1])), now=tokyo(2027, 4, 2))

    idle.refresh_from_db()
    assert idle.status == MemberStatus.ACTIVE
    assert idle.inactivity_warned_at is None
    assert warn_inactive_members(now=tokyo(2027, 4, 3)) == []
