"""Type-ahead: by name, by reading in any kana or width, by code, with the prefecture in front."""

from __future__ import annotations

import pytest

from kyoso.directory.actions import load_directory
from kyoso.directory.models import Organization
from kyoso.directory.queries import search_organizations
from kyoso.directory.tests.conftest import (
    CHUO_WARD,
    FUKUOKA,
    FUKUOKA_CITY,
    HAKATA_WARD,
    HIGASHIKURUME,
    KURUME,
    NAKANO,
    SOUMU,
    DirectoryWriter,
)


def found(query: str, limit: int = 20) -> list[str]:
    return [organization.code for organization in search_organizations(query, limit=limit)]


@pytest.mark.usefixtures("small_directory")
class TestSmallDirectory:
    @pytest.mark.parametrize("query", ["くるめ", "久留", "クルメ", "ｸﾙﾒ", "くるめし", "久留米市", " 久留米 "])
    def test_kurume_is_found_by_name_or_reading(self, query: str) -> None:
        assert found(query) == [KURUME]

    def test_a_name_in_the_middle_is_not_a_prefix_match(self) -> None:
        assert HIGASHIKURUME not in found("久留米")

    @pytest.mark.parametrize("query", ["福岡県久留米", "福岡県 久留米市", "ふくおかけんくるめ"])
    def test_the_prefecture_may_come_first(self, query: str) -> None:
        assert found(query) == [KURUME]

    def test_code_prefixes_match_including_full_width_digits(self) -> None:
        assert found("4020") == [KURUME]
        assert found("４０２０３６") == [KURUME]

    def test_exact_match_comes_before_prefix_matches(self) -> None:
        assert found("福岡市")[0] == FUKUOKA_CITY
        assert found("ふくおかけん")[0] == FUKUOKA

    def test_prefecture_then_municipalities_then_wards(self) -> None:
        assert found("福岡") == [FUKUOKA, FUKUOKA_CITY, HAKATA_WARD, CHUO_WARD, KURUME]  # wards by code

    def test_names_starting_with_the_query_come_before_those_of_the_prefecture(self) -> None:
        assert found("ふくおか")[-1] == KURUME

    def test_larger_population_first_among_equals(self) -> None:
        assert found("ふくおかし")[:1] == [FUKUOKA_CITY]

    def test_a_ward_is_found_by_its_own_name(self) -> None:
        assert found("中央区") == [CHUO_WARD]
        assert found("博多") == [HAKATA_WARD]
        assert found("はかた") == [HAKATA_WARD]

    def test_agencies_are_found_by_reading_and_english_names_by_prefix(self) -> None:
        assert found("そうむ") == [SOUMU]
        assert found("toky") == ["130001"]

    def test_special_wards_are_municipalities_found_by_name(self) -> None:
        assert found("中野") == [NAKANO]

    def test_limit_and_empty_queries(self) -> None:
        assert len(found("ふくおか", limit=2)) == 2
        assert found("") == []
        assert found("   ") == []
        assert found("くるめ", limit=0) == []

    def test_like_wildcards_are_taken_literally(self) -> None:
        assert found("%") == []
        assert found("_") == []


def test_inactive_organisations_are_not_offered(db: None, write_directory: DirectoryWriter) -> None:
    load_directory(write_directory())
    load_directory(write_directory(without=(KURUME,)))
    assert found("くるめ") == []


def test_shipped_directory_finds_kurume_every_way(shipped_directory: object) -> None:
    for query in ("くるめ", "久留", "クルメ"):
        assert found(query)[0] == KURUME, query
    assert Organization.objects.get(code=KURUME).full_name == "福岡県久留米市"
    assert found("福岡県久留米")[0] == KURUME
    assert found("スポーツ") == [search_organizations("スポーツ庁")[0].code]
    wards = search_organizations("中区")
    assert {ward.full_name for ward in wards} >= {"横浜市中区", "名古屋市中区", "広島市中区"}
