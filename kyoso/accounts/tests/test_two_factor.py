"""Two-factor authentication (二段階認証): enrolment, the second step at sign-in, replay, recovery codes."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from kyoso.accounts import totp
from kyoso.accounts.actions.security import PENDING_TOTP_SECRET, SECOND_FACTOR_VERIFIED
from kyoso.accounts.models import Member, RecoveryCode, Role, TOTPDevice
from kyoso.accounts.tests.security_support import fresh_login
from kyoso.testing.auth import totp_code
from kyoso.testing.client import ClientResponse
from kyoso.testing.factories import DEFAULT_PASSWORD, make_member

pytestmark = pytest.mark.django_db

SIGN_IN = "/accounts/sign-in/"
ENROL = "/accounts/security/two-factor/"
VERIFY = "/accounts/security/two-factor/verify/"


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def password_sign_in(client: Client, member: Member) -> ClientResponse:
    return client.post(SIGN_IN, {"username": member.email, "password": DEFAULT_PASSWORD})


def enrol(client: Client) -> tuple[str, list[str]]:
    """Enrol with the secret the page shows; return it and the recovery codes shown once."""
    page = client.get(ENROL)
    secret = client.session[PENDING_TOTP_SECRET]
    body = page.content.decode()
    assert secret in body and "<svg" in body
    # The step the enrolment used is spent: later tests use the next step's code.
    response = client.post(ENROL, {"code": totp_code(secret, at=time.time() - 30)})
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", response.content.decode())
    return secret, codes


def enrolled_member(client: Client, **fields: Any) -> tuple[Member, str, list[str]]:
    member = make_member(password=DEFAULT_PASSWORD, **fields)
    fresh_login(client, member)
    secret, codes = enrol(client)
    client.post("/accounts/sign-out/")
    return member, secret, codes


def test_member_enrols_with_a_code_and_gets_ten_recovery_codes_stored_as_digests(client: Client) -> None:
    member = make_member()
    fresh_login(client, member)
    secret, codes = enrol(client)
    device = TOTPDevice.objects.get(member=member)
    assert device.confirmed_at is not None and device.secret == secret
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = set(RecoveryCode.objects.filter(member=member).values_list("digest", flat=True))
    assert stored == {totp.recovery_digest(c) for c in codes}
    assert not any(code in stored for code in codes)
    assert client.session[SECOND_FACTOR_VERIFIED] is True


def test_wrong_code_does_not_enrol(client: Client) -> None:
    member = make_member()
    fresh_login(client, member)
    client.get(ENROL)
    response = client.post(ENROL, {"code": "000000"})
    assert "確認コードが正しくない" in response.content.decode()
    assert not TOTPDevice.objects.filter(member=member).exists()


def test_enrolled_member_is_asked_for_the_code_after_the_password(client: Client) -> None:
    member, secret, _codes = enrolled_member(client)
    response = password_sign_in(client, member)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert client.get("/channels/")["Location"].startswith(VERIFY)  # nothing else until the code

    response = client.post(VERIFY, {"code": totp_code(secret), "next": "/channels/"})
    assert response.status_code == 302 and response["Location"] == "/channels/"
    assert client.get("/channels/").status_code == 200


def test_the_same_code_is_not_accepted_twice(client: Client) -> None:
    member, secret, _codes = enrolled_member(client)
    code = totp_code(secret)
    password_sign_in(client, member)
    assert client.post(VERIFY, {"code": code}).status_code == 302

    other = Client()
    password_sign_in(other, member)
    replay = other.post(VERIFY, {"code": code})
    assert replay.status_code == 200
    assert "すでに使われています" in replay.content.decode()
    assert not other.session.get(SECOND_FACTOR_VERIFIED)


def test_recovery_code_works_once(client: Client) -> None:
    member, _secret, codes = enrolled_member(client)
    password_sign_in(client, member)
    assert client.post(VERIFY, {"code": codes[0].upper()}).status_code == 302

    other = Client()
    password_sign_in(other, member)
    assert other.post(VERIFY, {"code": codes[0]}).status_code == 200
    assert not other.session.get(SECOND_FACTOR_VERIFIED)
    assert RecoveryCode.objects.filter(member=member, used_at__isnull=True).count() == 9


def test_too_many_wrong_codes_lock_the_second_step(client: Client, settings: object) -> None:
    settings.KYOSO_SIGN_IN_MAX_FAILURES = 2  # type: ignore[attr-defined]
    member, secret, _codes = enrolled_member(client)
    password_sign_in(client, member)
    for _ in range(2):
        client.post(VERIFY, {"code": "000000"})
    locked = client.post(VERIFY, {"code": totp_code(secret)})
    assert "一時的に止めています" in locked.content.decode()


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.MODERATOR])
def test_operator_and_moderator_must_enrol_before_anything_else(client: Client, role: str) -> None:
    member = make_member(password=DEFAULT_PASSWORD, role=role)
    response = password_sign_in(client, member)
    assert response["Location"] == ENROL
    for path in ("/", "/channels/", "/accounts/security/", "/admin/"):
        assert client.get(path)["Location"] == ENROL, path
    assert client.get(ENROL).status_code == 200
    assert client.get("/static/kyoso/css/base.css").status_code in {200, 404}  # not redirected
    assert client.post("/accounts/sign-out/").status_code == 302


def test_member_may_disable_two_factor_but_an_operator_may_not(client: Client) -> None:
    member = make_member()
    fresh_login(client, member)
    enrol(client)
    client.post("/accounts/security/two-factor/disable/")
    assert not TOTPDevice.objects.filter(member=member).exists()
    assert not RecoveryCode.objects.filter(member=member).exists()

    operator = make_member(role=Role.OPERATOR)
    other = Client()
    fresh_login(other, operator)
    enrol(other)
    response = other.post("/accounts/security/two-factor/disable/", follow=True)
    assert "二段階認証を止められません" in response.content.decode()
    assert TOTPDevice.objects.filter(member=operator).exists()


def test_regenerating_recovery_codes_replaces_the_old_ones(client: Client) -> None:
    member = make_member()
    fresh_login(client, member)
    _secret, old = enrol(client)
    response = client.post("/accounts/security/two-factor/recovery-codes/")
    new = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    digests = set(RecoveryCode.objects.filter(member=member).values_list("digest", flat=True))
    assert digests == {totp.recovery_digest(c) for c in new}


def test_codes_from_another_time_step_window_are_refused() -> None:
    secret = totp.new_secret()
    now = time.time()
    assert totp.matching_step(secret, totp_code(secret, at=now), after_step=0, at=now) is not None
    assert totp.matching_step(secret, totp_code(secret, at=now - 120), after_step=0, at=now) is None
    step = totp.matching_step(secret, totp_code(secret, at=now), after_step=0, at=now)
    assert step is not None
    assert totp.matching_step(secret, totp_code(secret, at=now), after_step=step, at=now) is None


def full_width(text: str) -> str:
    """What a Japanese input method left in full-width mode types: １２３４５６."""
    return text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789abcdef-"})


def test_full_width_codes_are_read_as_digits_not_a_server_error(client: Client) -> None:
    member, secret, codes = enrolled_member(client)
    password_sign_in(client, member)
    assert client.post(VERIFY, {"code": full_width("12345６")}).status_code == 200
    assert client.post(VERIFY, {"code": full_width(totp_code(secret))}).status_code == 302

    other = Client()
    password_sign_in(other, member)
    assert other.post(VERIFY, {"code": full_width(codes[0])}).status_code == 302


def test_enrolment_accepts_a_full_width_code(client: Client) -> None:
    member = make_member()
    fresh_login(client, member)
    client.get(ENROL)
    secret = client.session[PENDING_TOTP_SECRET]
    assert client.post(ENROL, {"code": "１２３４５"}).status_code == 200
    response = client.post(ENROL, {"code": full_width(totp_code(secret))})
    assert response.status_code == 200 and "<code>" in response.content.decode()
    assert TOTPDevice.objects.filter(member=member, confirmed_at__isnull=False).exists()


@pytest.mark.parametrize("next_url", ["inbox", "a\x00b", "https://evil.example/", "//evil.example/"])
def test_a_next_that_is_no_local_path_leads_home_after_the_code(client: Client, next_url: str) -> None:
    member, secret, _codes = enrolled_member(client)
    password_sign_in(client, member)
    response = client.post(VERIFY, {"code": totp_code(secret), "next": next_url})
    assert response.status_code == 302 and response["Location"] == "/"
    # Already verified: the page sends the member on, to the same safe place.
    assert client.get(VERIFY, {"next": next_url})["Location"] == "/"
