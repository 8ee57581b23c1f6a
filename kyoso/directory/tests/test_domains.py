"""E-mail domains: one spelling, and longest-suffix matching on whole labels."""

from __future__ import annotations

import pytest

from kyoso.directory.actions import add_domain, load_directory
from kyoso.directory.domains import label_suffixes, normalize_domain
from kyoso.directory.errors import InvalidDomain, SharedDomainNotAllowed
from kyoso.directory.models import Organization
from kyoso.directory.queries import (
    email_matches_organization,
    organization_for_email_domain,
    organizations_for_email_domain,
)
from kyoso.directory.tests.conftest import CHUO_WARD, FUKUOKA_CITY, HIGASHIKURUME, KOUCHOI, KURUME, SOUMU

pytestmark = pytest.mark.usefixtures("small_directory")


def code_for(email_or_domain: str) -> str:
    found = organization_for_email_domain(email_or_domain)
    assert found is not None, email_or_domain
    return found.code


def codes(organizations: list[Organization]) -> list[str]:
    return [organization.code for organization in organizations]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("City.Kurume.Fukuoka.JP", "city.kurume.fukuoka.jp"),
        ("  city.kurume.fukuoka.jp.  ", "city.kurume.fukuoka.jp"),
        ("久留米.jp", "xn--3iqq66g3xe.jp"),
        ("ＣＩＴＹ.kurume.jp", "city.kurume.jp"),
    ],
)
def test_domains_have_one_spelling(typed: str, stored: str) -> None:
    assert normalize_domain(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "kurume",
        "city..kurume.jp",
        "-city.kurume.jp",
        "city_kurume.jp",
        "a@b.jp",
        "10.0.0.1",
        "x" * 64 + ".jp",
    ],
)
def test_malformed_domains_are_refused(typed: str) -> None:
    with pytest.raises(InvalidDomain):
        normalize_domain(typed)


@pytest.mark.parametrize("typed", ["lg.jp", "go.jp", "fukuoka.jp", "LG.JP."])
def test_suffixes_shared_by_many_bodies_are_refused(typed: str) -> None:
    with pytest.raises(SharedDomainNotAllowed):
        normalize_domain(typed)


def test_suffixes_are_cut_on_label_boundaries() -> None:
    assert label_suffixes("kankyo.city.kurume.fukuoka.jp") == [
        "kankyo.city.kurume.fukuoka.jp",
        "city.kurume.fukuoka.jp",
        "kurume.fukuoka.jp",
        "fukuoka.jp",
    ]


def test_a_subdomain_of_a_city_belongs_to_that_city() -> None:
    assert codes(organizations_for_email_domain("kankyo.city.kurume.fukuoka.jp")) == [KURUME]


def test_an_address_matches_case_insensitively_with_a_trailing_dot() -> None:
    assert code_for("Taro.Yamada@City.Kurume.Fukuoka.JP.") == KURUME


def test_a_longer_label_that_only_ends_the_same_does_not_match() -> None:
    assert organizations_for_email_domain("xcity.kurume.fukuoka.jp") == []
    assert organizations_for_email_domain("taro@city.kurume.fukuoka.jp.example.com") == []


def test_the_longest_matching_domain_wins() -> None:
    kurume = Organization.objects.get(code=KURUME)
    higashikurume = Organization.objects.get(code=HIGASHIKURUME)
    add_domain(higashikurume, "kankyo.city.kurume.fukuoka.jp")  # contrived, to test precedence
    assert codes(organizations_for_email_domain("a@kankyo.city.kurume.fukuoka.jp")) == [HIGASHIKURUME]
    assert codes(organizations_for_email_domain("a@city.kurume.fukuoka.jp")) == [kurume.code]


def test_a_shared_domain_lists_parent_first_and_resolves_to_the_parent() -> None:
    assert codes(organizations_for_email_domain("staff@soumu.go.jp")) == [SOUMU, KOUCHOI]
    assert code_for("staff@soumu.go.jp") == SOUMU
    assert code_for("staff@city.fukuoka.lg.jp") == FUKUOKA_CITY


def test_two_unrelated_owners_of_one_domain_give_no_single_answer() -> None:
    add_domain(Organization.objects.get(code=HIGASHIKURUME), "city.kurume.fukuoka.jp")
    assert len(organizations_for_email_domain("a@city.kurume.fukuoka.jp")) == 2
    assert organization_for_email_domain("a@city.kurume.fukuoka.jp") is None


def test_an_unknown_domain_matches_nothing() -> None:
    assert organization_for_email_domain("someone@example.com") is None


def test_inactive_organisations_do_not_match(write_directory: object) -> None:
    load_directory(write_directory(without=(KURUME,)))  # type: ignore[operator]
    assert organization_for_email_domain("a@city.kurume.fukuoka.jp") is None


def test_a_malformed_address_is_refused_by_the_lookup() -> None:
    with pytest.raises(InvalidDomain):
        organizations_for_email_domain("taro@")


def test_email_matches_its_organisation_and_wards_share_their_citys_domain() -> None:
    kurume = Organization.objects.get(code=KURUME)
    ward = Organization.objects.get(code=CHUO_WARD)
    assert email_matches_organization("taro@kankyo.city.kurume.fukuoka.jp", kurume)
    assert email_matches_organization("hanako@city.fukuoka.lg.jp", ward)
    assert not email_matches_organization("taro@xcity.kurume.fukuoka.jp", kurume)
    assert not email_matches_organization("taro@city.fukuoka.lg.jp", kurume)
    assert not email_matches_organization("not an address", kurume)
