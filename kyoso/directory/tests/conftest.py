"""Directory fixtures: a small data file written per test, and the shipped file where needed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from kyoso.directory.actions import LoadResult, load_directory
from kyoso.directory.codes import own_code
from kyoso.directory.datafile import DEFAULT_DATA_FILE, DirectoryRow, write_directory_file

FUKUOKA, TOKYO = "400009", "130001"
KURUME, FUKUOKA_CITY, CHUO_WARD, HAKATA_WARD = "402036", "401307", "401331", "401323"
HIGASHIKURUME, NAKANO = "132225", "131148"
SOUMU, KOUCHOI = own_code(168), own_code(176)


def _row(code: str, kind: str, name: str, kana: str, **fields: object) -> DirectoryRow:
    values: dict[str, object] = {
        "code": code,
        "kind": kind,
        "municipality_type": "",
        "name": name,
        "kana": kana,
        "name_en": "",
        "prefecture_code": "",
        "parent_code": "",
        "region": "",
        "population": None,
        "website": "",
        "domains": (),
    }
    values.update(fields)
    return DirectoryRow(**values)  # type: ignore[arg-type]


def small_directory_rows() -> list[DirectoryRow]:
    """Two prefectures, some municipalities, a city with two wards, a ministry and its commission."""
    kyushu = {"region": "kyushu_okinawa", "prefecture_code": FUKUOKA}
    kanto = {"region": "kanto", "prefecture_code": TOKYO}
    fukuoka_city = ("city.fukuoka.lg.jp",)
    return [
        _row(FUKUOKA, "prefecture", "福岡県", "ふくおかけん", name_en="Fukuoka", population=5_135_214,
             domains=("pref.fukuoka.lg.jp",), **kyushu),
        _row(KURUME, "municipality", "久留米市", "くるめし", municipality_type="city", population=303_316,
             website="https://www.city.kurume.fukuoka.jp/", domains=("city.kurume.fukuoka.jp",), **kyushu),
        _row(FUKUOKA_CITY, "municipality", "福岡市", "ふくおかし", municipality_type="city",
             population=1_612_392, domains=fukuoka_city, **kyushu),
        _row(CHUO_WARD, "designated_city_ward", "福岡市中央区", "ふくおかしちゅうおうく",
             parent_code=FUKUOKA_CITY, domains=fukuoka_city, **kyushu),
        _row(HAKATA_WARD, "designated_city_ward", "福岡市博多区", "ふくおかしはかたく",
             parent_code=FUKUOKA_CITY, domains=fukuoka_city, **kyushu),
        _row(TOKYO, "prefecture", "東京都", "とうきょうと", name_en="Tokyo", population=14_047_594,
             domains=("metro.tokyo.lg.jp",), **kanto),
        _row(HIGASHIKURUME, "municipality", "東久留米市", "ひがしくるめし", municipality_type="city",
             population=116_632, domains=("city.higashikurume.lg.jp",), **kanto),
        _row(NAKANO, "municipality", "中野区", "なかのく", municipality_type="special_ward",
             population=344_880, domains=("city.tokyo-nakano.lg.jp",), **kanto),
        _row(SOUMU, "national_agency", "総務省", "そうむしょう", domains=("soumu.go.jp",)),
        _row(KOUCHOI, "national_agency", "公害等調整委員会", "こうがいとうちょうせいいいんかい",
             parent_code=SOUMU, domains=("soumu.go.jp",)),
    ]  # fmt: skip


DirectoryWriter = Callable[..., Path]


@pytest.fixture
def write_directory(tmp_path: Path) -> DirectoryWriter:
    """Write the small directory, with rows changed (``changes={code: {field: value}}``) or left out."""

    def write(
        *,
        changes: dict[str, dict[str, object]] | None = None,
        without: tuple[str, ...] = (),
        name: str = "d.csv",
    ) -> Path:
        rows = [
            replace(row, **(changes or {}).get(row.code, {}))  # type: ignore[arg-type]
            for row in small_directory_rows()
            if row.code not in without
        ]
        path = tmp_path / name
        write_directory_file(path, rows)
        return path

    return write


@pytest.fixture
def small_directory(db: None, write_directory: DirectoryWriter) -> LoadResult:
    return load_directory(write_directory())


@pytest.fixture
def shipped_directory(db: None) -> LoadResult:
    """The real national list, loaded into this test's database (about a second)."""
    return load_directory(DEFAULT_DATA_FILE)
