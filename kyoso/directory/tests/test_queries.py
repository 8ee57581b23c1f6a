"""Reads for dashboards and filters: bands, regions, prefectures, counts."""

from __future__ import annotations

import pytest

from kyoso.directory.actions import load_directory
from kyoso.directory.models import OrganizationKind, PopulationBand, Region
from kyoso.directory.queries import (
    directory_stats,
    organizations_in_band,
    organizations_in_region,
    prefectures,
)
from kyoso.directory.tests.conftest import (
    CHUO_WARD,
    FUKUOKA,
    FUKUOKA_CITY,
    HAKATA_WARD,
    KURUME,
    TOKYO,
    DirectoryWriter,
)


def codes(queryset: object) -> set[str]:
    return {organization.code for organization in queryset}  # type: ignore[attr-defined]


@pytest.mark.usefixtures("small_directory")
class TestSmallDirectory:
    def test_bands_list_municipalities_and_wards_only_when_asked(self) -> None:
        assert codes(organizations_in_band(PopulationBand.DESIGNATED_CITY)) == {FUKUOKA_CITY}
        with_wards = organizations_in_band(PopulationBand.DESIGNATED_CITY, include_wards=True)
        assert codes(with_wards) == {FUKUOKA_CITY, CHUO_WARD, HAKATA_WARD}
        assert codes(organizations_in_band(PopulationBand.OVER_300K)) >= {KURUME}

    def test_a_region_holds_its_prefectures_municipalities_and_wards(self) -> None:
        assert codes(organizations_in_region(Region.KYUSHU_OKINAWA)) == {
            FUKUOKA,
            KURUME,
            FUKUOKA_CITY,
            CHUO_WARD,
            HAKATA_WARD,
        }

    def test_prefectures_in_code_order(self) -> None:
        assert [p.code for p in prefectures()] == [TOKYO, FUKUOKA]

    def test_stats_count_active_organisations_of_every_kind(self, write_directory: DirectoryWriter) -> None:
        load_directory(write_directory(without=(KURUME,)))
        assert directory_stats() == {
            "prefecture": 2,
            "municipality": 3,
            "designated_city_ward": 2,
            "national_agency": 2,
            "other_public_body": 0,
        }


def test_shipped_directory_counts(shipped_directory: object) -> None:
    stats = directory_stats()
    assert stats[OrganizationKind.PREFECTURE] == 47
    assert stats[OrganizationKind.MUNICIPALITY] == 1741
    assert stats[OrganizationKind.DESIGNATED_CITY_WARD] == 171
    assert stats[OrganizationKind.NATIONAL_AGENCY] >= 40
    assert stats[OrganizationKind.OTHER_PUBLIC_BODY] == 0
    assert organizations_in_band(PopulationBand.DESIGNATED_CITY).count() == 20
    assert len(prefectures()) == 47
    kinds_by_region = {region: organizations_in_region(region).count() for region in Region.values}
    assert all(kinds_by_region.values())
    assert sum(kinds_by_region.values()) == 47 + 1741 + 171
