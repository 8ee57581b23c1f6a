"""サインイン中の端末: each signed-in browser is listed, and can be signed out from another."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from kyoso.accounts.models import Member, MemberSession
from kyoso.accounts.tests.security_support import fresh_login
from kyoso.testing.factories import DEFAULT_PASSWORD, make_member

pytestmark = pytest.mark.django_db

SECURITY = "/accounts/security/"


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def sign_in(member: Member, user_agent: str, ip: str) -> Client:
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    response = client.post("/accounts/sign-in/", {"username": member.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    return client


def test_sign_in_lists_the_session_with_its_browser_and_address() -> None:
    member = make_member(password=DEFAULT_PASSWORD)
    office = sign_in(member, "Mozilla/5.0 (Windows NT 10.0) Edge/120", "192.0.2.1")
    session = MemberSession.objects.get(member=member)
    assert session.session_key == office.session.session_key
    assert session.ip_address == "192.0.2.1"
    assert "Edge/120" in session.user_agent


def test_security_page_lists_my_sessions_and_marks_this_one() -> None:
    member = make_member(password=DEFAULT_PASSWORD)
    office = sign_in(member, "Office PC Edge", "192.0.2.1")
    sign_in(member, "Phone Safari", "198.51.100.2")
    make_member(password=DEFAULT_PASSWORD)  # someone else's sessions are not listed
    body = office.get(SECURITY).content.decode()
    assert "Office PC Edge" in body and "Phone Safari" in body
    assert body.count("この端末") >= 1
    assert body.count('class="card"') == 2


def test_signing_out_the_others_ends_their_sessions_at_once() -> None:
    member = make_member(password=DEFAULT_PASSWORD)
    office = sign_in(member, "Office PC", "192.0.2.1")
    phone = sign_in(member, "Phone", "198.51.100.2")
    assert phone.get("/channels/").status_code == 200

    office.post("/accounts/security/sessions/sign-out-others/")

    assert phone.get("/channels/").status_code == 302  # back to the sign-in page
    assert "_auth_user_id" not in phone.session
    assert office.get("/channels/").status_code == 200
    assert list(MemberSession.objects.values_list("session_key", flat=True)) == [office.session.session_key]


def test_signing_out_one_other_session() -> None:
    member = make_member(password=DEFAULT_PASSWORD)
    office = sign_in(member, "Office PC", "192.0.2.1")
    phone = sign_in(member, "Phone", "198.51.100.2")
    tablet = sign_in(member, "Tablet", "198.51.100.3")
    phone_session = MemberSession.objects.get(user_agent="Phone")
    office.post(f"/accounts/security/sessions/{phone_session.pk}/sign-out/")
    assert phone.get("/channels/").status_code == 302
    assert tablet.get("/channels/").status_code == 200


def test_a_member_cannot_sign_out_someone_elses_session() -> None:
    hanako = make_member(password=DEFAULT_PASSWORD)
    taro = make_member(password=DEFAULT_PASSWORD)
    hanako_client = sign_in(hanako, "Hanako", "192.0.2.1")
    taro_client = sign_in(taro, "Taro", "192.0.2.2")
    taro_session = MemberSession.objects.get(member=taro)
    hanako_client.post(f"/accounts/security/sessions/{taro_session.pk}/sign-out/")
    assert taro_client.get("/channels/").status_code == 200


def test_last_seen_is_written_at_most_once_a_minute() -> None:
    member = make_member(password=DEFAULT_PASSWORD)
    client = sign_in(member, "Office PC", "192.0.2.1")
    long_ago = timezone.now() - timedelta(hours=1)
    MemberSession.objects.update(last_seen_at=long_ago)
    client.get("/")
    assert MemberSession.objects.get().last_seen_at == long_ago  # signed in seconds ago

    with mock.patch("kyoso.accounts.actions.security.time.time", return_value=time.time() + 61):
        client.get("/")
    assert MemberSession.objects.get().last_seen_at > long_ago


def test_changing_the_password_keeps_this_session_and_ends_the_others() -> None:
    member = make_member(password=DEFAULT_PASSWORD)
    office = sign_in(member, "Office PC", "192.0.2.1")
    phone = sign_in(member, "Phone", "198.51.100.2")
    response = office.post(
        "/accounts/security/password/",
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": "a-new-long-password-2026",
            "new_password2": "a-new-long-password-2026",
        },
    )
    assert response.status_code == 302
    assert office.get("/channels/").status_code == 200
    assert phone.get("/channels/").status_code == 302
    assert list(MemberSession.objects.values_list("session_key", flat=True)) == [office.session.session_key]


def test_password_page_applies_djangos_validators(client: Client) -> None:
    member = make_member()
    fresh_login(client, member)
    response = client.post(
        "/accounts/security/password/", {"new_password1": "short", "new_password2": "short"}
    )
    assert response.status_code == 200
    member.refresh_from_db()
    assert not member.has_usable_password()


def test_password_page_needs_a_signed_in_member(client: Client) -> None:
    assert client.get("/accounts/security/password/")["Location"].startswith("/accounts/sign-in/")
