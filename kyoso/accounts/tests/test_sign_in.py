"""Sign-in with e-mail and password, and sign-out."""

from __future__ import annotations

import pytest
from django.test import Client

from kyoso.accounts.forms import INVALID_SIGN_IN
from kyoso.testing.factories import DEFAULT_PASSWORD, make_member

pytestmark = pytest.mark.django_db

SIGN_IN = "/accounts/sign-in/"


def sign_in(client: Client, email: str, password: str) -> object:
    return client.post(SIGN_IN, {"username": email, "password": password})


def test_sign_in_page_is_a_japanese_email_and_password_form(client: Client) -> None:
    body = client.get(SIGN_IN).content.decode()
    assert "<h1" in body and "サインイン" in body
    assert "メールアドレス" in body
    assert "パスワード" in body
    assert 'type="email"' in body
    assert 'autocomplete="current-password"' in body
    assert "csrfmiddlewaretoken" in body


def test_member_signs_in_with_email_and_password_and_lands_home(client: Client) -> None:
    member = make_member(email="hanako@city.kurume.lg.jp", password=DEFAULT_PASSWORD)
    response = sign_in(client, "hanako@city.kurume.lg.jp", DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = client.get("/").content.decode()
    assert member.display_name in page
    assert "サインインしました。" in page


def test_email_is_matched_whatever_its_case(client: Client) -> None:
    make_member(email="hanako@city.kurume.lg.jp", password=DEFAULT_PASSWORD)
    response = sign_in(client, "Hanako@City.Kurume.LG.JP", DEFAULT_PASSWORD)
    assert response.status_code == 302


def test_wrong_password_shows_a_japanese_error_identical_for_an_unknown_email(client: Client) -> None:
    make_member(email="hanako@city.kurume.lg.jp", password=DEFAULT_PASSWORD)

    wrong_password = sign_in(client, "hanako@city.kurume.lg.jp", "not-the-password")
    unknown_email = sign_in(client, "nobody@city.kurume.lg.jp", "not-the-password")

    assert wrong_password.status_code == unknown_email.status_code == 200
    assert str(INVALID_SIGN_IN) in wrong_password.content.decode()
    assert wrong_password.context["form"].errors == unknown_email.context["form"].errors
    assert "メールアドレスまたはパスワードが正しくありません" in str(INVALID_SIGN_IN)


@pytest.mark.parametrize("status", ["suspended", "pending", "deactivated"])
def test_member_who_is_not_active_cannot_sign_in_and_is_told_nothing_more(
    client: Client, status: str
) -> None:
    make_member(email="taro@city.example.lg.jp", status=status, password=DEFAULT_PASSWORD)
    response = sign_in(client, "taro@city.example.lg.jp", DEFAULT_PASSWORD)
    assert response.status_code == 200
    assert response.context["form"].errors == {"__all__": [str(INVALID_SIGN_IN)]}
    assert "_auth_user_id" not in client.session


def test_error_message_is_tied_to_the_inputs_for_screen_readers(client: Client) -> None:
    body = sign_in(client, "nobody@city.example.lg.jp", "wrong-password").content.decode()
    assert 'role="alert"' in body
    assert 'aria-describedby="sign-in-error"' in body


def test_sign_out_is_a_post_that_ends_the_session(client: Client) -> None:
    client.force_login(make_member())
    assert client.get("/accounts/sign-out/").status_code == 405
    response = client.post("/accounts/sign-out/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert "サインアウトしました。" in client.get("/").content.decode()


def test_signed_in_member_visiting_sign_in_goes_home(client: Client) -> None:
    client.force_login(make_member())
    response = client.get(SIGN_IN)
    assert response.status_code == 302
    assert response["Location"] == "/"
