"""kyoso's own directory data file (kyoso/directory/data/organizations.csv): its format, read and written.

scripts/build_directory_data.py writes it from the reference data; the loader reads it. One row per
organisation, in code order; ``domains`` holds staff e-mail domains separated by spaces.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.db.models import Field

from kyoso.core.text import is_reading
from kyoso.directory.codes import is_valid_code
from kyoso.directory.domains import normalize_domain
from kyoso.directory.errors import DirectoryError, DirectoryFileError
from kyoso.directory.models import MunicipalityType, Organization, OrganizationKind, Region

DEFAULT_DATA_FILE = Path(__file__).resolve().parent / "data" / "organizations.csv"
COLUMNS = (
    "code",
    "kind",
    "municipality_type",
    "name",
    "kana",
    "name_en",
    "prefecture_code",
    "parent_code",
    "region",
    "population",
    "website",
    "domains",
)
# Enough problems to fix a file in one go without flooding the terminal.
MAX_REPORTED_PROBLEMS = 20


@dataclass(frozen=True)
class DirectoryRow:
    code: str
    kind: str
    municipality_type: str
    name: str
    kana: str
    name_en: str
    prefecture_code: str
    parent_code: str
    region: str
    population: int | None
    website: str
    domains: tuple[str, ...]

    def as_csv(self) -> dict[str, str]:
        return {
            **{column: getattr(self, column) for column in COLUMNS},
            "population": "" if self.population is None else str(self.population),
            "domains": " ".join(self.domains),
        }


def write_directory_file(path: Path, rows: Iterable[DirectoryRow]) -> None:
    ordered = sorted(rows, key=lambda row: row.code)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(row.as_csv() for row in ordered)


def read_directory_file(path: Path) -> list[DirectoryRow]:
    """Every row of the file, checked as a whole; DirectoryFileError names each line at fault."""
    try:
        with path.open(encoding="utf-8", newline="") as file:
            reader = csv.DictReader(file)
            if tuple(reader.fieldnames or ()) != COLUMNS:
                raise DirectoryFileError(f"{path}: 列が違います。期待する列: {','.join(COLUMNS)}")
            raw_rows = [(reader.line_num, raw) for raw in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DirectoryFileError(f"{path}: 読み込めません: {error}") from None
    problems: list[str] = []
    rows: list[tuple[int, DirectoryRow]] = []
    for line, raw in raw_rows:
        try:
            rows.append((line, _parse_row(raw)))
        except ValueError as error:
            problems.append(f"{line}行目: {error}")
    problems.extend(_cross_check(rows))
    if problems:
        shown = problems[:MAX_REPORTED_PROBLEMS]
        more = len(problems) - len(shown)
        suffix = f"\n…ほか{more}件" if more else ""
        raise DirectoryFileError(f"{path}:\n" + "\n".join(shown) + suffix)
    return [row for _, row in rows]


def _parse_row(raw: dict[str, str | None]) -> DirectoryRow:
    values = {column: (raw.get(column) or "").strip() for column in COLUMNS}
    code = values["code"]
    if not is_valid_code(code):
        raise ValueError(f"団体コード {code!r} が6桁でないか、チェックディジットが正しくありません")
    kind = values["kind"]
    if kind not in OrganizationKind.values:
        raise ValueError(
            f"{code}: 種別 {kind!r} は {', '.join(OrganizationKind.values)} のどれでもありません"
        )
    municipality_type = values["municipality_type"]
    if (kind == OrganizationKind.MUNICIPALITY) != bool(municipality_type):
        raise ValueError(f"{code}: 市区町村の種類は市区町村（municipality）にだけ、必ず書きます")
    if municipality_type and municipality_type not in MunicipalityType.values:
        raise ValueError(f"{code}: 市区町村の種類 {municipality_type!r} が正しくありません")
    if not values["name"] or len(values["name"]) > _max_length("name"):
        raise ValueError(f"{code}: 名称が空か長すぎます")
    if values["kana"] and not is_reading(values["kana"]):
        raise ValueError(f"{code}: よみがな {values['kana']!r} はひらがなで書きます")
    if values["region"] and values["region"] not in Region.values:
        raise ValueError(f"{code}: 地方 {values['region']!r} が正しくありません")
    population = None
    if values["population"]:
        if not values["population"].isdigit():
            raise ValueError(f"{code}: 人口 {values['population']!r} は0以上の整数で書きます")
        population = int(values["population"])
    website = values["website"]
    if website and (
        urlsplit(website).scheme not in {"http", "https"} or len(website) > _max_length("website")
    ):
        raise ValueError(f"{code}: ウェブサイト {website!r} は http(s) の URL で書きます")
    domains = tuple(values["domains"].split())
    for domain in domains:
        try:
            normalized = normalize_domain(domain)
        except DirectoryError as error:
            raise ValueError(f"{code}: ドメイン {domain!r}: {error}") from None
        if normalized != domain:
            raise ValueError(f"{code}: ドメインは {normalized!r} と書きます")
    return DirectoryRow(
        code=code,
        kind=kind,
        municipality_type=municipality_type,
        name=values["name"],
        kana=values["kana"],
        name_en=values["name_en"],
        prefecture_code=values["prefecture_code"],
        parent_code=values["parent_code"],
        region=values["region"],
        population=population,
        website=website,
        domains=domains,
    )


def _cross_check(rows: list[tuple[int, DirectoryRow]]) -> list[str]:
    """Rules across rows: unique codes, and every prefecture and parent named is in the file."""
    problems: list[str] = []
    kinds: dict[str, str] = {}
    for line, row in rows:
        if row.code in kinds:
            problems.append(f"{line}行目: 団体コード {row.code} が2回出てきます")
        kinds[row.code] = row.kind
    needs_prefecture = {
        OrganizationKind.PREFECTURE,
        OrganizationKind.MUNICIPALITY,
        OrganizationKind.DESIGNATED_CITY_WARD,
    }
    for line, row in rows:
        if row.prefecture_code:
            if kinds.get(row.prefecture_code) != OrganizationKind.PREFECTURE:
                problems.append(
                    f"{line}行目: {row.code} の都道府県 {row.prefecture_code} がファイルにありません"
                )
        elif row.kind in needs_prefecture:
            problems.append(f"{line}行目: {row.code} には都道府県コードが要ります")
        if row.kind == OrganizationKind.PREFECTURE and row.prefecture_code not in {"", row.code}:
            problems.append(f"{line}行目: 都道府県 {row.code} の都道府県コードは自分自身です")
        if row.parent_code and (row.parent_code == row.code or row.parent_code not in kinds):
            problems.append(f"{line}行目: {row.code} の上位団体 {row.parent_code} がファイルにありません")
        if row.kind == OrganizationKind.DESIGNATED_CITY_WARD and not row.parent_code:
            problems.append(f"{line}行目: 行政区 {row.code} には上位団体（市）のコードが要ります")
    return problems


def _max_length(field_name: str) -> int:
    field = Organization._meta.get_field(field_name)
    assert isinstance(field, Field)
    return field.max_length or 0
