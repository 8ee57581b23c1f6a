"""Wrong two-factor codes count per (member, source): nobody else can lock an operator out of their own
second factor, and past the member-wide budget a recovery code or the member's own browser still works."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client

from kyoso.accounts.errors import RecoveryCodeRequired
from kyoso.accounts.models import Member, Role
from kyoso.accounts.tests.test_two_factor import enrolled_member
from kyoso.testing.auth import totp_code
from kyoso.testing.client import ClientResponse
from kyoso.testing.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

SIGN_IN = "/accounts/sign-in/"
VERIFY = "/accounts/security/two-factor/verify/"


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings: object) -> Iterator[None]:
    settings.KYOSO_SIGN_IN_MAX_FAILURES = 2  # type: ignore[attr-defined]
    settings.KYOSO_SIGN_IN_FAILURES_PER_ADDRESS = 4  # type: ignore[attr-defined]
    cache.clear()
    yield
    cache.clear()


def password_step(client: Client, member: Member, ip: str) -> None:
    response = client.post(SIGN_IN, {"username": member.email, "password": DEFAULT_PASSWORD}, REMOTE_ADDR=ip)
    assert response["Location"].startswith(VERIFY)


def code_step(client: Client, code: str, ip: str) -> ClientResponse:
    return client.post(VERIFY, {"code": code, "next": "/channels/"}, REMOTE_ADDR=ip)


def test_wrong_codes_from_one_client_do_not_lock_the_operator_out_from_another(client: Client) -> None:
    operator, secret, _codes = enrolled_member(client, role=Role.OPERATOR)
    intruder = Client()  # knows the password, not the code
    password_step(intruder, operator, "203.0.113.66")
    for _ in range(2):
        code_step(intruder, "000000", "203.0.113.66")
    locked = code_step(intruder, totp_code(secret), "203.0.113.66")
    assert "一時的に止めています" in locked.content.decode()

    own = Client()
    password_step(own, operator, "192.0.2.10")
    assert code_step(own, totp_code(secret), "192.0.2.10")["Location"] == "/channels/"


def test_past_the_member_wide_budget_a_recovery_code_or_the_members_own_browser_still_works(
    client: Client,
) -> None:
    operator, secret, codes = enrolled_member(client, role=Role.OPERATOR)
    own = Client()
    password_step(own, operator, "192.0.2.10")
    assert code_step(own, totp_code(secret), "192.0.2.10").status_code == 302  # now a known browser
    own.post("/accounts/sign-out/")

    for n in range(2):  # two failures from each of two clients: the member-wide budget of four
        intruder = Client()
        password_step(intruder, operator, f"203.0.113.{n + 1}")
        for _ in range(2):
            code_step(intruder, "000000", f"203.0.113.{n + 1}")

    new_pc = Client()
    password_step(new_pc, operator, "198.51.100.5")
    refused = code_step(new_pc, totp_code(secret, at=time.time() + 30), "198.51.100.5")
    assert refused.status_code == 200 and str(RecoveryCodeRequired.message) in refused.content.decode()
    assert code_step(new_pc, codes[0], "198.51.100.5")["Location"] == "/channels/"

    password_step(own, operator, "198.51.100.6")
    assert code_step(own, totp_code(secret, at=time.time() + 30), "198.51.100.6")["Location"] == "/channels/"
