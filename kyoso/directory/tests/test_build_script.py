"""scripts/build_directory_data.py: staff domains from hosts, stable agency codes, same bytes twice."""

from __future__ import annotations

import csv
import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from kyoso.directory.datafile import DEFAULT_DATA_FILE, read_directory_file

ROOT = Path(__file__).resolve().parents[3]
SHARED = ROOT / ".." / "shared" / "data"
SHARED_FILES = (
    "jp_localgov/jp_localgov_normalized.csv",
    "jp_population/jp_municipal_population_2020.csv",
    "jp_gov_agencies/jp_gov_ministries_agencies.csv",
    "jp_pref_tilegrid/jp_pref_tilegrid_ja.csv",
)
needs_shared_data = pytest.mark.skipif(
    not all((SHARED / name).exists() for name in SHARED_FILES),
    reason="../shared/data is not beside the repository",
)


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_directory_data", ROOT / "scripts" / "build_directory_data.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("www.city.kurume.fukuoka.jp", "city.kurume.fukuoka.jp"),
        ("web.pref.hyogo.lg.jp", "pref.hyogo.lg.jp"),
        ("www4.city.kanazawa.lg.jp", "city.kanazawa.lg.jp"),
        ("kizuna.town.tamaki.mie.jp", "town.tamaki.mie.jp"),
        ("www.city.sapporo.jp", "city.sapporo.jp"),
        ("www.e-rumoi.jp", "e-rumoi.jp"),
        ("www.miyoshi.i-tokushima.jp", "miyoshi.i-tokushima.jp"),
        ("vill.toho-info.com", "vill.toho-info.com"),
    ],
)
def test_staff_domain_is_the_organisations_namespace_of_its_website(
    script: ModuleType, host: str, domain: str
) -> None:
    assert script.staff_domain(host) == domain


def copy_shared(tmp_path: Path) -> Path:
    shared = tmp_path / "shared"
    for name in SHARED_FILES:
        (shared / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHARED / name, shared / name)
    return shared


@needs_shared_data
def test_rebuilding_gives_the_shipped_file_byte_for_byte(script: ModuleType, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.csv"
    assert script.main(["--shared", str(SHARED), "--output", str(fresh)]) == 0
    assert fresh.read_bytes() == DEFAULT_DATA_FILE.read_bytes()


@needs_shared_data
def test_agency_codes_stay_and_a_new_agency_is_appended(script: ModuleType, tmp_path: Path) -> None:
    output = tmp_path / "organizations.csv"
    shutil.copyfile(DEFAULT_DATA_FILE, output)
    shipped = {row.name: row.code for row in read_directory_file(output) if row.kind == "national_agency"}
    shared = copy_shared(tmp_path)
    agencies = shared / "jp_gov_agencies" / "jp_gov_ministries_agencies.csv"
    with agencies.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    without = [row for row in rows if row["name_ja"] != "内閣法制局"]
    for content in (without, rows):  # drop it, then bring it back as if new
        with agencies.open("w", encoding="utf-8", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(content)
        assert script.main(["--shared", str(shared), "--output", str(output)]) == 0
    rebuilt = {row.name: row.code for row in read_directory_file(output) if row.kind == "national_agency"}
    assert {name: code for name, code in rebuilt.items() if name != "内閣法制局"} == {
        name: code for name, code in shipped.items() if name != "内閣法制局"
    }
    assert rebuilt["内閣法制局"] > max(shipped.values())


def test_shipped_file_has_the_national_counts_and_no_website_only_rows() -> None:
    rows = read_directory_file(DEFAULT_DATA_FILE)
    names = {row.name for row in rows}
    assert not names & {"首相官邸", "内閣府防災", "e-Gov(電子政府の総合窓口)"}
    by_name = {row.name: row for row in rows}
    assert "kantei.go.jp" in by_name["内閣官房"].domains
    assert by_name["スポーツ庁"].domains == by_name["文部科学省"].domains == ("mext.go.jp",)
    assert by_name["スポーツ庁"].parent_code == by_name["文部科学省"].code
    wards = [row for row in rows if row.kind == "designated_city_ward"]
    assert all(row.population is None and row.parent_code for row in wards)
