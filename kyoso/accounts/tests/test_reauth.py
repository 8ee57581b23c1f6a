"""再認証: a borrowed unlocked browser is not enough to change the password, the address or two-factor.

The password form asks for the current password. Changing the address or two-factor needs a session
that proved its member within KYOSO_REAUTH_MINUTES; otherwise the member is asked again (password, code
or a fresh sign-in link) and brought back.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from unittest import mock

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from kyoso.accounts import totp
from kyoso.accounts.actions.security import REAUTHENTICATED_AT
from kyoso.accounts.errors import ReauthenticationFailed, SignInLocked
from kyoso.accounts.models import EmailLink, LinkPurpose, Member, RecoveryCode, Role, TOTPDevice
from kyoso.accounts.tests.lifecycle_support import Cities, mails_to, make_cities
from kyoso.accounts.tests.security_support import fresh_login, mark_recently_authenticated
from kyoso.accounts.tests.test_two_factor import enrol
from kyoso.testing.auth import link_path_from_mail, totp_code
from kyoso.testing.factories import DEFAULT_PASSWORD, make_member

pytestmark = pytest.mark.django_db

PASSWORD = "/accounts/security/password/"
REAUTH = "/accounts/security/confirm/"
CHANGE = "/accounts/profile/organization/"
ENROL = "/accounts/security/two-factor/"
DISABLE = "/accounts/security/two-factor/disable/"
RECOVERY = "/accounts/security/two-factor/recovery-codes/"
NEW_PASSWORD = "a-new-long-password-2026"
OLD_EMAIL = "hanako@city.kurume.fukuoka.jp"
NEW_EMAIL = "hanako@city.yame.fukuoka.jp"
STALE = 11 * 60  # past the default KYOSO_REAUTH_MINUTES of 10


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cities() -> Cities:
    return make_cities()


@pytest.fixture
def hanako(cities: Cities) -> Member:
    return make_member(cities.kurume, email=OLD_EMAIL, password=DEFAULT_PASSWORD)


def stale_login(client: Client, member: Member) -> None:
    """Signed in long ago, e.g. a browser left unlocked on a desk."""
    client.force_login(member)
    mark_recently_authenticated(client, seconds_ago=STALE)


def reauth_location(next_url: str) -> str:
    return f"{REAUTH}?next={next_url.replace('/', '%2F')}"


# ---- the password form ----------------------------------------------------------------------------


def test_password_change_without_the_current_password_is_refused(client: Client, hanako: Member) -> None:
    fresh_login(client, hanako)
    response = client.post(PASSWORD, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 200
    assert "現在のパスワードを入力してください" in response.content.decode()
    hanako.refresh_from_db()
    assert hanako.check_password(DEFAULT_PASSWORD)


def test_password_change_with_a_wrong_current_password_is_refused_and_counted(
    client: Client, hanako: Member, settings: object
) -> None:
    settings.KYOSO_SIGN_IN_MAX_FAILURES = 2  # type: ignore[attr-defined]
    fresh_login(client, hanako)
    for _ in range(2):
        wrong = client.post(
            PASSWORD, {"old_password": "guess", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )
        assert str(ReauthenticationFailed.message) in wrong.content.decode()
    locked = client.post(
        PASSWORD,
        {"old_password": DEFAULT_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert str(SignInLocked.message) in locked.content.decode()
    hanako.refresh_from_db()
    assert hanako.check_password(DEFAULT_PASSWORD)


def test_password_change_with_the_current_password_works_even_in_an_old_session(
    client: Client, hanako: Member
) -> None:
    stale_login(client, hanako)
    page = client.get(PASSWORD)
    assert page.status_code == 200 and 'autocomplete="current-password"' in page.content.decode()
    response = client.post(
        PASSWORD,
        {"old_password": DEFAULT_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    hanako.refresh_from_db()
    assert hanako.check_password(NEW_PASSWORD)


def test_a_member_without_a_password_sets_one_only_in_a_recent_session(client: Client) -> None:
    member = make_member()
    stale_login(client, member)
    response = client.post(PASSWORD, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reauth_location(PASSWORD)
    member.refresh_from_db()
    assert not member.has_usable_password()

    mark_recently_authenticated(client)
    page = client.get(PASSWORD).content.decode()
    assert "current-password" not in page  # nothing to give: the recent sign-in is the proof
    client.post(PASSWORD, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


def test_a_member_who_forgot_the_password_sets_a_new_one_after_opening_a_fresh_sign_in_link(
    client: Client, hanako: Member, django_capture_on_commit_callbacks: Callable
) -> None:
    stale_login(client, hanako)
    assert 'name="old_password"' in client.get(PASSWORD).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(REAUTH, {"send_link": "1", "next": PASSWORD})
    opened = client.post(link_path_from_mail(mails_to(OLD_EMAIL)[-1].body))
    assert opened["Location"] == PASSWORD
    assert 'name="old_password"' not in client.get(PASSWORD).content.decode()
    client.post(PASSWORD, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    hanako.refresh_from_db()
    assert hanako.check_password(NEW_PASSWORD)


def test_a_password_sign_in_does_not_waive_the_current_password(client: Client, hanako: Member) -> None:
    client.post("/accounts/sign-in/", {"username": OLD_EMAIL, "password": DEFAULT_PASSWORD})
    assert 'name="old_password"' in client.get(PASSWORD).content.decode()


# ---- the e-mail address and two-factor without a recent sign-in -------------------------------------


def test_email_change_in_an_old_session_is_refused_until_the_member_is_asked_again(
    client: Client, hanako: Member, cities: Cities
) -> None:
    stale_login(client, hanako)
    assert client.get(CHANGE)["Location"] == reauth_location(CHANGE)
    response = client.post(CHANGE, {"organization": "八女市", "email": NEW_EMAIL})
    assert response["Location"] == reauth_location(CHANGE)
    assert mail.outbox == []
    assert not EmailLink.objects.filter(purpose=LinkPurpose.CHANGE_EMAIL).exists()


def test_two_factor_changes_in_an_old_session_are_refused(client: Client, hanako: Member) -> None:
    fresh_login(client, hanako)
    enrol(client)
    mark_recently_authenticated(client, seconds_ago=STALE)
    before = set(RecoveryCode.objects.filter(member=hanako).values_list("digest", flat=True))

    assert client.post(DISABLE)["Location"] == reauth_location("/accounts/security/")
    assert client.post(RECOVERY)["Location"] == reauth_location("/accounts/security/")
    assert TOTPDevice.objects.filter(member=hanako).exists()
    assert set(RecoveryCode.objects.filter(member=hanako).values_list("digest", flat=True)) == before

    other = make_member()
    stale_login(client, other)
    assert client.get(ENROL)["Location"] == reauth_location(ENROL)
    assert client.post(ENROL, {"code": "123456"})["Location"] == reauth_location(ENROL)
    assert not TOTPDevice.objects.filter(member=other).exists()


def test_a_sign_in_is_recent_for_the_configured_minutes_only(
    client: Client, hanako: Member, settings: object
) -> None:
    settings.KYOSO_REAUTH_MINUTES = 5  # type: ignore[attr-defined]
    client.post("/accounts/sign-in/", {"username": OLD_EMAIL, "password": DEFAULT_PASSWORD})
    assert client.get(CHANGE).status_code == 200
    later = time.time() + 5 * 60 + 5
    with mock.patch("kyoso.accounts.actions.security.time.time", return_value=later):
        assert client.get(CHANGE)["Location"] == reauth_location(CHANGE)


# ---- asking again, end to end ---------------------------------------------------------------------------


def test_the_member_gives_the_password_again_and_comes_back_to_the_change(
    client: Client, hanako: Member, cities: Cities, django_capture_on_commit_callbacks: Callable
) -> None:
    stale_login(client, hanako)
    asked = client.get(CHANGE, follow=True)
    assert asked.redirect_chain[-1][0] == reauth_location(CHANGE)
    body = asked.content.decode()
    assert "本人確認" in body and "安全のため" in body and 'name="password"' in body

    wrong = client.post(REAUTH, {"password": "guess", "next": CHANGE})
    assert wrong.status_code == 200 and str(ReauthenticationFailed.message) in wrong.content.decode()
    assert client.get(CHANGE).status_code == 302

    response = client.post(REAUTH, {"password": DEFAULT_PASSWORD, "next": CHANGE})
    assert response["Location"] == CHANGE
    assert client.get(CHANGE).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CHANGE, {"organization": "八女市", "email": NEW_EMAIL})
    assert len(mails_to(NEW_EMAIL)) == 1


def test_the_member_gives_a_fresh_code_again_to_regenerate_recovery_codes(client: Client) -> None:
    member = make_member()  # signs in by link: no password, but two-factor
    fresh_login(client, member)
    secret, old_codes = enrol(client)
    mark_recently_authenticated(client, seconds_ago=STALE)
    assert client.post(RECOVERY)["Location"] == reauth_location("/accounts/security/")
    page = client.get(REAUTH, {"next": "/accounts/security/"}).content.decode()
    assert 'name="code"' in page and 'name="password"' not in page

    response = client.post(REAUTH, {"code": totp_code(secret), "next": "/accounts/security/"})
    assert response["Location"] == "/accounts/security/"
    regenerated = client.post(RECOVERY)
    new_codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", regenerated.content.decode())
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    digests = set(RecoveryCode.objects.filter(member=member).values_list("digest", flat=True))
    assert digests == {totp.recovery_digest(c) for c in new_codes}


def test_a_member_with_neither_password_nor_two_factor_is_asked_again_by_a_fresh_sign_in_link(
    client: Client, cities: Cities, django_capture_on_commit_callbacks: Callable
) -> None:
    member = make_member(cities.kurume, email=OLD_EMAIL)
    stale_login(client, member)
    page = client.get(CHANGE, follow=True).content.decode()
    assert "サインイン用のリンクを送る" in page and 'name="password"' not in page

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(REAUTH, {"send_link": "1", "next": CHANGE}, follow=True)
    assert "このブラウザで開いてください" in sent.content.decode()
    assert client.get(CHANGE).status_code == 302  # sending is not proof

    opened = client.post(link_path_from_mail(mails_to(OLD_EMAIL)[-1].body))
    assert opened["Location"] == CHANGE
    assert client.get(CHANGE).status_code == 200


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "inbox"])
def test_after_asking_again_a_next_that_is_no_local_path_leads_home(
    client: Client, hanako: Member, next_url: str
) -> None:
    stale_login(client, hanako)
    response = client.post(REAUTH, {"password": DEFAULT_PASSWORD, "next": next_url})
    assert response.status_code == 302 and response["Location"] == "/"
    assert isinstance(client.session[REAUTHENTICATED_AT], int)


def test_an_empty_answer_is_a_clear_error_not_a_server_error(client: Client, hanako: Member) -> None:
    stale_login(client, hanako)
    response = client.post(REAUTH, {"password": "", "next": CHANGE})
    assert response.status_code == 200
    assert "パスワードまたは確認コードを入力してください" in response.content.decode()


def test_an_operator_who_must_set_up_two_factor_in_an_old_session_is_asked_again_first(
    client: Client,
) -> None:
    operator = make_member(role=Role.OPERATOR, password=DEFAULT_PASSWORD)
    stale_login(client, operator)
    assert client.get("/channels/")["Location"] == ENROL
    assert client.get(ENROL)["Location"] == reauth_location(ENROL)
    assert client.get(reauth_location(ENROL)).status_code == 200  # not sent back to ENROL in a loop
    assert client.get("/channels/")["Location"] == ENROL  # the page opens nothing else
    assert client.post(REAUTH, {"password": DEFAULT_PASSWORD, "next": ENROL})["Location"] == ENROL
    assert client.get(ENROL).status_code == 200


# ---- ids in account URLs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/members/99999999999999999999999/",
        "/accounts/review/99999999999999999999999/approve/",
        "/accounts/security/sessions/99999999999999999999999/sign-out/",
    ],
)
def test_an_id_too_large_for_the_database_is_a_404_not_a_server_error(
    client: Client, hanako: Member, path: str
) -> None:
    fresh_login(client, hanako)
    assert client.post(path).status_code == 404
    assert client.get(path).status_code == 404


def test_an_operator_without_a_password_who_must_set_up_two_factor_is_asked_again_by_link(
    client: Client, django_capture_on_commit_callbacks: Callable
) -> None:
    operator = make_member(role=Role.OPERATOR, email="ops@city.kurume.fukuoka.jp")
    stale_login(client, operator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(REAUTH, {"send_link": "1", "next": ENROL})
    link = link_path_from_mail(mails_to(operator.email)[-1].body)
    assert client.get(link).status_code == 200  # the link's page opens, not the set-up page
    assert client.post(link)["Location"] == ENROL
    assert client.get(ENROL).status_code == 200
