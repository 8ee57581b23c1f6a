"""Operator log lines (README, Logging): what happened, to which member id, by whom; never an address
or a secret."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from kyoso.accounts import actions
from kyoso.accounts.actions.roles import change_status
from kyoso.accounts.actions.security import PENDING_TOTP_SECRET, end_all_sessions
from kyoso.accounts.models import Application, Member, MemberSession, RecoveryCode, Role, TOTPDevice
from kyoso.accounts.tests.registration_support import Directory, last_mail_to, link_in, make_directory
from kyoso.accounts.tests.security_support import fresh_login
from kyoso.accounts.tests.test_review import in_review
from kyoso.core.logs import JSTFormatter
from kyoso.testing.auth import force_login_verified, totp_code
from kyoso.testing.factories import DEFAULT_PASSWORD, make_member

pytestmark = pytest.mark.django_db

SIGN_IN = "/accounts/sign-in/"
ENROL = "/accounts/security/two-factor/"
APPLICANT = "jiro@pref.fukuoka.lg.jp"


@pytest.fixture(autouse=True)
def fresh_budgets() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="kyoso")
    return caplog


@pytest.fixture
def captured(django_capture_on_commit_callbacks: Callable) -> Callable:
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def directory(db: None) -> Directory:
    return make_directory()


@pytest.fixture
def operator(directory: Directory) -> Member:
    return make_member(directory.fukuoka, email="unei@pref.fukuoka.lg.jp", role=Role.OPERATOR)


def events(caplog: pytest.LogCaptureFixture, name: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "kyoso.accounts" and r.getMessage().startswith(f"event={name} ")
    ]


def assert_no_address_or_secret(caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    text = caplog.text
    assert "@" not in text, text
    for secret in secrets:
        assert secret not in text


def test_an_approval_is_logged_with_ids_and_the_organisation_code(
    log: pytest.LogCaptureFixture, directory: Directory, operator: Member, captured: Callable
) -> None:
    application = in_review(directory, captured)
    log.clear()
    with captured():
        member = actions.approve_application(operator=operator, application=application)
    assert events(log, "member.approved") == [
        f"event=member.approved member={member.pk} application={application.pk} "
        f"organization=402036 actor={operator.pk}"
    ]
    assert_no_address_or_secret(log, APPLICANT)


def test_a_rejection_is_logged_without_its_free_text_reason(
    log: pytest.LogCaptureFixture, directory: Directory, operator: Member, captured: Callable
) -> None:
    application = in_review(directory, captured)
    log.clear()
    with captured():
        actions.reject_application(
            operator=operator, application=application, reason="筑後 次郎さんの所属が確認できません"
        )
    assert events(log, "application.rejected") == [
        f"event=application.rejected application={application.pk} organization=402036 actor={operator.pk}"
    ]
    assert "筑後" not in log.text
    assert_no_address_or_secret(log, APPLICANT)
    assert Application.objects.get(pk=application.pk).status == "rejected"


def test_a_domain_match_admission_is_logged(
    log: pytest.LogCaptureFixture, directory: Directory, captured: Callable
) -> None:
    # An address on the chosen organisation's own domain is admitted without review.
    with captured():
        actions.apply_for_membership(
            email="hanako@city.kurume.fukuoka.jp",
            full_name="久留米 花子",
            display_name="はなこ",
            department="市民課",
            organization=directory.kurume,
            client_ip="192.0.2.1",
            language="ja",
        )
    token = link_in(last_mail_to("hanako@city.kurume.fukuoka.jp")).rstrip("/").rsplit("/", 1)[-1]
    with captured():
        application = actions.verify_application(token=token)
    assert application.member is not None
    assert events(log, "member.admitted") == [
        f"event=member.admitted member={application.member.pk} application={application.pk} "
        "organization=402036 eligibility=domain_match"
    ]
    assert_no_address_or_secret(log, token)


def test_a_lock_out_is_logged_once_with_the_member_id_not_the_address(
    log: pytest.LogCaptureFixture, client: Client, settings: object
) -> None:
    settings.KYOSO_SIGN_IN_MAX_FAILURES = 3  # type: ignore[attr-defined]
    member = make_member(email="hanako@city.kurume.lg.jp", password=DEFAULT_PASSWORD)
    for _ in range(5):
        client.post(
            SIGN_IN, {"username": member.email, "password": "wrong-password"}, REMOTE_ADDR="192.0.2.10"
        )
    locked = events(log, "sign_in.locked")
    assert locked == [f"event=sign_in.locked member={member.pk} ip=192.0.2.10 failures=3 minutes=15"]
    assert [r.levelname for r in log.records if "sign_in.locked" in r.getMessage()] == ["WARNING"]

    # An address nobody has is locked the same way; the log says so without the address.
    for _ in range(3):
        client.post(
            SIGN_IN, {"username": "nobody@city.kurume.lg.jp", "password": "x"}, REMOTE_ADDR="192.0.2.11"
        )
    assert events(log, "sign_in.locked")[1:] == [
        "event=sign_in.locked member=unknown ip=192.0.2.11 failures=3 minutes=15"
    ]
    assert_no_address_or_secret(log, "wrong-password", DEFAULT_PASSWORD)


def enrol(client: Client) -> str:
    client.get(ENROL)
    secret = client.session[PENDING_TOTP_SECRET]
    client.post(ENROL, {"code": totp_code(secret, at=time.time() - 30)})
    return secret


def test_two_factor_reset_by_the_member_is_logged_without_the_secret(
    log: pytest.LogCaptureFixture, client: Client
) -> None:
    member = make_member()
    fresh_login(client, member)
    secret = enrol(client)
    assert events(log, "two_factor.enabled") == [f"event=two_factor.enabled member={member.pk}"]
    client.post("/accounts/security/two-factor/disable/")
    assert not TOTPDevice.objects.filter(member=member).exists()
    assert events(log, "two_factor.reset") == [
        f"event=two_factor.reset member={member.pk} actor={member.pk} by=self"
    ]
    assert_no_address_or_secret(log, secret)


def test_two_factor_reset_by_an_operator_in_the_admin_is_logged(
    log: pytest.LogCaptureFixture, client: Client
) -> None:
    member = make_member()
    device = TOTPDevice.objects.create(member=member, secret="JBSWY3DPEHPK3PXP", last_used_step=1)
    RecoveryCode.objects.create(member=member, digest="0" * 64)
    operator = make_member(role=Role.OPERATOR, email="ops@digital.go.jp")
    force_login_verified(client, operator)
    delete = reverse("admin:accounts_totpdevice_delete", args=[device.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(member=member).exists()
    assert not RecoveryCode.objects.filter(member=member).exists()
    assert events(log, "two_factor.reset") == [
        f"event=two_factor.reset member={member.pk} actor={operator.pk} by=operator"
    ]
    assert_no_address_or_secret(log, "JBSWY3DPEHPK3PXP")


def test_role_and_status_changes_and_revoked_sessions_are_logged(log: pytest.LogCaptureFixture) -> None:
    operator = make_member(role=Role.OPERATOR)
    member = make_member()
    actions.set_role(operator, member, Role.MODERATOR)
    change_status(operator, member, "suspended", reason="規約違反の疑い")
    MemberSession.objects.create(member=member, session_key="k" * 32)
    end_all_sessions(member=member)
    assert events(log, "member.role_changed") == [
        f"event=member.role_changed member={member.pk} actor={operator.pk} before=member after=moderator "
        "region=- until=-"
    ]
    assert events(log, "member.status_changed") == [
        f"event=member.status_changed member={member.pk} actor={operator.pk} before=active "
        "after=suspended cause=moderation"
    ]
    assert events(log, "sessions.revoked") == [f"event=sessions.revoked member={member.pk} scope=all count=1"]
    assert "規約違反" not in log.text
    assert_no_address_or_secret(log, "k" * 32)


def test_the_log_format_is_iso_time_in_japan_level_logger_and_message() -> None:
    record = logging.LogRecord(
        "kyoso.accounts", logging.INFO, __file__, 1, "event=member.approved member=5 actor=1", None, None
    )
    record.created = datetime(2025, 12, 4, 0, 55, 2, tzinfo=UTC).timestamp()
    line = JSTFormatter().format(record)
    assert line == "2025-12-04T09:55:02+09:00 INFO kyoso.accounts event=member.approved member=5 actor=1"
    config = django_settings.LOGGING
    assert config["formatters"]["kyoso"]["()"] == "kyoso.core.logs.JSTFormatter"
    assert config["loggers"]["kyoso"]["level"] == django_settings.KYOSO_LOG_LEVEL
    handler = next(h for h in logging.getLogger("kyoso").handlers if isinstance(h, logging.StreamHandler))
    assert isinstance(handler.formatter, JSTFormatter)
    assert "stream" not in config["handlers"]["console"]  # a StreamHandler's default: stderr
