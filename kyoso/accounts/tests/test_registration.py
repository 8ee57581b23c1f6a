"""参加登録: the form, the verification link, eligibility, enumeration and rate limits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from kyoso.accounts.models import (
    Application,
    ApplicationStatus,
    Eligibility,
    EmailLink,
    LinkPurpose,
    Member,
    MemberStatus,
)
from kyoso.accounts.tests.registration_support import (
    Directory,
    last_mail_to,
    link_in,
    make_directory,
    registration_data,
    submit_registration,
)
from kyoso.chat.models import ChannelMembership
from kyoso.testing.factories import make_member

pytestmark = pytest.mark.django_db

REGISTER = "/accounts/register/"
SENT = "/accounts/register/sent/"


@pytest.fixture(autouse=True)
def fresh_budgets() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def directory() -> Directory:
    return make_directory()


@pytest.fixture
def apply(client: Client, django_capture_on_commit_callbacks: Callable) -> Callable[..., object]:
    def post(directory: Directory, **overrides: object) -> object:
        with django_capture_on_commit_callbacks(execute=True):
            return submit_registration(client, registration_data(directory, **overrides))

    return post


@pytest.fixture
def verify(client: Client, django_capture_on_commit_callbacks: Callable) -> Callable[[str], object]:
    """Open the link in the last mail to an address and press the button, as an applicant does."""

    def open_link(address: str) -> object:
        path = link_in(last_mail_to(address))
        assert client.get(path).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path)

    return open_link


def test_registration_page_shows_the_terms_in_full_with_a_consent_box(
    client: Client, directory: Directory
) -> None:
    data = registration_data(directory)
    client.post(REGISTER, data)
    channels = client.get(f"{REGISTER}?step=2").content.decode()
    assert "窓口DX" in channels and "九州・沖縄" in channels  # theme and region channels to choose
    assert "はじめまして" not in channels  # default channels are joined anyway
    client.post(f"{REGISTER}?step=2", data)
    body = client.get(f"{REGISTER}?step=3").content.decode()
    assert "参加登録" in body
    for rule in (
        "投稿は個人の見解です",
        "返信を相手への否定から始めないでください",
        "ダイレクトメッセージではなくチャンネルで",
        "誰もが対等な一人の参加者です",
        "コミュニティの外に転載しないでください",
        "住民の個人情報は投稿しないでください",
    ):
        assert rule in body
    assert 'name="consent"' in body
    assert "csrfmiddlewaretoken" in body


def test_applicant_with_a_matching_city_address_becomes_an_active_member_and_lands_home(
    client: Client, directory: Directory, apply: Callable, verify: Callable
) -> None:
    response = apply(directory)
    assert response.status_code == 302 and response["Location"] == SENT
    assert "確認メールを送りました" in client.get(SENT).content.decode()
    assert not Member.objects.filter(email="hanako@city.kurume.fukuoka.jp").exists()
    message = last_mail_to("hanako@city.kurume.fukuoka.jp")
    assert "メールアドレスを確認してください" in message.subject

    response = verify("hanako@city.kurume.fukuoka.jp")

    assert response.status_code == 302 and response["Location"] == "/"
    member = Member.objects.get(email="hanako@city.kurume.fukuoka.jp")
    assert member.status == MemberStatus.ACTIVE
    assert member.organization == directory.kurume
    assert member.department == "市民課" and member.title == "主任"
    assert member.email_verified_at is not None
    joined = set(ChannelMembership.objects.filter(member=member).values_list("channel_id", flat=True))
    assert joined == {directory.default_channel.pk, directory.theme_channel.pk}
    application = Application.objects.get(email=member.email)
    assert application.status == ApplicationStatus.APPROVED
    assert application.eligibility == Eligibility.DOMAIN_MATCH
    assert application.member == member
    home = client.get("/").content.decode()
    assert "ようこそ、はなこさん" in home


def test_a_subdomain_of_the_city_domain_matches_too(
    directory: Directory, apply: Callable, verify: Callable
) -> None:
    apply(directory, email="taro@kankyo.city.kurume.fukuoka.jp")
    verify("taro@kankyo.city.kurume.fukuoka.jp")
    assert Member.objects.get(email="taro@kankyo.city.kurume.fukuoka.jp").status == MemberStatus.ACTIVE


def test_a_mismatched_lg_jp_address_waits_for_review_and_names_whose_domain_it_is(
    directory: Directory, apply: Callable, verify: Callable
) -> None:
    apply(directory, email="jiro@pref.fukuoka.lg.jp")
    response = verify("jiro@pref.fukuoka.lg.jp")

    assert response.status_code == 200
    body = response.content.decode()
    assert "運営の確認をお待ちください" in body and "3営業日" in body
    assert not Member.objects.filter(email="jiro@pref.fukuoka.lg.jp").exists()
    application = Application.objects.get(email="jiro@pref.fukuoka.lg.jp")
    assert application.status == ApplicationStatus.IN_REVIEW
    assert application.eligibility == Eligibility.GOVERNMENT_MISMATCH
    assert "福岡県" in application.eligibility_detail
    assert application.email_verified_at is not None
    assert "運営の確認待ち" in last_mail_to("jiro@pref.fukuoka.lg.jp").subject


def test_an_lg_jp_address_of_no_known_organisation_waits_for_review(
    directory: Directory, apply: Callable, verify: Callable
) -> None:
    apply(directory, email="saburo@town.unknown.lg.jp")
    verify("saburo@town.unknown.lg.jp")
    application = Application.objects.get(email="saburo@town.unknown.lg.jp")
    assert application.eligibility == Eligibility.GOVERNMENT_MISMATCH
    assert "どの団体のドメインでもありません" in application.eligibility_detail


def test_a_personal_address_waits_for_review_with_the_reason_shown(
    directory: Directory, apply: Callable, verify: Callable
) -> None:
    apply(directory, email="hanako.kurume@gmail.com")
    body = verify("hanako.kurume@gmail.com").content.decode()
    assert "行政機関のドメインではない" in body
    assert "lg.jp・go.jp" in body
    application = Application.objects.get(email="hanako.kurume@gmail.com")
    assert application.status == ApplicationStatus.IN_REVIEW
    assert application.eligibility == Eligibility.OTHER_DOMAIN
    assert "gmail.com" in application.eligibility_detail


def test_staff_of_another_public_body_register_with_its_name_and_wait_for_review(
    directory: Directory, apply: Callable, verify: Callable
) -> None:
    response = apply(
        directory,
        email="shiro@kurume-kouiki.example.jp",
        organization="",
        organization_code="",
        organization_kind="other_body",
        other_body_name="久留米広域市町村圏事務組合",
        other_body_prefecture=str(directory.fukuoka.pk),
    )
    assert response.status_code == 302
    verify("shiro@kurume-kouiki.example.jp")
    application = Application.objects.get(email="shiro@kurume-kouiki.example.jp")
    assert application.organization is None
    assert application.other_body_name == "久留米広域市町村圏事務組合"
    assert application.other_body_prefecture == directory.fukuoka
    assert application.eligibility == Eligibility.OTHER_PUBLIC_BODY
    assert application.status == ApplicationStatus.IN_REVIEW


def test_other_public_body_needs_a_name_and_prefecture(
    client: Client, directory: Directory, apply: Callable
) -> None:
    response = apply(directory, organization="", organization_code="", organization_kind="other_body")
    assert response.status_code == 200
    body = response.content.decode()
    # Each beside its own input.
    assert 'id="id_other_body_name-error">一部事務組合・広域連合などの団体名を入力してください。' in body
    assert 'id="id_other_body_prefecture-error">団体の所在都道府県を選んでください。' in body
    assert not Application.objects.exists()


def test_operators_can_require_approval_for_everyone(
    settings: object, directory: Directory, apply: Callable, verify: Callable
) -> None:
    settings.KYOSO_REQUIRE_APPROVAL = True  # type: ignore[attr-defined]
    apply(directory)
    verify("hanako@city.kurume.fukuoka.jp")
    application = Application.objects.get()
    assert application.status == ApplicationStatus.IN_REVIEW
    assert application.eligibility == Eligibility.MANUAL_APPROVAL
    assert not Member.objects.exists()


def test_a_code_with_a_wrong_check_digit_gets_a_clear_error_and_nothing_is_saved(
    directory: Directory, apply: Callable
) -> None:
    response = apply(directory, organization="402037", organization_code="")
    assert response.status_code == 200
    body = response.content.decode()
    assert "チェックディジット" in body
    assert 'id="id_organization-error"' in body
    assert not Application.objects.exists()
    assert not mail.outbox


def test_without_javascript_a_typed_name_or_code_is_resolved(directory: Directory, apply: Callable) -> None:
    apply(directory, organization="久留米市", organization_code="")
    apply(directory, email="b@city.kurume.fukuoka.jp", organization="４０２０３６", organization_code="")
    assert [a.organization for a in Application.objects.all()] == [directory.kurume, directory.kurume]


def test_an_unknown_organisation_name_is_an_error(directory: Directory, apply: Callable) -> None:
    response = apply(directory, organization="存在しない村", organization_code="")
    assert "見つかりません" in response.content.decode()
    assert not Application.objects.exists()


def test_consent_to_the_terms_is_required(directory: Directory, apply: Callable) -> None:
    response = apply(directory, consent=None)
    assert "同意が必要です" in response.content.decode()
    assert not Application.objects.exists()


def test_the_department_is_required(directory: Directory, apply: Callable) -> None:
    response = apply(directory, department="")
    assert "部署名を入力してください" in response.content.decode()
    assert not Application.objects.exists()


# ---- The link ------------------------------------------------------------------------------------


def test_an_expired_link_is_refused(client: Client, directory: Directory, apply: Callable) -> None:
    apply(directory)
    EmailLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    path = link_in(last_mail_to("hanako@city.kurume.fukuoka.jp"))
    response = client.post(path)
    assert response.status_code == 400
    assert "有効期限が切れています" in response.content.decode()
    assert not Member.objects.exists()


def test_a_link_works_once(client: Client, directory: Directory, apply: Callable, verify: Callable) -> None:
    apply(directory)
    verify("hanako@city.kurume.fukuoka.jp")
    client.logout()
    response = client.post(link_in(last_mail_to("hanako@city.kurume.fukuoka.jp")))
    assert response.status_code == 400
    assert "すでに使われています" in response.content.decode()
    assert Member.objects.count() == 1


def test_opening_the_link_only_shows_a_button(client: Client, directory: Directory, apply: Callable) -> None:
    # Mail scanners open links; only pressing the button uses it up.
    apply(directory)
    path = link_in(last_mail_to("hanako@city.kurume.fukuoka.jp"))
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 200
    assert not Member.objects.exists()
    assert EmailLink.objects.get().used_at is None


def test_a_made_up_link_is_refused(client: Client, directory: Directory) -> None:
    response = client.post("/accounts/register/verify/not-a-token/")
    assert response.status_code == 400
    assert "無効です" in response.content.decode()


def test_the_link_is_valid_for_the_configured_hours_and_stores_only_a_digest(
    directory: Directory, apply: Callable
) -> None:
    apply(directory)
    link = EmailLink.objects.get()
    assert link.purpose == LinkPurpose.VERIFY_APPLICATION
    assert timedelta(hours=23, minutes=59) < link.expires_at - link.created_at <= timedelta(hours=24)
    token = link_in(last_mail_to("hanako@city.kurume.fukuoka.jp")).rstrip("/").rsplit("/", 1)[-1]
    assert token not in link.digest


# ---- No enumeration, rate limits, language ------------------------------------------------------


def test_registration_does_not_reveal_that_an_address_has_an_account(
    client: Client, directory: Directory, apply: Callable
) -> None:
    make_member(directory.kurume, email="member@city.kurume.fukuoka.jp")
    existing = apply(directory, email="member@city.kurume.fukuoka.jp")
    new = apply(directory, email="newcomer@city.kurume.fukuoka.jp")

    assert (existing.status_code, existing["Location"]) == (new.status_code, new["Location"]) == (302, SENT)
    # The mails differ: the member is told to sign in, and nothing is created for them.
    assert "参加登録について" in last_mail_to("member@city.kurume.fukuoka.jp").subject
    assert "/accounts/sign-in/" in last_mail_to("member@city.kurume.fukuoka.jp").body
    assert "確認してください" in last_mail_to("newcomer@city.kurume.fukuoka.jp").subject
    assert list(Application.objects.values_list("email", flat=True)) == ["newcomer@city.kurume.fukuoka.jp"]


def test_registrations_are_rate_limited_per_client_address(
    settings: object, directory: Directory, apply: Callable
) -> None:
    settings.KYOSO_REGISTRATIONS_PER_HOUR = 2  # type: ignore[attr-defined]
    for n in range(2):
        assert apply(directory, email=f"staff{n}@city.kurume.fukuoka.jp").status_code == 302
    response = apply(directory, email="staff9@city.kurume.fukuoka.jp")
    assert response.status_code == 200
    assert "しばらく待ってから" in response.content.decode()
    assert Application.objects.count() == 2


def test_registrations_are_rate_limited_per_email_address(
    settings: object, directory: Directory, apply: Callable, client: Client
) -> None:
    settings.KYOSO_LINK_REQUESTS_PER_HOUR = 1  # type: ignore[attr-defined]
    assert apply(directory).status_code == 302
    response = submit_registration(client, registration_data(directory), REMOTE_ADDR="192.0.2.7")
    assert "しばらく待ってから" in response.content.decode()
    assert Application.objects.count() == 1


def test_an_applicant_who_uses_english_is_remembered_as_english_for_later_mail(
    client: Client, directory: Directory, apply: Callable, settings: object
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # type: ignore[attr-defined]
    apply(directory)
    assert Application.objects.get().language == "en"
    assert "Content-Language" in client.get(REGISTER).headers


@pytest.mark.parametrize(
    "variant",
    [
        "Member@ＣＩＴＹ.Kurume.Fukuoka.JP",  # full-width letters from a Japanese input method
        "member@city。kurume．fukuoka.jp",  # ideographic and full-width full stops
        " ｍｅｍｂｅｒ@city.kurume.fukuoka.jp ",
    ],
)
def test_a_full_width_spelling_of_a_members_address_is_the_same_address(
    client: Client, directory: Directory, apply: Callable, variant: str
) -> None:
    # The mail server delivers every spelling to the one mailbox: it must not open a second account.
    make_member(directory.kurume, email="member@city.kurume.fukuoka.jp")
    assert apply(directory, email=variant)["Location"] == SENT
    assert "参加登録について" in last_mail_to("member@city.kurume.fukuoka.jp").subject
    assert not Application.objects.exists()


def test_a_full_width_spelling_spends_the_same_budget(
    settings: object, directory: Directory, apply: Callable
) -> None:
    settings.KYOSO_LINK_REQUESTS_PER_HOUR = 1  # type: ignore[attr-defined]
    assert apply(directory)["Location"] == SENT
    response = apply(directory, email="hanako@ＣＩＴＹ.kurume.fukuoka.jp")
    assert "しばらく待ってから" in response.content.decode()
    assert list(Application.objects.values_list("email", flat=True)) == ["hanako@city.kurume.fukuoka.jp"]
