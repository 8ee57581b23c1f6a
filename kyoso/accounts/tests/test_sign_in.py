"""Sign-in with an e-mail link (the default) or a password, and sign-out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from kyoso.accounts.forms import INVALID_SIGN_IN
from kyoso.accounts.models import EmailLink, LinkPurpose, MemberSession
from kyoso.accounts.views.sign_in import LINK_SENT
from kyoso.testing.auth import link_path_from_mail
from kyoso.testing.client import ClientResponse
from kyoso.testing.factories import DEFAULT_PASSWORD, make_member

pytestmark = pytest.mark.django_db

SIGN_IN = "/accounts/sign-in/"
REQUEST_LINK = "/accounts/sign-in/link/"


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def request_link(
    client: Client, django_capture_on_commit_callbacks: Callable
) -> Callable[[str], ClientResponse]:
    def request(email: str) -> ClientResponse:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(REQUEST_LINK, {"email": email}, follow=True)

    return request


def sign_in(client: Client, email: str, password: str) -> ClientResponse:
    return client.post(SIGN_IN, {"username": email, "password": password})


def test_sign_in_page_offers_an_email_link_first_and_a_password_under_its_own_heading(client: Client) -> None:
    body = client.get(SIGN_IN).content.decode()
    assert "<h1" in body and "サインイン" in body
    assert body.index("メールでサインインリンクを受け取る") < body.index("パスワードでサインイン")
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


def test_a_full_width_spelling_of_the_address_signs_in_and_gets_the_link(
    client: Client, request_link: Callable
) -> None:
    # A Japanese input method left in full-width mode types ｈａｎａｋｏ＠… and 。 for the dots.
    make_member(email="hanako@city.kurume.lg.jp", password=DEFAULT_PASSWORD)
    assert sign_in(client, "ｈａｎａｋｏ@ＣＩＴＹ.kurume。lg.jp", DEFAULT_PASSWORD).status_code == 302
    client.post("/accounts/sign-out/")
    request_link("ｈａｎａｋｏ@city.kurume.lg.jp")
    assert [message.to for message in mail.outbox] == [["hanako@city.kurume.lg.jp"]]


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


# --- e-mail link ------------------------------------------------------------------------------------


def test_member_signs_in_with_the_link_from_the_email_once(client: Client, request_link: Callable) -> None:
    member = make_member(email="hanako@city.kurume.lg.jp")
    response = request_link("hanako@city.kurume.lg.jp")
    assert str(LINK_SENT) in response.content.decode()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hanako@city.kurume.lg.jp"]
    path = link_path_from_mail(mail.outbox[0].body)

    confirm = client.get(path)
    assert confirm.status_code == 200
    assert "_auth_user_id" not in client.session  # opening the link (a mail scanner) signs nobody in

    response = client.post(path)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)
    assert MemberSession.objects.filter(member=member, session_key=client.session.session_key).exists()

    other = Client()
    reused = other.post(path)
    assert reused.status_code == 400
    assert "すでに使われています" in reused.content.decode()
    assert "_auth_user_id" not in other.session


def test_sign_in_link_lasts_thirty_minutes(client: Client, request_link: Callable) -> None:
    make_member(email="hanako@city.kurume.lg.jp")
    request_link("hanako@city.kurume.lg.jp")
    link = EmailLink.objects.get(purpose=LinkPurpose.SIGN_IN)
    assert link.expires_at - link.created_at == timedelta(minutes=30)


def test_expired_link_is_refused(client: Client, request_link: Callable) -> None:
    make_member(email="hanako@city.kurume.lg.jp")
    request_link("hanako@city.kurume.lg.jp")
    path = link_path_from_mail(mail.outbox[0].body)
    EmailLink.objects.update(expires_at=EmailLink.objects.get().created_at)
    response = client.post(path)
    assert response.status_code == 400
    assert "有効期限が切れています" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_unknown_link_is_refused(client: Client) -> None:
    assert client.get("/accounts/sign-in/link/not-a-token/").status_code == 400


def test_link_request_answers_the_same_for_an_unknown_address_and_sends_nothing(
    client: Client, request_link: Callable
) -> None:
    make_member(email="hanako@city.kurume.lg.jp")
    known = request_link("hanako@city.kurume.lg.jp")
    unknown = request_link("nobody@city.kurume.lg.jp")
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    assert str(LINK_SENT) in unknown.content.decode()
    assert [m.to for m in mail.outbox] == [["hanako@city.kurume.lg.jp"]]


@pytest.mark.parametrize("status", ["suspended", "pending", "deactivated"])
def test_member_who_is_not_active_gets_no_link(request_link: Callable, status: str) -> None:
    make_member(email="taro@city.example.lg.jp", status=status)
    response = request_link("taro@city.example.lg.jp")
    assert str(LINK_SENT) in response.content.decode()
    assert mail.outbox == []


def test_link_of_a_member_suspended_after_it_was_sent_does_not_sign_in(
    client: Client, request_link: Callable
) -> None:
    member = make_member(email="hanako@city.kurume.lg.jp")
    request_link("hanako@city.kurume.lg.jp")
    member.status = "suspended"
    member.save()
    response = client.post(link_path_from_mail(mail.outbox[0].body))
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_link_requests_are_limited_per_address_whether_or_not_it_is_registered(
    request_link: Callable, settings: object
) -> None:
    settings.KYOSO_LINK_REQUESTS_PER_HOUR = 2  # type: ignore[attr-defined]
    make_member(email="hanako@city.kurume.lg.jp")
    for email in ("hanako@city.kurume.lg.jp", "nobody@city.kurume.lg.jp"):
        for _ in range(2):
            assert str(LINK_SENT) in request_link(email).content.decode()
        refused = request_link(email).content.decode()
        assert "しばらく待ってから" in refused
    assert len(mail.outbox) == 2


def test_full_width_spellings_of_an_address_share_its_budget(
    request_link: Callable, settings: object
) -> None:
    settings.KYOSO_LINK_REQUESTS_PER_HOUR = 1  # type: ignore[attr-defined]
    make_member(email="hanako@city.kurume.lg.jp")
    request_link("hanako@city.kurume.lg.jp")
    assert "しばらく待ってから" in request_link("ＨＡＮＡＫＯ@city.kurume.lg.jp").content.decode()
    assert len(mail.outbox) == 1


def test_link_requests_are_limited_per_client_address(request_link: Callable, settings: object) -> None:
    settings.KYOSO_LINK_REQUESTS_PER_HOUR = 1  # type: ignore[attr-defined]
    # Ten times one address's budget from one client, spread over many addresses, then no more.
    for n in range(10):
        assert str(LINK_SENT) in request_link(f"person{n}@city.example.lg.jp").content.decode()
    assert "しばらく待ってから" in request_link("person99@city.example.lg.jp").content.decode()


def test_link_request_with_an_invalid_address_shows_the_error(client: Client) -> None:
    response = client.post(REQUEST_LINK, {"email": "not-an-address"})
    assert response.status_code == 400
    assert "メールアドレスの形式で入力してください" in response.content.decode()


def test_link_email_is_in_japanese(request_link: Callable) -> None:
    make_member(email="hanako@city.kurume.lg.jp", display_name="久留米 花子")
    request_link("hanako@city.kurume.lg.jp")
    message = mail.outbox[0]
    assert "サインイン" in message.subject
    assert "久留米 花子 さん" in message.body
    assert "30 分" in message.body


def test_sign_out_removes_the_listed_session(client: Client) -> None:
    member = make_member(password=DEFAULT_PASSWORD)
    sign_in(client, member.email, DEFAULT_PASSWORD)
    assert MemberSession.objects.filter(member=member).count() == 1
    client.post("/accounts/sign-out/")
    assert MemberSession.objects.filter(member=member).count() == 0


def test_sign_in_timing_does_not_store_anything_for_unknown_addresses(request_link: Callable) -> None:
    with mock.patch("kyoso.accounts.actions.security.render_email") as render:
        request_link("nobody@city.example.lg.jp")
    render.assert_called_once()  # the same rendering work as for a real member
    assert EmailLink.objects.count() == 0
