"""What operators do by hand: add other public bodies, add and remove e-mail domains."""

from __future__ import annotations

import pytest

from kyoso.directory.actions import add_domain, add_other_public_body, remove_domain
from kyoso.directory.codes import OTHER_PUBLIC_BODY_SERIALS, own_code, own_code_serial
from kyoso.directory.errors import (
    CodeAlreadyUsed,
    DomainAlreadyAdded,
    DomainNotFound,
    InvalidDomain,
    InvalidOrganization,
    InvalidOrganizationCode,
    SharedDomainNotAllowed,
)
from kyoso.directory.models import DomainSource, Organization, OrganizationKind, Region
from kyoso.directory.queries import organization_for_email_domain
from kyoso.directory.tests.conftest import FUKUOKA, KURUME

pytestmark = pytest.mark.usefixtures("small_directory")


def fukuoka() -> Organization:
    return Organization.objects.get(code=FUKUOKA)


def test_other_public_body_gets_its_own_code_region_and_operator_domains() -> None:
    body = add_other_public_body(
        name="福岡県後期高齢者医療広域連合",
        kana="フクオカケンコウキコウレイシャイリョウコウイキレンゴウ",
        prefecture=fukuoka(),
        domains=["Fukuoka-KouikiRengo.example.jp"],
    )
    assert body.kind == OrganizationKind.OTHER_PUBLIC_BODY
    assert own_code_serial(body.code) in OTHER_PUBLIC_BODY_SERIALS
    assert body.kana == "ふくおかけんこうきこうれいしゃいりょうこういきれんごう"
    assert body.region == Region.KYUSHU_OKINAWA
    assert list(body.domains.values_list("domain", "source")) == [
        ("fukuoka-kouikirengo.example.jp", DomainSource.OPERATOR)
    ]
    assert organization_for_email_domain("a@fukuoka-kouikirengo.example.jp") == body


def test_other_public_bodies_get_successive_codes() -> None:
    first = add_other_public_body(name="一部事務組合A", kana="", prefecture=None)
    second = add_other_public_body(name="一部事務組合B", kana="", prefecture=None)
    first_serial = own_code_serial(first.code)
    assert first_serial is not None
    assert own_code_serial(second.code) == first_serial + 1


def test_other_public_body_may_bring_its_real_code() -> None:
    body = add_other_public_body(name="組合", kana="くみあい", prefecture=fukuoka(), code="４０８０１８")
    assert body.code == "408018"


def test_other_public_body_with_a_taken_or_invalid_code_is_refused() -> None:
    with pytest.raises(CodeAlreadyUsed):
        add_other_public_body(name="組合", kana="", prefecture=fukuoka(), code=KURUME)
    with pytest.raises(InvalidOrganizationCode):
        add_other_public_body(name="組合", kana="", prefecture=fukuoka(), code="408019")


def test_other_public_body_needs_a_name_a_hiragana_reading_and_a_real_prefecture() -> None:
    with pytest.raises(InvalidOrganization):
        add_other_public_body(name="  ", kana="", prefecture=fukuoka())
    with pytest.raises(InvalidOrganization):
        add_other_public_body(name="組合", kana="kumiai", prefecture=fukuoka())
    with pytest.raises(InvalidOrganization):
        add_other_public_body(name="組合", kana="", prefecture=Organization.objects.get(code=KURUME))
    with pytest.raises(SharedDomainNotAllowed):
        add_other_public_body(name="組合", kana="", prefecture=fukuoka(), domains=["lg.jp"])
    assert not Organization.objects.filter(kind=OrganizationKind.OTHER_PUBLIC_BODY).exists()


def test_no_code_left_is_reported_rather_than_colliding() -> None:
    last = own_code(OTHER_PUBLIC_BODY_SERIALS[-1])
    add_other_public_body(name="最後の組合", kana="", prefecture=None, code=last)
    with pytest.raises(InvalidOrganization):
        add_other_public_body(name="次の組合", kana="", prefecture=None)


def test_add_domain_normalises_and_refuses_duplicates() -> None:
    kurume = Organization.objects.get(code=KURUME)
    added = add_domain(kurume, "City.Kurume.LG.jp.")
    assert (added.domain, added.source) == ("city.kurume.lg.jp", DomainSource.OPERATOR)
    with pytest.raises(DomainAlreadyAdded):
        add_domain(kurume, "city.kurume.lg.jp")
    with pytest.raises(InvalidDomain):
        add_domain(kurume, "not a domain")


def test_remove_domain_removes_it_and_names_a_missing_one() -> None:
    kurume = Organization.objects.get(code=KURUME)
    remove_domain(kurume, "CITY.kurume.fukuoka.jp")
    assert not kurume.domains.exists()
    with pytest.raises(DomainNotFound):
        remove_domain(kurume, "city.kurume.fukuoka.jp")


def test_error_messages_are_japanese_for_members() -> None:
    with pytest.raises(DomainNotFound) as raised:
        remove_domain(Organization.objects.get(code=KURUME), "example.jp")
    assert "登録されていません" in str(raised.value)
