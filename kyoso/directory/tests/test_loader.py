"""Loading the national list: idempotent, by code, retiring instead of deleting, keeping operators' work."""

from __future__ import annotations

from pathlib import Path

import pytest

from kyoso.directory.actions import LoadResult, add_domain, add_other_public_body, load_directory
from kyoso.directory.errors import DirectoryFileError
from kyoso.directory.models import DomainSource, Organization, OrganizationDomain, PopulationBand
from kyoso.directory.tests.conftest import (
    CHUO_WARD,
    FUKUOKA,
    FUKUOKA_CITY,
    HIGASHIKURUME,
    KOUCHOI,
    KURUME,
    SOUMU,
    DirectoryWriter,
)

SMALL_DIRECTORY_SIZE = 10


def domains_of(code: str) -> dict[str, str]:
    return dict(OrganizationDomain.objects.filter(organization__code=code).values_list("domain", "source"))


def test_first_load_creates_every_row(small_directory: LoadResult) -> None:
    assert small_directory == LoadResult(created=SMALL_DIRECTORY_SIZE, updated=0, unchanged=0, deactivated=0)
    assert Organization.objects.count() == SMALL_DIRECTORY_SIZE


def test_load_twice_updates_and_never_duplicates(
    small_directory: LoadResult, write_directory: DirectoryWriter
) -> None:
    again = load_directory(write_directory())
    assert again == LoadResult(created=0, updated=0, unchanged=SMALL_DIRECTORY_SIZE, deactivated=0)
    assert Organization.objects.count() == SMALL_DIRECTORY_SIZE
    assert OrganizationDomain.objects.count() == SMALL_DIRECTORY_SIZE


def test_links_prefectures_parents_and_the_prefecture_to_itself(small_directory: LoadResult) -> None:
    kurume = Organization.objects.get(code=KURUME)
    ward = Organization.objects.get(code=CHUO_WARD)
    fukuoka = Organization.objects.get(code=FUKUOKA)
    assert kurume.prefecture == fukuoka
    assert ward.parent == Organization.objects.get(code=FUKUOKA_CITY)
    assert ward.prefecture == fukuoka
    assert fukuoka.prefecture == fukuoka
    kouchoi_parent = Organization.objects.get(code=KOUCHOI).parent
    assert kouchoi_parent is not None
    assert kouchoi_parent.code == SOUMU


def test_population_band_comes_from_population_and_wards_make_a_designated_city(
    small_directory: LoadResult,
) -> None:
    bands = dict(Organization.objects.values_list("code", "population_band"))
    assert bands[KURUME] == PopulationBand.OVER_300K
    assert bands[HIGASHIKURUME] == PopulationBand.FROM_100K_TO_300K
    assert bands[FUKUOKA_CITY] == PopulationBand.DESIGNATED_CITY
    assert bands[FUKUOKA] == ""  # prefectures, wards and agencies have no band
    assert bands[CHUO_WARD] == ""
    assert bands[SOUMU] == ""


def test_a_changed_name_in_the_file_is_updated_in_place(
    small_directory: LoadResult, write_directory: DirectoryWriter
) -> None:
    kurume = Organization.objects.get(code=KURUME)
    result = load_directory(write_directory(changes={KURUME: {"name": "新久留米市", "population": 9_000}}))
    assert result == LoadResult(created=0, updated=1, unchanged=SMALL_DIRECTORY_SIZE - 1, deactivated=0)
    kurume.refresh_from_db()
    assert (kurume.name, kurume.population_band) == ("新久留米市", PopulationBand.UNDER_10K)
    assert kurume.updated_at > kurume.created_at


def test_a_row_removed_from_the_file_becomes_inactive_not_deleted(
    small_directory: LoadResult, write_directory: DirectoryWriter
) -> None:
    result = load_directory(write_directory(without=(HIGASHIKURUME,)))
    assert result.deactivated == 1
    assert Organization.objects.get(code=HIGASHIKURUME).is_active is False
    assert load_directory(write_directory(without=(HIGASHIKURUME,))).deactivated == 0


def test_a_row_back_in_the_file_is_active_again(
    small_directory: LoadResult, write_directory: DirectoryWriter
) -> None:
    load_directory(write_directory(without=(HIGASHIKURUME,)))
    result = load_directory(write_directory())
    assert result.updated == 1
    assert Organization.objects.get(code=HIGASHIKURUME).is_active is True


def test_operator_added_bodies_are_never_deactivated(
    small_directory: LoadResult, write_directory: DirectoryWriter
) -> None:
    fukuoka = Organization.objects.get(code=FUKUOKA)
    body = add_other_public_body(
        name="久留米広域消防本部", kana="くるめこういきしょうぼうほんぶ", prefecture=fukuoka
    )
    assert load_directory(write_directory()).deactivated == 0
    body.refresh_from_db()
    assert body.is_active


def test_website_domains_follow_the_file(
    small_directory: LoadResult, write_directory: DirectoryWriter
) -> None:
    result = load_directory(write_directory(changes={KURUME: {"domains": ("city.kurume.lg.jp",)}}))
    assert result.updated == 1
    assert domains_of(KURUME) == {"city.kurume.lg.jp": DomainSource.WEBSITE}


def test_operator_domains_survive_a_load(
    small_directory: LoadResult, write_directory: DirectoryWriter
) -> None:
    kurume = Organization.objects.get(code=KURUME)
    add_domain(kurume, "kurume-city.example.jp")
    load_directory(write_directory(changes={KURUME: {"domains": ()}}))
    assert domains_of(KURUME) == {"kurume-city.example.jp": DomainSource.OPERATOR}


def test_an_operator_domain_the_file_also_lists_stays_the_operators(
    small_directory: LoadResult, write_directory: DirectoryWriter
) -> None:
    kurume = Organization.objects.get(code=KURUME)
    add_domain(kurume, "city.kurume.lg.jp")
    load_directory(
        write_directory(changes={KURUME: {"domains": ("city.kurume.fukuoka.jp", "city.kurume.lg.jp")}})
    )
    assert domains_of(KURUME) == {
        "city.kurume.fukuoka.jp": DomainSource.WEBSITE,
        "city.kurume.lg.jp": DomainSource.OPERATOR,
    }


def test_a_broken_file_names_the_lines_and_changes_nothing(db: None, tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_text(
        "code,kind,municipality_type,name,kana,name_en,prefecture_code,parent_code,region,population,website,domains\n"
        "400009,prefecture,,福岡県,ふくおかけん,,400009,,kyushu_okinawa,,,\n"
        "402037,municipality,city,久留米市,クルメシ,,400009,,kyushu_okinawa,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(DirectoryFileError) as raised:
        load_directory(path)
    assert "3行目" in str(raised.value)
    assert Organization.objects.count() == 0


def test_a_file_with_other_columns_is_refused(db: None, tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("lgcode,name\n402036,久留米市\n", encoding="utf-8")
    with pytest.raises(DirectoryFileError, match="列"):
        load_directory(path)


def test_shipped_file_loads_fully_and_reloads_unchanged(shipped_directory: LoadResult) -> None:
    assert shipped_directory.created == Organization.objects.count() >= 2000
    again = load_directory()
    assert (again.created, again.updated, again.deactivated) == (0, 0, 0)
    assert again.unchanged == shipped_directory.created
