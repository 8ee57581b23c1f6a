"""Password failures lock an address for a while, the same way whether or not it is registered."""

from __future__ import annotations

import time
from collections.abc import Iterator
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client

from kyoso.accounts.errors import SignInLocked
from kyoso.testing.client import ClientResponse
from kyoso.testing.factories import DEFAULT_PASSWORD, make_member

pytestmark = pytest.mark.django_db

SIGN_IN = "/accounts/sign-in/"
LOCKED = str(SignInLocked.message)


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings: object) -> Iterator[None]:
    settings.KYOSO_SIGN_IN_MAX_FAILURES = 3  # type: ignore[attr-defined]
    settings.KYOSO_SIGN_IN_LOCKOUT_MINUTES = 15  # type: ignore[attr-defined]
    cache.clear()
    yield
    cache.clear()


def attempt(client: Client, email: str, password: str, ip: str = "192.0.2.10") -> ClientResponse:
    return client.post(SIGN_IN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def errors(response: object) -> list[str]:
    return response.context["form"].errors.get("__all__", [])  # type: ignore[attr-defined]


def test_address_is_locked_after_max_failures_even_with_the_right_password(client: Client) -> None:
    make_member(email="hanako@city.kurume.lg.jp", password=DEFAULT_PASSWORD)
    for _ in range(3):
        assert LOCKED not in errors(attempt(client, "hanako@city.kurume.lg.jp", "wrong-password"))
    locked = attempt(client, "hanako@city.kurume.lg.jp", DEFAULT_PASSWORD)
    assert errors(locked) == [LOCKED]
    assert "_auth_user_id" not in client.session


def test_spelling_the_address_another_way_does_not_escape_the_lockout(client: Client) -> None:
    make_member(email="hanako@city.kurume.lg.jp", password=DEFAULT_PASSWORD)
    for spelling in (
        "hanako@city.kurume.lg.jp",
        " Hanako@City.Kurume.LG.JP ",
        "ｈａｎａｋｏ@city.kurume。lg.jp",
    ):
        attempt(client, spelling, "wrong-password")
    assert errors(attempt(client, "ＨＡＮＡＫＯ@CITY.kurume.lg.jp", DEFAULT_PASSWORD)) == [LOCKED]
    assert "_auth_user_id" not in client.session


def test_unknown_address_locks_with_the_same_message(client: Client) -> None:
    make_member(email="hanako@city.kurume.lg.jp", password=DEFAULT_PASSWORD)
    for email in ("hanako@city.kurume.lg.jp", "nobody@city.kurume.lg.jp"):
        for _ in range(3):
            attempt(client, email, "wrong-password")
    known = attempt(client, "hanako@city.kurume.lg.jp", "wrong-password")
    unknown = attempt(client, "nobody@city.kurume.lg.jp", "wrong-password")
    assert errors(known) == errors(unknown) == [LOCKED]
    assert "このメールアドレスでのサインインを一時的に止めています" in LOCKED


def test_lockout_is_released_after_the_window(client: Client) -> None:
    make_member(email="hanako@city.kurume.lg.jp", password=DEFAULT_PASSWORD)
    for _ in range(3):
        attempt(client, "hanako@city.kurume.lg.jp", "wrong-password")
    assert errors(attempt(client, "hanako@city.kurume.lg.jp", DEFAULT_PASSWORD)) == [LOCKED]

    later = time.time() + 15 * 60 + 1
    with mock.patch("kyoso.core.ratelimit.time.time", return_value=later):
        response = attempt(client, "hanako@city.kurume.lg.jp", DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_lockout_of_one_address_leaves_others_alone(client: Client) -> None:
    make_member(email="taro@city.kurume.lg.jp", password=DEFAULT_PASSWORD)
    for _ in range(4):
        attempt(client, "hanako@city.kurume.lg.jp", "wrong-password")
    assert attempt(client, "taro@city.kurume.lg.jp", DEFAULT_PASSWORD).status_code == 302


def test_one_client_trying_many_addresses_runs_out_of_its_own_budget(
    client: Client, settings: object
) -> None:
    settings.KYOSO_SIGN_IN_FAILURES_PER_IP = 5  # type: ignore[attr-defined]
    make_member(email="taro@city.kurume.lg.jp", password=DEFAULT_PASSWORD)
    for n in range(5):
        attempt(client, f"person{n}@city.kurume.lg.jp", "wrong-password", ip="198.51.100.7")
    refused = attempt(client, "taro@city.kurume.lg.jp", DEFAULT_PASSWORD, ip="198.51.100.7")
    assert refused.status_code == 200
    assert "しばらく待ってから" in errors(refused)[0]
    # Another office is not affected.
    assert attempt(client, "taro@city.kurume.lg.jp", DEFAULT_PASSWORD, ip="203.0.113.9").status_code == 302
