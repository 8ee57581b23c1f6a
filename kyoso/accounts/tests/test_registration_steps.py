"""参加登録 in three steps: the organisation inferred from the address, the joint body's fields,
the suggested channels, going back, and the terms box."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from kyoso.accounts.channel_suggestions import department_topics, region_words, suggested_channels
from kyoso.accounts.models import Application
from kyoso.accounts.registration_forms import ProfileStepForm, infer_organization
from kyoso.accounts.tests.registration_support import (
    REGISTER,
    Directory,
    code,
    make_directory,
    registration_data,
    submit_registration,
)
from kyoso.chat.models import Channel, ChannelCategory
from kyoso.directory.models import OrganizationDomain, OrganizationKind, Region
from kyoso.testing.factories import make_channel, make_organization

pytestmark = pytest.mark.django_db

STEP2, STEP3 = f"{REGISTER}?step=2", f"{REGISTER}?step=3"
INFER = "/accounts/register/organization/"


@pytest.fixture
def directory() -> Directory:
    return make_directory()


@pytest.fixture
def channels(directory: Directory) -> dict[str, Channel]:
    """More channels than anyone wants at once, as a real community has."""
    made = {
        "kanto": make_channel("関東", category=ChannelCategory.REGION),
        "bousai": make_channel("防災", title="防災と避難所運営のDX"),
        "cloud": make_channel("ガバメントクラウド", title="ガバメントクラウドの移行と運用"),
        "hyojunka": make_channel("自治体システム標準化"),
        "kosodate": make_channel("子育て"),
        "mynumber": make_channel("マイナンバー"),
    }
    return {"madoguchi": directory.theme_channel, "kyushu": directory.region_channel, **made}


def checked_channel_names(body: str) -> set[str]:
    names = set()
    for tag in re.findall(r"<input [^>]*name=\"channels\"[^>]*>", body):
        if " checked" in tag:
            pk = int(re.search(r'value="(\d+)"', tag).group(1))  # type: ignore[union-attr]
            names.add(Channel.objects.get(pk=pk).name)
    return names


def step1(client: Client, directory: Directory, **overrides: object) -> Any:
    return client.post(REGISTER, registration_data(directory, **overrides))


# ---- The organisation from the address ---------------------------------------------------------


def test_a_domain_of_exactly_one_organisation_infers_it(directory: Directory) -> None:
    assert infer_organization("hanako@city.kurume.fukuoka.jp").organization == directory.kurume
    assert infer_organization("taro@kankyo.city.kurume.fukuoka.jp").organization == directory.kurume
    assert infer_organization("jiro@pref.fukuoka.lg.jp").organization == directory.fukuoka


def test_a_domain_shared_by_two_unrelated_organisations_infers_nothing(directory: Directory) -> None:
    other = make_organization("筑後市", code=code("40215"), prefecture=directory.fukuoka)
    OrganizationDomain.objects.create(organization=other, domain="city.kurume.fukuoka.jp")
    inference = infer_organization("hanako@city.kurume.fukuoka.jp")
    assert (inference.organization, inference.candidates) == (None, 2)


def test_a_city_wins_over_the_wards_that_share_its_domain(directory: Directory) -> None:
    ward = make_organization(
        "久留米市中区",
        kind=OrganizationKind.DESIGNATED_CITY_WARD,
        code=code("40204"),
        parent=directory.kurume,
    )
    OrganizationDomain.objects.create(organization=ward, domain="city.kurume.fukuoka.jp")
    assert infer_organization("hanako@city.kurume.fukuoka.jp").organization == directory.kurume


@pytest.mark.parametrize("address", ["hanako@gmail.com", "hanako@town.unknown.lg.jp", "not an address", ""])
def test_an_unknown_shared_or_broken_address_infers_nothing(directory: Directory, address: str) -> None:
    assert infer_organization(address).organization is None


def test_left_blank_the_organisation_is_inferred_on_the_server_and_shown_on_the_next_step(
    client: Client, directory: Directory
) -> None:
    response = step1(client, directory, organization="", organization_code="")
    assert (response.status_code, response["Location"]) == (302, STEP2)
    body = client.get(STEP2).content.decode()
    assert "福岡県久留米市（市民課）の方へのおすすめです" in body
    assert "所属団体はメールアドレスから推定しました" in body
    # Back on the first step, the inferred organisation is in the field, to be changed at will.
    first = client.get(REGISTER).content.decode()
    assert re.search(r'<input type="text" name="organization" value="福岡県久留米市"', first)
    assert "メールアドレスから推定しました: 福岡県久留米市" in first

    assert submit_registration(client, registration_data(directory, organization="", organization_code=""))
    assert Application.objects.get().organization == directory.kurume


def test_what_the_applicant_types_wins_over_the_inference(client: Client, directory: Directory) -> None:
    submit_registration(client, registration_data(directory, organization="福岡県", organization_code=""))
    assert Application.objects.get().organization == directory.fukuoka


def test_text_changed_after_a_choice_decides_over_the_stale_code(
    client: Client, directory: Directory
) -> None:
    # Without JavaScript the hidden code of an earlier choice stays; the edited text is what counts.
    submit_registration(
        client, registration_data(directory, organization="福岡県", organization_code="402036")
    )
    assert Application.objects.get().organization == directory.fukuoka


def test_an_ambiguous_domain_asks_for_the_organisation_beside_its_field(
    client: Client, directory: Directory
) -> None:
    other = make_organization("筑後市", code=code("40215"), prefecture=directory.fukuoka)
    OrganizationDomain.objects.create(organization=other, domain="city.kurume.fukuoka.jp")
    response = step1(client, directory, organization="", organization_code="")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_organization-error">このメールアドレスのドメインは複数の団体が使っています。' in body
    assert 'aria-describedby="id_organization-error id_organization_helptext"' in body
    assert "registration_draft" not in client.session


def test_an_address_of_no_known_organisation_asks_for_it(client: Client, directory: Directory) -> None:
    response = step1(client, directory, email="hanako@gmail.com", organization="", organization_code="")
    assert "メールアドレスのドメインから所属団体がわかりませんでした" in response.content.decode()


def test_the_inference_endpoint_answers_the_form_script(client: Client, directory: Directory) -> None:
    found = client.get(INFER, {"email": "hanako@ＣＩＴＹ.kurume.fukuoka.jp"}).json()
    assert found == {
        "organization": {"code": "402036", "full_name": "福岡県久留米市", "kind": "市区町村"},
        "candidates": 1,
    }
    assert client.get(INFER, {"email": "hanako@gmail.com"}).json()["organization"] is None
    assert client.get(INFER, {"email": "@@"}).json() == {"organization": None, "candidates": 0}


def test_the_inference_endpoint_is_rate_limited(client: Client, directory: Directory) -> None:
    statuses = {client.get(INFER, {"email": "a@city.kurume.fukuoka.jp"}).status_code for _ in range(61)}
    assert statuses == {200, 429}


# ---- 一部事務組合 ------------------------------------------------------------------------------


def test_joint_body_fields_are_required_only_for_that_kind(directory: Directory) -> None:
    base = registration_data(directory)
    listed = ProfileStepForm({**base, "other_body_name": "", "other_body_prefecture": ""})
    assert listed.is_valid(), listed.errors
    joint = ProfileStepForm({**base, "organization_kind": "other_body", "organization": ""})
    assert not joint.is_valid()
    assert set(joint.errors) == {"other_body_name", "other_body_prefecture"}
    complete = ProfileStepForm(
        {
            **base,
            "organization_kind": "other_body",
            "organization": "",
            "other_body_name": "久留米広域市町村圏事務組合",
            "other_body_prefecture": str(directory.fukuoka.pk),
        }
    )
    assert complete.is_valid(), complete.errors
    assert complete.cleaned_data["organization_obj"] is None


def test_a_listed_organisation_ignores_joint_body_fields_left_filled_in(
    client: Client, directory: Directory
) -> None:
    submit_registration(
        client,
        registration_data(
            directory, other_body_name="何とか組合", other_body_prefecture=str(directory.fukuoka.pk)
        ),
    )
    application = Application.objects.get()
    assert application.organization == directory.kurume
    assert (application.other_body_name, application.other_body_prefecture) == ("", None)


def test_without_javascript_the_joint_body_fields_say_when_they_apply(
    client: Client, directory: Directory
) -> None:
    body = client.get(REGISTER).content.decode()
    assert '<legend class="field__label">一部事務組合・広域連合などの場合のみ</legend>' in body
    assert 'data-kind-group="other_body"' in body
    # Not hidden by the server: only the script hides them, so they work without it.
    assert not re.search(r'data-kind-group="other_body"[^>]*hidden', body)
    assert re.search(r'<input type="radio" name="organization_kind" value="directory"[^>]*checked', body)


# ---- Suggested channels ------------------------------------------------------------------------


def test_a_city_counter_clerk_is_suggested_their_region_and_counter_themes(
    client: Client, directory: Directory, channels: dict[str, Channel]
) -> None:
    step1(client, directory)  # 久留米市 (九州・沖縄), 市民課
    body = client.get(STEP2).content.decode()
    assert checked_channel_names(body) == {"九州・沖縄", "窓口DX", "マイナンバー"}
    # The rest wait behind a disclosure, unticked, and can be joined later.
    details = body[body.index('<details class="registration__more-channels"') :]
    assert details.startswith('<details class="registration__more-channels">')  # closed
    assert "あとで参加できます" in details
    for name in ("関東", "防災", "ガバメントクラウド", "子育て"):
        assert name in details


def test_an_it_department_is_suggested_the_system_themes(
    client: Client, directory: Directory, channels: dict[str, Channel]
) -> None:
    step1(client, directory, department="情報政策課")
    assert checked_channel_names(client.get(STEP2).content.decode()) == {
        "九州・沖縄",
        "ガバメントクラウド",
        "自治体システム標準化",
    }


def test_suggestions_follow_region_and_department(directory: Directory, channels: dict[str, Channel]) -> None:
    offered = list(Channel.objects.filter(pk__in=[c.pk for c in channels.values()]).order_by("name"))
    tokyo = make_organization(
        "東京都", kind=OrganizationKind.PREFECTURE, code=code("13000"), region=Region.KANTO
    )
    agency = make_organization("デジタル庁", kind=OrganizationKind.NATIONAL_AGENCY, code=code("90001"))

    def names(**kwargs: object) -> list[str]:
        return [c.name for c in suggested_channels(offered, **kwargs)]  # type: ignore[arg-type]

    assert names(organization=tokyo, department="防災課") == ["関東", "防災"]
    assert names(organization=tokyo, department="こども未来課") == ["関東", "子育て"]
    assert names(organization=agency, department="総務課") == []  # no region, nothing fits
    assert names(organization=None, department="ＤＸ推進課") == ["自治体システム標準化", "ガバメントクラウド"]
    assert "福岡" in region_words(directory.kurume) and "九州" in region_words(directory.kurume)
    assert department_topics("税務課")[:1] == ("税",)
    assert department_topics("") == ()


def test_a_joint_body_is_suggested_the_region_of_its_prefecture(
    client: Client, directory: Directory, channels: dict[str, Channel]
) -> None:
    step1(
        client,
        directory,
        organization="",
        organization_kind="other_body",
        other_body_name="久留米広域市町村圏事務組合",
        other_body_prefecture=str(directory.fukuoka.pk),
        department="総務課",
    )
    assert "九州・沖縄" in checked_channel_names(client.get(STEP2).content.decode())


# ---- The steps ---------------------------------------------------------------------------------


def test_the_step_indicator_marks_the_current_step(client: Client, directory: Directory) -> None:
    def current(body: str) -> str:
        found = re.search(r'aria-current="step">(.*?)</li>', body, re.S)
        assert found, body
        return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())

    assert current(client.get(REGISTER).content.decode()) == "1 手順1: メールアドレスと所属"
    step1(client, directory)
    assert current(client.get(STEP2).content.decode()) == "2 手順2: 参加するチャンネル"
    client.post(STEP2, registration_data(directory))
    body = client.get(STEP3).content.decode()
    assert current(body) == "3 手順3: 規約と確認"
    assert body.count('aria-current="step"') == 1
    assert "<title>参加登録（手順3/3: 規約と確認）" in body


def test_a_later_step_cannot_be_reached_before_the_earlier_ones(client: Client, directory: Directory) -> None:
    assert client.get(STEP3)["Location"] == REGISTER
    assert client.get(STEP2)["Location"] == REGISTER
    step1(client, directory)
    assert client.get(STEP3)["Location"] == STEP2
    assert client.post(STEP3, {"consent": "on"})["Location"] == STEP2
    assert not Application.objects.exists()


@pytest.mark.parametrize("step", ["0", "4", "abc", "２", "1e3"])
def test_a_made_up_step_is_the_first_step(client: Client, directory: Directory, step: str) -> None:
    response = client.get(REGISTER, {"step": step})
    assert response.status_code == 200
    assert 'name="email"' in response.content.decode()


def test_going_back_keeps_what_was_entered_on_every_step(
    client: Client, directory: Directory, channels: dict[str, Channel]
) -> None:
    step1(client, directory, title="主任")
    # On step 2 the applicant unticks a suggestion, ticks one from the rest, and goes back.
    chosen = [str(channels["kyushu"].pk), str(channels["bousai"].pk)]
    response = client.post(STEP2, {"channels": chosen, "go": "back"})
    assert response["Location"] == REGISTER
    first = client.get(REGISTER).content.decode()
    for value in (
        "hanako@city.kurume.fukuoka.jp",
        "久留米 花子",
        "くるめ はなこ",
        "はなこ",
        "市民課",
        "主任",
    ):
        assert f'value="{value}"' in first
    # Forward again: the choice made on step 2 is still there, and the rest opens to show it.
    step1(client, directory, title="主任")
    second = client.get(STEP2).content.decode()
    assert checked_channel_names(second) == {"九州・沖縄", "防災"}
    assert '<details class="registration__more-channels" open>' in second
    # From step 3, back goes to step 2 without needing the consent.
    client.post(STEP2, {"channels": chosen})
    assert client.post(STEP3, {"go": "back"})["Location"] == STEP2
    assert checked_channel_names(client.get(STEP2).content.decode()) == {"九州・沖縄", "防災"}


def test_the_confirmation_summarises_the_entries_with_links_to_change_them(
    client: Client, directory: Directory
) -> None:
    submit_registration(client, registration_data(directory, consent=None))
    body = client.get(STEP3).content.decode()
    for shown in (
        "hanako@city.kurume.fukuoka.jp",
        "久留米 花子（くるめ はなこ）",
        "福岡県久留米市",
        "市民課 · 主任",
    ):
        assert shown in body
    assert '<a href="/accounts/register/">メールアドレスと所属を直す</a>' in body
    assert '<a href="/accounts/register/?step=2">チャンネルを選び直す</a>' in body


def test_the_terms_box_says_it_scrolls_and_can_be_focused(client: Client, directory: Directory) -> None:
    body = submit_registration(client, registration_data(directory, consent=None)).content.decode()
    assert 'id="id_consent-error">参加するには、利用規約と行動規範への同意が必要です。' in body
    box = re.search(r'<div class="terms-box"[^>]*>', body)
    assert box, body
    for attribute in (
        'role="region"',
        'tabindex="0"',
        'aria-labelledby="terms-title"',
        'aria-describedby="terms-hint"',
    ):
        assert attribute in box.group(0)
    assert "下の枠の中をスクロールして最後まで読めます" in body
    assert 'id="terms-title">利用規約と行動規範</h2>' in body


def test_errors_on_the_first_step_are_listed_and_shown_beside_their_fields(
    client: Client, directory: Directory
) -> None:
    response = step1(client, directory, email="not-an-address", department="", display_name="")
    body = response.content.decode()
    assert 'id="id_email-error">メールアドレスの形式で入力してください' in body
    assert 'id="id_department-error">部署名を入力してください。' in body
    assert 'id="id_display_name-error">表示名を入力してください。' in body
    assert '<a href="#id_department">部署名</a>' in body  # the summary links to the field
    # An address with an error does not also blame the organisation, which is inferred once it is right.
    assert 'id="id_organization-error"' not in body


def test_the_draft_is_forgotten_once_the_application_is_sent(client: Client, directory: Directory) -> None:
    response = submit_registration(client, registration_data(directory))
    assert response["Location"] == "/accounts/register/sent/"
    assert "registration_draft" not in client.session
    assert client.get(STEP2)["Location"] == REGISTER


def test_a_choice_of_a_channel_that_cannot_be_chosen_is_refused_in_japanese(
    client: Client, directory: Directory
) -> None:
    step1(client, directory)
    response = client.post(STEP2, {"channels": [str(directory.default_channel.pk)]})
    assert response.status_code == 200
    assert "選べないチャンネルが含まれています" in response.content.decode()
