"""The admin: operators find organisations by reading and add domains that survive reloads."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kyoso.accounts.models import Member
from kyoso.directory.models import DomainSource, Organization
from kyoso.directory.tests.conftest import KURUME
from kyoso.testing.auth import force_login_verified

pytestmark = pytest.mark.usefixtures("small_directory")


@pytest.fixture
def admin_client(client: Client, admin_user: Member) -> Client:
    # The admin is open to operators past the second factor only (kyoso.web.admin_site).
    force_login_verified(client, admin_user)
    return client


def test_changelist_finds_by_katakana_reading_and_by_domain(admin_client: Client) -> None:
    url = reverse("admin:directory_organization_changelist")
    assert "久留米市" in admin_client.get(url, {"q": "クルメ"}).content.decode()
    assert "久留米市" in admin_client.get(url, {"q": "city.kurume"}).content.decode()
    assert (
        "久留米市"
        in admin_client.get(
            url, {"kind__exact": "municipality", "region__exact": "kyushu_okinawa"}
        ).content.decode()
    )


def test_a_domain_added_inline_is_the_operators_and_normalised(admin_client: Client) -> None:
    kurume = Organization.objects.get(code=KURUME)
    url = reverse("admin:directory_organization_change", args=[kurume.pk])
    form: dict[str, object] = {
        "code": kurume.code,
        "kind": kurume.kind,
        "municipality_type": kurume.municipality_type,
        "name": kurume.name,
        "kana": kurume.kana,
        "prefecture": kurume.prefecture_id,
        "region": kurume.region,
        "population": kurume.population,
        "population_band": kurume.population_band,
        "website": kurume.website,
        "is_active": "on",
    }
    existing = kurume.domains.get()
    form.update(
        {
            "domains-TOTAL_FORMS": "2",
            "domains-INITIAL_FORMS": "1",
            "domains-0-id": existing.pk,
            "domains-0-organization": kurume.pk,
            "domains-0-domain": existing.domain,
            "domains-1-organization": kurume.pk,
            "domains-1-domain": "Kurume-Staff.Example.JP",
        }
    )
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert dict(kurume.domains.values_list("domain", "source")) == {
        "city.kurume.fukuoka.jp": DomainSource.WEBSITE,
        "kurume-staff.example.jp": DomainSource.OPERATOR,
    }
