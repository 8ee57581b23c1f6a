"""The アクセストークン page: make a token (shown once), use it, revoke it."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from kyoso.accounts.models import Member
from kyoso.api import tokens
from kyoso.api.models import PersonalToken
from kyoso.api.tests.conftest import Api, token_for
from kyoso.testing.auth import force_login_verified
from kyoso.testing.factories import make_member

pytestmark = pytest.mark.django_db

PAGE = "/accounts/tokens/"


@pytest.fixture
def member_client() -> tuple[Member, Client]:
    member = make_member()
    client = Client()
    force_login_verified(client, member)
    return member, client


def test_the_page_needs_a_signed_in_member() -> None:
    response = Client().get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))


def test_the_security_page_links_to_the_tokens_page(member_client: tuple[Member, Client]) -> None:
    _member, client = member_client
    assert f'href="{PAGE}"' in client.get("/accounts/security/").content.decode()


def test_a_new_token_is_shown_once_and_works(member_client: tuple[Member, Client]) -> None:
    member, client = member_client
    response = client.post(PAGE, {"name": "集計スクリプト", "expires_in_days": "30"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    match = re.search(r'value="(kyoso_pat_[^"]+)"', html)
    assert match is not None
    secret = match.group(1)
    assert Api(Client(), secret).get("/me").json()["id"] == member.pk
    token = PersonalToken.objects.get(member=member)
    assert token.name == "集計スクリプト" and token.expires_at is not None
    # Shown once: the list afterwards has the start of the token, never all of it.
    listed = client.get(PAGE).content.decode()
    assert secret not in listed
    assert tokens.shown_part(secret) in listed


def test_a_token_without_a_name_is_not_made(member_client: tuple[Member, Client]) -> None:
    _member, client = member_client
    response = client.post(PAGE, {"name": "  ", "expires_in_days": ""})
    assert response.status_code == 200
    assert "kyoso_pat_" not in response.content.decode()
    assert not PersonalToken.objects.exists()


def test_revoke_from_the_page(member_client: tuple[Member, Client]) -> None:
    member, client = member_client
    secret = token_for(member, "古いボット")
    token = PersonalToken.objects.get(member=member)
    response = client.post(f"{PAGE}{token.pk}/revoke/", follow=True)
    assert "「古いボット」を無効にしました。" in response.content.decode()
    assert Api(Client(), secret).get("/me").status_code == 401


def test_another_members_token_cannot_be_revoked(member_client: tuple[Member, Client]) -> None:
    _member, client = member_client
    other = make_member()
    secret = token_for(other)
    token = PersonalToken.objects.get(member=other)
    client.post(f"{PAGE}{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is None
    assert Api(Client(), secret).get("/me").status_code == 200
