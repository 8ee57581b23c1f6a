"""Password failures slow an attacker down without letting a stranger lock a member out.

Failures count per (address, source) strictly, per client address broadly and per address from every
source at a much higher level that holds back only unknown sources; unknown addresses are counted
and refused the same way (kyoso.accounts.actions.lockout).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client

from kyoso.accounts.actions.lockout import DEVICE_COOKIE
from kyoso.accounts.errors import SignInLocked
from kyoso.testing.auth import link_path_from_mail
from kyoso.testing.client import ClientResponse
from kyoso.testing.factories import DEFAULT_PASSWORD, make_member

pytestmark = pytest.mark.django_db

SIGN_IN = "/accounts/sign-in/"
LOCKED = str(SignInLocked.message)
HANAKO = "hanako@city.kurume.lg.jp"


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings: object) -> Iterator[None]:
    settings.KYOSO_SIGN_IN_MAX_FAILURES = 3  # type: ignore[attr-defined]
    settings.KYOSO_SIGN_IN_LOCKOUT_MINUTES = 15  # type: ignore[attr-defined]
    settings.KYOSO_SIGN_IN_FAILURES_PER_IP = 30  # type: ignore[attr-defined]
    settings.KYOSO_SIGN_IN_FAILURES_PER_ADDRESS = 30  # type: ignore[attr-defined]
    cache.clear()
    yield
    cache.clear()


def attempt(client: Client, email: str, password: str, ip: str = "192.0.2.10") -> ClientResponse:
    return client.post(SIGN_IN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def errors(response: object) -> list[str]:
    return response.context["form"].errors.get("__all__", [])  # type: ignore[attr-defined]


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_address_is_locked_from_that_client_after_max_failures_even_with_the_right_password(
    client: Client,
) -> None:
    make_member(email=HANAKO, password=DEFAULT_PASSWORD)
    for _ in range(3):
        assert LOCKED not in errors(attempt(client, HANAKO, "wrong-password"))
    locked = attempt(client, HANAKO, DEFAULT_PASSWORD)
    assert errors(locked) == [LOCKED]
    assert not signed_in(client)


def test_a_stranger_failing_fifty_times_elsewhere_does_not_stop_the_member(settings: object) -> None:
    settings.KYOSO_SIGN_IN_FAILURES_PER_ADDRESS = 50  # type: ignore[attr-defined]
    make_member(email=HANAKO, password=DEFAULT_PASSWORD)
    stranger = Client()
    for _ in range(50):
        attempt(stranger, HANAKO, "guess", ip="203.0.113.66")
    assert errors(attempt(stranger, HANAKO, DEFAULT_PASSWORD, ip="203.0.113.66")) == [LOCKED]

    member = Client()
    response = attempt(member, HANAKO, DEFAULT_PASSWORD, ip="192.0.2.10")
    assert response.status_code == 302 and signed_in(member)


def test_spelling_the_address_another_way_does_not_escape_the_lockout(client: Client) -> None:
    make_member(email=HANAKO, password=DEFAULT_PASSWORD)
    for spelling in (HANAKO, " Hanako@City.Kurume.LG.JP ", "ｈａｎａｋｏ@city.kurume。lg.jp"):
        attempt(client, spelling, "wrong-password")
    assert errors(attempt(client, "ＨＡＮＡＫＯ@CITY.kurume.lg.jp", DEFAULT_PASSWORD)) == [LOCKED]
    assert not signed_in(client)


def test_unknown_address_locks_with_the_same_message(client: Client) -> None:
    make_member(email=HANAKO, password=DEFAULT_PASSWORD)
    for email in (HANAKO, "nobody@city.kurume.lg.jp"):
        for _ in range(3):
            attempt(client, email, "wrong-password")
    known = attempt(client, HANAKO, "wrong-password")
    unknown = attempt(client, "nobody@city.kurume.lg.jp", "wrong-password")
    assert errors(known) == errors(unknown) == [LOCKED]
    assert "このメールアドレスでのサインインを一時的に止めています" in LOCKED


def test_lockout_is_released_as_the_failures_leave_the_sliding_window(client: Client) -> None:
    make_member(email=HANAKO, password=DEFAULT_PASSWORD)
    start = time.time()
    for offset in (0, 60, 120):
        with mock.patch("kyoso.core.ratelimit.time.time", return_value=start + offset):
            attempt(client, HANAKO, "wrong-password")
    # Counted back from now: fifteen minutes after the first failure, the other two still count.
    with mock.patch("kyoso.core.ratelimit.time.time", return_value=start + 15 * 60 - 1):
        assert errors(attempt(client, HANAKO, DEFAULT_PASSWORD)) == [LOCKED]
    with mock.patch("kyoso.core.ratelimit.time.time", return_value=start + 15 * 60 + 1):
        response = attempt(client, HANAKO, DEFAULT_PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_signing_in_forgives_the_failures_of_that_client(client: Client) -> None:
    make_member(email=HANAKO, password=DEFAULT_PASSWORD)
    for _ in range(2):
        attempt(client, HANAKO, "wrong-password")
    assert attempt(client, HANAKO, DEFAULT_PASSWORD).status_code == 302
    client.post("/accounts/sign-out/")
    for _ in range(2):
        attempt(client, HANAKO, "wrong-password")
    assert attempt(client, HANAKO, DEFAULT_PASSWORD).status_code == 302


def test_lockout_of_one_address_leaves_others_alone(client: Client) -> None:
    make_member(email="taro@city.kurume.lg.jp", password=DEFAULT_PASSWORD)
    for _ in range(4):
        attempt(client, HANAKO, "wrong-password")
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


def test_guessing_spread_over_many_clients_holds_back_unknown_clients_but_not_the_members_browser(
    settings: object,
) -> None:
    settings.KYOSO_SIGN_IN_FAILURES_PER_ADDRESS = 6  # type: ignore[attr-defined]
    make_member(email=HANAKO, password=DEFAULT_PASSWORD)
    own_browser = Client()
    assert attempt(own_browser, HANAKO, DEFAULT_PASSWORD, ip="192.0.2.10").status_code == 302
    assert own_browser.cookies[DEVICE_COOKIE].value
    own_browser.post("/accounts/sign-out/")

    for n in range(3):  # a botnet: three failures from each of three client addresses
        for _ in range(3):
            attempt(Client(), HANAKO, "guess", ip=f"203.0.113.{n + 1}")
    # A client that never signed in as hanako is held back, from any address: the same words as for
    # an address nobody has.
    fresh = attempt(Client(), HANAKO, DEFAULT_PASSWORD, ip="198.51.100.50")
    assert errors(fresh) == [LOCKED]
    # Her own browser is not, even from a new address; nor is a mistake of hers counted with theirs.
    assert LOCKED not in errors(attempt(own_browser, HANAKO, "typo", ip="198.51.100.51"))
    assert attempt(own_browser, HANAKO, DEFAULT_PASSWORD, ip="198.51.100.51").status_code == 302


def test_a_colleague_behind_the_same_office_address_does_not_lock_the_members_browser() -> None:
    make_member(email=HANAKO, password=DEFAULT_PASSWORD)
    own_browser = Client()
    attempt(own_browser, HANAKO, DEFAULT_PASSWORD, ip="192.0.2.10")
    own_browser.post("/accounts/sign-out/")
    colleague = Client()
    for _ in range(3):
        attempt(colleague, HANAKO, "guess", ip="192.0.2.10")
    assert errors(attempt(colleague, HANAKO, DEFAULT_PASSWORD, ip="192.0.2.10")) == [LOCKED]
    assert attempt(own_browser, HANAKO, DEFAULT_PASSWORD, ip="192.0.2.10").status_code == 302


def test_a_device_cookie_of_another_member_or_a_forged_one_counts_as_an_unknown_client() -> None:
    make_member(email=HANAKO, password=DEFAULT_PASSWORD)
    make_member(email="taro@city.kurume.lg.jp", password=DEFAULT_PASSWORD)
    taros_browser = Client()
    attempt(taros_browser, "taro@city.kurume.lg.jp", DEFAULT_PASSWORD)
    taros_browser.post("/accounts/sign-out/")
    for _ in range(3):
        attempt(taros_browser, HANAKO, "guess", ip="192.0.2.10")
    assert errors(attempt(Client(), HANAKO, DEFAULT_PASSWORD, ip="192.0.2.10")) == [LOCKED]

    forged = Client()
    forged.cookies[DEVICE_COOKIE] = "eyJkIjoieCIsImEiOiJ5In0:forged:signature"
    assert errors(attempt(forged, HANAKO, DEFAULT_PASSWORD, ip="192.0.2.10")) == [LOCKED]


def test_a_sign_in_link_always_works_while_the_address_is_held_back(
    settings: object, django_capture_on_commit_callbacks: Callable
) -> None:
    from django.core import mail

    settings.KYOSO_SIGN_IN_FAILURES_PER_ADDRESS = 3  # type: ignore[attr-defined]
    make_member(email=HANAKO, password=DEFAULT_PASSWORD)
    for n in range(3):
        attempt(Client(), HANAKO, "guess", ip=f"203.0.113.{n + 1}")
    member = Client()
    assert errors(attempt(member, HANAKO, DEFAULT_PASSWORD, ip="192.0.2.10")) == [LOCKED]

    with django_capture_on_commit_callbacks(execute=True):
        member.post("/accounts/sign-in/link/", {"email": HANAKO}, REMOTE_ADDR="192.0.2.10")
    response = member.post(link_path_from_mail(mail.outbox[-1].body), REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 302 and signed_in(member)
