"""Filters: who wrote it, from which kind of town, where, when, and what it carries."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from kyoso.chat import actions
from kyoso.chat.models import ChannelKind
from kyoso.directory.models import MunicipalityType, OrganizationKind, PopulationBand, Region
from kyoso.search.errors import QuerySyntaxError, UnknownFilterValue
from kyoso.search.queries import search_messages
from kyoso.testing.factories import make_channel, make_member, make_message, make_organization, make_reaction

pytestmark = pytest.mark.django_db


def at(year: int, month: int, day: int) -> datetime:
    return timezone.make_aware(datetime(year, month, day, 12))


@pytest.fixture
def towns(db):
    fukuoka = make_organization("福岡県", kind=OrganizationKind.PREFECTURE, region=Region.KYUSHU_OKINAWA)
    fukuoka.prefecture = fukuoka
    fukuoka.save()
    shizuoka = make_organization("静岡県", kind=OrganizationKind.PREFECTURE, region=Region.CHUBU)
    kanagawa = make_organization("神奈川県", kind=OrganizationKind.PREFECTURE, region=Region.KANTO)
    kurume = make_organization(
        "久留米市", prefecture=fukuoka, region=Region.KYUSHU_OKINAWA, population=303_316,
        population_band=PopulationBand.OVER_300K,
    )  # fmt: skip
    town = make_organization(
        "小竹町", prefecture=fukuoka, region=Region.KYUSHU_OKINAWA, population=7_000,
        population_band=PopulationBand.UNDER_10K, municipality_type=MunicipalityType.TOWN,
    )  # fmt: skip
    susono = make_organization(
        "裾野市", prefecture=shizuoka, region=Region.CHUBU, population=50_000,
        population_band=PopulationBand.FROM_50K_TO_100K,
    )  # fmt: skip
    yokohama = make_organization(
        "横浜市", prefecture=kanagawa, region=Region.KANTO, population=3_770_000,
        population_band=PopulationBand.DESIGNATED_CITY,
    )  # fmt: skip
    naka = make_organization(
        "横浜市中区", kind=OrganizationKind.DESIGNATED_CITY_WARD, prefecture=kanagawa, parent=yokohama,
        region=Region.KANTO,
    )  # fmt: skip
    agency = make_organization("デジタル庁", kind=OrganizationKind.NATIONAL_AGENCY)
    people = {
        "kurume": make_member(kurume, display_name="久留米 職員"),
        "town": make_member(town, display_name="小竹 職員"),
        "susono": make_member(susono, display_name="裾野 職員"),
        "naka": make_member(naka, display_name="中区 職員"),
        "agency": make_member(agency, display_name="デジタル 職員"),
    }
    soumu = make_channel("総務", creator=people["kurume"], slug="soumu", members=list(people.values()))
    kouhou = make_channel("広報", creator=people["kurume"], slug="kouhou", members=list(people.values()))
    written = {}
    for i, (key, person) in enumerate(people.items()):
        written[key] = make_message(
            soumu if i % 2 == 0 else kouhou, person, f"窓口の話 {key}", at=at(2024, 4, i + 1)
        )
    written["old"] = make_message(soumu, people["kurume"], "窓口の昔話", at=at(2023, 12, 31))
    return people, written


def keys(query: str, towns, viewer: str = "kurume") -> set[str]:
    people, written = towns
    ids = {hit.message.pk for hit in search_messages(people[viewer], query).hits}
    return {key for key, message in written.items() if message.pk in ids}


def test_in_a_channel_by_url_name_or_name(towns):
    assert keys("窓口 in:#soumu", towns) == {"kurume", "susono", "agency", "old"}
    assert keys("窓口 in:#総務", towns) == {"kurume", "susono", "agency", "old"}


def test_the_same_filter_twice_means_either(towns):
    assert keys("窓口 in:#総務 in:#広報", towns) == {"kurume", "town", "susono", "naka", "agency", "old"}


def test_an_excluded_filter_removes(towns):
    assert keys("窓口 -in:#総務", towns) == {"town", "naka"}


def test_from_a_member_spaces_and_width_aside(towns):
    assert keys("from:@久留米職員", towns) == {"kurume", "old"}
    assert keys("from:@me", towns, viewer="town") == {"town"}


def test_org_pref_region(towns):
    assert keys("窓口 org:久留米市", towns) == {"kurume", "old"}
    assert keys("窓口 org:福岡県久留米市", towns) == {"kurume", "old"}
    assert keys("窓口 pref:福岡県", towns) == {"kurume", "town", "old"}
    assert keys("窓口 pref:福岡", towns) == {"kurume", "town", "old"}
    assert keys("窓口 region:九州", towns) == {"kurume", "town", "old"}
    assert keys("窓口 region:関東", towns) == {"naka"}


def test_a_designated_city_includes_its_wards(towns):
    assert keys("窓口 org:横浜市", towns) == {"naka"}
    assert keys("窓口 size:政令指定都市", towns) == {"naka"}


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ("1万未満", {"town"}),
        ("5万未満", {"town"}),
        ("10万未満", {"town", "susono"}),
        ("5万〜10万", {"susono"}),
        ("10万以上", {"kurume", "old", "naka"}),
        ("30万以上", {"kurume", "old", "naka"}),
        ("５万未満", {"town"}),
    ],
)
def test_population_bands(towns, size, expected):
    assert keys(f"窓口 size:{size}", towns) == expected


def test_kind_of_organisation(towns):
    assert keys("窓口 kind:府省庁", towns) == {"agency"}
    assert keys("窓口 kind:町", towns) == {"town"}


def test_dates(towns):
    assert keys("窓口 before:2024-04-01", towns) == {"old"}
    assert keys("窓口 on:2023", towns) == {"old"}
    assert keys("窓口 on:2024-04-02", towns) == {"town"}
    assert keys("窓口 after:2024-04-03", towns) == {"naka", "agency"}
    assert keys("窓口 after:2024/4/3", towns) == {"naka", "agency"}
    assert keys("窓口 on:2024年4月", towns) == {"kurume", "town", "susono", "naka", "agency"}


def test_thread_file_and_stamp(towns):
    people, written = towns
    reply = make_message(written["kurume"].channel, people["town"], "窓口の返信", thread=written["kurume"])
    written["reply"] = reply
    make_reaction(written["susono"], people["kurume"], "共創")
    make_reaction(written["naka"], people["kurume"], "なるほど")
    assert keys("窓口 is:thread", towns) == {"kurume", "reply"}
    assert keys("窓口 has:stamp", towns) == {"susono", "naka"}
    assert keys("窓口 has:stamp:共創", towns) == {"susono"}
    assert keys("窓口 has:file", towns) == set()


def test_filters_alone_list_the_newest(towns):
    assert keys("pref:福岡県", towns) == {"kurume", "town", "old"}


@pytest.mark.parametrize(
    ("query", "error", "fragment"),
    [
        ("in:#ない", UnknownFilterValue, "チャンネル"),
        ("from:@だれ", UnknownFilterValue, "メンバー"),
        ("org:架空市", UnknownFilterValue, "団体"),
        ("pref:架空県", UnknownFilterValue, "都道府県"),
        ("region:月面", UnknownFilterValue, "地方"),
        ("size:3万未満", UnknownFilterValue, "1万・5万・10万・30万"),
        ("kind:星", UnknownFilterValue, "種類"),
        ("is:pinned", UnknownFilterValue, "is:thread"),
        ("has:video", UnknownFilterValue, "has:file"),
        ("before:2024-13-01", QuerySyntaxError, "2025-04-01"),
        ("on:きのう", QuerySyntaxError, "日付"),
    ],
)
def test_a_filter_that_names_nothing_says_what_is_possible(towns, query, error, fragment):
    people, _written = towns
    with pytest.raises(error) as caught:
        search_messages(people["kurume"], f"窓口 {query}")
    assert fragment in str(caught.value)


def test_a_dm_is_not_a_channel_filter(towns):
    people, _written = towns
    dm = actions.open_direct_conversation(member=people["kurume"], others=[people["town"]])
    assert dm.kind == ChannelKind.DIRECT
    with pytest.raises(UnknownFilterValue):
        search_messages(people["kurume"], f"in:#{dm.slug}")
