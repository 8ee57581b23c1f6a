"""Profile, the member page, and changing organisation (人事異動) by verifying the new address."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.core import mail
from django.test import Client
from django.utils import timezone

from kyoso.accounts.actions import confirm_organization_change, request_organization_change
from kyoso.accounts.errors import LinkExpired, LinkUsed, OrganizationEmailMismatch
from kyoso.accounts.links import issue_link, peek_link
from kyoso.accounts.models import EmailLink, LinkPurpose, Member, MemberStatus
from kyoso.accounts.tests.lifecycle_support import Cities, link_path, mails_to, make_cities, token_of
from kyoso.accounts.tests.security_support import fresh_login
from kyoso.moderation.models import AuditEntry
from kyoso.testing.factories import DEFAULT_PASSWORD, make_channel, make_member, make_message

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"
CHANGE = "/accounts/profile/organization/"
OLD = "hanako@city.kurume.fukuoka.jp"
NEW = "hanako@city.yame.fukuoka.jp"


@pytest.fixture
def cities() -> Cities:
    return make_cities()


@pytest.fixture
def hanako(cities: Cities) -> Member:
    return make_member(cities.kurume, email=OLD, display_name="はなこ", department="市民課")


@pytest.fixture
def signed_in(client: Client, hanako: Member) -> Client:
    fresh_login(client, hanako)
    return client


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Callable) -> Callable:
    """Run on-commit callbacks (the e-mails) inside a test transaction."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def profile_data(**overrides: str) -> dict[str, str]:
    data = {
        "display_name": "はなこ",
        "full_name": "久留米 花子",
        "full_name_kana": "くるめ はなこ",
        "department": "子育て支援課",
        "title": "主任",
        "bio": "窓口のDXに取り組んでいます。",
        "interests": "書かない窓口",
    }
    data.update(overrides)
    return data


# ---- Profile -------------------------------------------------------------------------------------


def test_profile_page_shows_the_form_with_the_members_details(signed_in: Client) -> None:
    body = signed_in.get(PROFILE).content.decode()
    assert "プロフィール" in body
    assert 'value="はなこ"' in body
    assert "久留米市" in body
    assert OLD in body


def test_profile_page_needs_sign_in(client: Client) -> None:
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert "/accounts/sign-in/" in response["Location"]


def test_member_edits_profile_and_every_post_shows_the_new_department(
    signed_in: Client, hanako: Member
) -> None:
    channel = make_channel("窓口業務", creator=hanako)
    make_message(channel, hanako, "こんにちは")

    response = signed_in.post(PROFILE, profile_data())

    assert response.status_code == 302
    hanako.refresh_from_db()
    assert (hanako.department, hanako.title, hanako.interests) == ("子育て支援課", "主任", "書かない窓口")
    assert hanako.affiliation == "久留米市 · 子育て支援課"
    page = signed_in.get(f"/channels/{channel.slug}/").content.decode()
    assert "久留米市 · 子育て支援課" in page


def test_profile_without_a_display_name_is_refused_and_nothing_is_saved(
    signed_in: Client, hanako: Member
) -> None:
    response = signed_in.post(PROFILE, profile_data(display_name="", department="総務課"))
    assert response.status_code == 200
    assert "field__error" in response.content.decode()
    hanako.refresh_from_db()
    assert hanako.department == "市民課"
    assert hanako.display_name == "はなこ"


def test_member_page_shows_name_affiliation_title_bio_and_interests(
    signed_in: Client, cities: Cities
) -> None:
    other = make_member(
        cities.yame,
        display_name="八女 太郎",
        department="企画課",
        title="係長",
        bio="自己紹介です",
        interests="DX",
    )
    body = signed_in.get(f"/accounts/members/{other.pk}/").content.decode()
    for text in ("八女 太郎", "八女市 · 企画課", "係長", "自己紹介です", "DX"):
        assert text in body


def test_member_page_of_an_applicant_is_not_found(signed_in: Client, cities: Cities) -> None:
    applicant = make_member(cities.yame, status=MemberStatus.PENDING)
    assert signed_in.get(f"/accounts/members/{applicant.pk}/").status_code == 404


# ---- Change of organisation --------------------------------------------------------------------


def test_organisation_change_sends_the_link_to_the_new_address_only(
    signed_in: Client, hanako: Member, cities: Cities, on_commit: Callable
) -> None:
    with on_commit():
        response = signed_in.post(CHANGE, {"organization": "八女市", "email": NEW})

    assert response.status_code == 200
    assert NEW in response.content.decode()
    assert len(mails_to(NEW)) == 1
    assert mails_to(OLD) == []
    assert "/accounts/profile/organization/confirm/" in link_path(mails_to(NEW)[0])
    hanako.refresh_from_db()
    assert (hanako.email, hanako.organization) == (OLD, cities.kurume)


def test_organisation_is_found_by_kana_or_code(signed_in: Client, on_commit: Callable) -> None:
    with on_commit():
        signed_in.post(CHANGE, {"organization": "やめし", "email": NEW})
        signed_in.post(CHANGE, {"organization": "４０２１０９", "email": NEW})
    assert len(mails_to(NEW)) == 2


def test_organisation_code_with_a_wrong_check_digit_gets_a_clear_error(signed_in: Client) -> None:
    response = signed_in.post(CHANGE, {"organization": "402101", "email": NEW})
    body = response.content.decode()
    assert response.status_code == 200
    assert "チェックディジット" in body
    assert mail.outbox == []


def test_new_address_outside_the_new_organisations_domains_is_refused_before_any_mail(
    signed_in: Client, hanako: Member, cities: Cities
) -> None:
    response = signed_in.post(CHANGE, {"organization": "八女市", "email": "hanako@example.com"})
    assert str(OrganizationEmailMismatch.message) in response.content.decode()
    assert mail.outbox == []
    assert not EmailLink.objects.filter(purpose=LinkPurpose.CHANGE_EMAIL).exists()


def test_confirmation_page_shows_the_change_and_applies_it_only_on_post(
    client: Client, hanako: Member, cities: Cities, on_commit: Callable
) -> None:
    with on_commit():
        request_organization_change(member=hanako, organization=cities.yame, email=NEW)
    path = link_path(mails_to(NEW)[0])

    page = client.get(path)
    assert page.status_code == 200
    assert "八女市" in page.content.decode()
    hanako.refresh_from_db()
    assert hanako.email == OLD

    with on_commit():
        response = client.post(path)
    assert response.status_code == 302
    hanako.refresh_from_db()
    assert (hanako.email, hanako.organization) == (NEW, cities.yame)
    assert hanako.affiliation == "八女市 · 市民課"
    # The old address is told, in case it was not the member.
    assert len(mails_to(OLD)) == 1


def test_after_the_change_the_old_address_no_longer_signs_in_and_the_new_one_does(
    cities: Cities, on_commit: Callable
) -> None:
    member = make_member(cities.kurume, email=OLD, password=DEFAULT_PASSWORD)
    with on_commit():
        token = request_organization_change(member=member, organization=cities.yame, email=NEW)
        confirm_organization_change(token=token)

    assert authenticate(username=OLD, password=DEFAULT_PASSWORD) is None
    assert authenticate(username=NEW, password=DEFAULT_PASSWORD) == member


def test_unused_sign_in_links_for_the_old_address_are_withdrawn(hanako: Member, cities: Cities) -> None:
    sign_in_token = issue_link(purpose=LinkPurpose.SIGN_IN, email=OLD, member=hanako)
    token = request_organization_change(member=hanako, organization=cities.yame, email=NEW)
    confirm_organization_change(token=token)

    with pytest.raises(LinkExpired):
        peek_link(sign_in_token, LinkPurpose.SIGN_IN)


def test_change_is_audited_with_before_and_after(hanako: Member, cities: Cities) -> None:
    token = request_organization_change(member=hanako, organization=cities.yame, email=NEW)
    confirm_organization_change(token=token)

    entry = AuditEntry.objects.get(action="member.organization_changed")
    assert entry.before is not None and entry.after is not None
    assert entry.before["email"] == OLD
    assert entry.after["email"] == NEW
    assert entry.before["organization"] == cities.kurume.pk
    assert entry.after["organization"] == cities.yame.pk


def test_a_used_change_link_is_refused(client: Client, hanako: Member, cities: Cities) -> None:
    token = request_organization_change(member=hanako, organization=cities.yame, email=NEW)
    confirm_organization_change(token=token)

    with pytest.raises(LinkUsed):
        confirm_organization_change(token=token)
    response = client.post(f"/accounts/profile/organization/confirm/{token}/")
    assert response.status_code == 400
    assert "すでに使われています" in response.content.decode()


def test_an_expired_change_link_is_refused_and_nothing_changes(hanako: Member, cities: Cities) -> None:
    token = request_organization_change(member=hanako, organization=cities.yame, email=NEW)
    EmailLink.objects.filter(purpose=LinkPurpose.CHANGE_EMAIL).update(
        expires_at=timezone.now() - timedelta(1)
    )

    with pytest.raises(LinkExpired):
        confirm_organization_change(token=token)
    hanako.refresh_from_db()
    assert (hanako.email, hanako.organization) == (OLD, cities.kurume)


def test_an_address_taken_meanwhile_by_another_member_is_refused_at_confirmation(
    client: Client, hanako: Member, cities: Cities
) -> None:
    token = request_organization_change(member=hanako, organization=cities.yame, email=NEW)
    make_member(cities.yame, email=NEW)

    response = client.post(f"/accounts/profile/organization/confirm/{token}/")

    assert response.status_code == 400
    assert "別のメンバーが使っています" in response.content.decode()
    hanako.refresh_from_db()
    assert hanako.email == OLD
    # Nothing was saved: the link is still unused.
    assert peek_link(token, LinkPurpose.CHANGE_EMAIL).used_at is None


def test_a_change_link_cannot_be_used_to_reconfirm(client: Client, hanako: Member, cities: Cities) -> None:
    token = request_organization_change(member=hanako, organization=cities.yame, email=NEW)
    assert client.get(f"/accounts/reconfirm/{token_of(token)}/").status_code == 400


def test_the_type_ahead_code_wins_over_the_typed_text(signed_in: Client, on_commit: Callable) -> None:
    with on_commit():
        signed_in.post(CHANGE, {"organization": "八女", "organization_code": "402109", "email": NEW})
    assert len(mails_to(NEW)) == 1
