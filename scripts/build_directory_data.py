"""Build kyoso/directory/data/organizations.csv from the reference data in ../shared/data.

    .venv/bin/python scripts/build_directory_data.py [--shared DIR] [--output FILE]

It reads (see each folder's SOURCE.txt and the data README):
- jp_localgov/jp_localgov_normalized.csv: codes, names, readings and websites of 47 prefectures,
  1,741 municipalities and 171 designated-city wards (code4fukui/localgovjp, CC0);
- jp_population/jp_municipal_population_2020.csv: 2020 census population (統計センター SSDSE-A-2026);
- jp_gov_agencies/jp_gov_ministries_agencies.csv: national ministries and agencies with their go.jp domains;
- jp_pref_tilegrid/jp_pref_tilegrid_ja.csv: the English names of the prefectures (hafen/grid-designer, MIT),

and writes kyoso's own file in its own format (kyoso.directory.datafile). Nothing is copied as it is.
The output depends only on the inputs and on the codes already in the output file, so running it
twice gives the same bytes. National agencies keep the codes the existing file gave them; a new
agency gets the next free serial.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = REPO_ROOT / ".." / "shared" / "data"

sys.path.insert(0, str(REPO_ROOT))

import django  # noqa: E402
from django.conf import settings  # noqa: E402

# The datafile module reads the model's choices; no database or project settings are needed.
if not settings.configured:
    settings.configure(INSTALLED_APPS=["kyoso.directory"], USE_I18N=False)
    django.setup()

from kyoso.core.text import is_reading  # noqa: E402
from kyoso.directory.classification import region_for_prefecture_code  # noqa: E402
from kyoso.directory.codes import AGENCY_SERIALS, own_code, own_code_serial  # noqa: E402
from kyoso.directory.datafile import (  # noqa: E402
    DEFAULT_DATA_FILE,
    DirectoryRow,
    read_directory_file,
    write_directory_file,
)
from kyoso.directory.domains import normalize_domain  # noqa: E402
from kyoso.directory.models import MunicipalityType, OrganizationKind  # noqa: E402

EXPECTED_COUNTS = {
    OrganizationKind.PREFECTURE: 47,
    OrganizationKind.MUNICIPALITY: 1741,
    OrganizationKind.DESIGNATED_CITY_WARD: 171,
}
EXPECTED_DESIGNATED_CITIES = 20
MIN_AGENCIES = 40

MUNICIPALITY_TYPES = {
    "city": MunicipalityType.CITY,
    "town": MunicipalityType.TOWN,
    "village": MunicipalityType.VILLAGE,
    "special_ward": MunicipalityType.SPECIAL_WARD,
}

# Rows of the agency list that are websites rather than bodies whose staff register. A site's domain
# goes to the body whose staff run it, so their addresses still match; the row itself is not kept.
# - 首相官邸 (kantei.go.jp) is the Cabinet's website, run by 内閣広報室 inside 内閣官房.
# - 内閣府防災 (bousai.go.jp) is the site of 内閣府's 防災担当; its people are 内閣府 staff.
FOLD_INTO = {"首相官邸": "内閣官房", "内閣府防災": "内閣府"}
# - e-Gov is a public portal operated by デジタル庁. e-gov.go.jp names a service, not a staff mail
#   domain (デジタル庁 staff use digital.go.jp), so neither the row nor its domain is kept.
DROP = {"e-Gov(電子政府の総合窓口)"}
# Parents in the agency list that are not organisations of the directory.
NO_PARENT = {"内閣", "(内閣から独立)", ""}

# Readings and official English names of the agencies: facts the agency list does not carry. A new
# row in the list fails the build until it is given its reading here.
AGENCY_NAMES = {
    "内閣官房": ("ないかくかんぼう", "Cabinet Secretariat"),
    "内閣法制局": ("ないかくほうせいきょく", "Cabinet Legislation Bureau"),
    "人事院": ("じんじいん", "National Personnel Authority"),
    "内閣府": ("ないかくふ", "Cabinet Office"),
    "宮内庁": ("くないちょう", "Imperial Household Agency"),
    "公正取引委員会": ("こうせいとりひきいいんかい", "Japan Fair Trade Commission"),
    "国家公安委員会": ("こっかこうあんいいんかい", "National Public Safety Commission"),
    "警察庁": ("けいさつちょう", "National Police Agency"),
    "個人情報保護委員会": ("こじんじょうほうほごいいんかい", "Personal Information Protection Commission"),
    "カジノ管理委員会": ("かじのかんりいいんかい", "Japan Casino Regulatory Commission"),
    "金融庁": ("きんゆうちょう", "Financial Services Agency"),
    "消費者庁": ("しょうひしゃちょう", "Consumer Affairs Agency"),
    "こども家庭庁": ("こどもかていちょう", "Children and Families Agency"),
    "デジタル庁": ("でじたるちょう", "Digital Agency"),
    "復興庁": ("ふっこうちょう", "Reconstruction Agency"),
    "総務省": ("そうむしょう", "Ministry of Internal Affairs and Communications"),
    "公害等調整委員会": ("こうがいとうちょうせいいいんかい", "Environmental Dispute Coordination Commission"),
    "消防庁": ("しょうぼうちょう", "Fire and Disaster Management Agency"),
    "法務省": ("ほうむしょう", "Ministry of Justice"),
    "出入国在留管理庁": ("しゅつにゅうこくざいりゅうかんりちょう", "Immigration Services Agency"),
    "公安調査庁": ("こうあんちょうさちょう", "Public Security Intelligence Agency"),
    "外務省": ("がいむしょう", "Ministry of Foreign Affairs"),
    "財務省": ("ざいむしょう", "Ministry of Finance"),
    "国税庁": ("こくぜいちょう", "National Tax Agency"),
    "文部科学省": ("もんぶかがくしょう", "Ministry of Education, Culture, Sports, Science and Technology"),
    "スポーツ庁": ("すぽーつちょう", "Japan Sports Agency"),
    "文化庁": ("ぶんかちょう", "Agency for Cultural Affairs"),
    "厚生労働省": ("こうせいろうどうしょう", "Ministry of Health, Labour and Welfare"),
    "中央労働委員会": ("ちゅうおうろうどういいんかい", "Central Labour Relations Commission"),
    "農林水産省": ("のうりんすいさんしょう", "Ministry of Agriculture, Forestry and Fisheries"),
    "林野庁": ("りんやちょう", "Forestry Agency"),
    "水産庁": ("すいさんちょう", "Fisheries Agency"),
    "経済産業省": ("けいざいさんぎょうしょう", "Ministry of Economy, Trade and Industry"),
    "資源エネルギー庁": ("しげんえねるぎーちょう", "Agency for Natural Resources and Energy"),
    "特許庁": ("とっきょちょう", "Japan Patent Office"),
    "中小企業庁": ("ちゅうしょうきぎょうちょう", "Small and Medium Enterprise Agency"),
    "国土交通省": ("こくどこうつうしょう", "Ministry of Land, Infrastructure, Transport and Tourism"),
    "観光庁": ("かんこうちょう", "Japan Tourism Agency"),
    "気象庁": ("きしょうちょう", "Japan Meteorological Agency"),
    "運輸安全委員会": ("うんゆあんぜんいいんかい", "Japan Transport Safety Board"),
    "海上保安庁": ("かいじょうほあんちょう", "Japan Coast Guard"),
    "国土地理院": ("こくどちりいん", "Geospatial Information Authority of Japan"),
    "環境省": ("かんきょうしょう", "Ministry of the Environment"),
    "原子力規制委員会": ("げんしりょくきせいいいんかい", "Nuclear Regulation Authority"),
    "防衛省": ("ぼうえいしょう", "Ministry of Defense"),
    "防衛装備庁": ("ぼうえいそうびちょう", "Acquisition, Technology and Logistics Agency"),
    "会計検査院": ("かいけいけんさいん", "Board of Audit of Japan"),
}

# The first label of a host that names a web server, not the organisation: www, www1, www4, web.
_WEB_SERVER_LABEL = re.compile(r"^(www\d*|web)$")
# 地方公共団体型ドメイン: pref.X.jp, city.X.jp, {city,town,vill}.X.<prefecture>.jp and {pref,city,town,
# vill}.X.lg.jp. The namespace starts at the type label; anything before it is a host inside it.
_LOCAL_GOVERNMENT_TYPE_LABELS = {"pref", "city", "town", "vill"}


class BuildError(Exception):
    pass


def staff_domain(host: str) -> str:
    """The staff e-mail domain a website host points to.

    www.city.kurume.fukuoka.jp → city.kurume.fukuoka.jp; web.pref.hyogo.lg.jp → pref.hyogo.lg.jp;
    www4.city.kanazawa.lg.jp → city.kanazawa.lg.jp; kizuna.town.tamaki.mie.jp → town.tamaki.mie.jp (a
    site named inside the town's namespace, while the town's mail is at the namespace itself).
    Other hosts only lose a leading web-server label: www.e-rumoi.jp → e-rumoi.jp. A host such as
    www.miyoshi.i-tokushima.jp (a town's corner of a prefecture-wide portal) keeps its own subdomain,
    so it never claims the portal's other tenants; label-boundary matching does the rest.
    """
    labels = host.lower().rstrip(".").split(".")
    if labels[-1] == "jp":
        for index, label in enumerate(labels[:-2]):
            if label in _LOCAL_GOVERNMENT_TYPE_LABELS:
                return normalize_domain(".".join(labels[index:]))
    while len(labels) > 2 and _WEB_SERVER_LABEL.match(labels[0]):
        labels = labels[1:]
    return normalize_domain(".".join(labels))


def read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        raise BuildError(f"missing input {path}: is --shared pointing at shared/data?")
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def local_government_rows(shared: Path) -> list[DirectoryRow]:
    localgov = read_csv(shared / "jp_localgov" / "jp_localgov_normalized.csv")
    population_rows = read_csv(shared / "jp_population" / "jp_municipal_population_2020.csv")
    tilegrid = read_csv(shared / "jp_pref_tilegrid" / "jp_pref_tilegrid_ja.csv")

    names_by_code = {row["lgcode"]: row["name"] for row in localgov}
    population: dict[str, int] = {}
    for row in population_rows:
        if names_by_code.get(row["lgcode"]) != row["name"]:
            raise BuildError(
                f"population row {row['lgcode']} {row['name']} does not match the local government list"
            )
        population[row["lgcode"]] = int(row["population_2020_census"])
    english = {}
    for row in tilegrid:
        if names_by_code.get(row["lgcode"]) != row["name_ja"]:
            raise BuildError(f"tile grid row {row['lgcode']} {row['name_ja']} does not match the list")
        english[row["lgcode"]] = row["name_en"]
    prefecture_code_of = {row["pref_code"]: row["lgcode"] for row in localgov if row["kind"] == "prefecture"}
    # A prefecture's population is the sum of its municipalities: one number for dashboards.
    prefecture_population: Counter[str] = Counter()
    for code, people in population.items():
        prefecture_population[prefecture_code_of[code[:2]]] += people

    rows = []
    for source in localgov:
        code, kind = source["lgcode"], source["kind"]
        if not is_reading(source["kana"]):
            raise BuildError(f"{code}: reading {source['kana']!r} is not hiragana")
        if kind == "prefecture":
            our_kind, people = OrganizationKind.PREFECTURE, prefecture_population[code]
        elif kind == "designated_city_ward":
            # The census counts a designated city as a whole; its wards carry no population here.
            our_kind, people = OrganizationKind.DESIGNATED_CITY_WARD, None
        elif kind in MUNICIPALITY_TYPES:
            our_kind, people = OrganizationKind.MUNICIPALITY, population.get(code)
            if people is None:
                raise BuildError(f"{code} {source['name']}: no 2020 census population")
        else:
            raise BuildError(f"{code}: unknown kind {kind!r}")
        rows.append(
            DirectoryRow(
                code=code,
                kind=our_kind,
                municipality_type=MUNICIPALITY_TYPES.get(kind, ""),
                name=source["name"],
                kana=source["kana"],
                name_en=english.get(code, ""),
                prefecture_code=prefecture_code_of[source["pref_code"]],
                parent_code=source["parent_lgcode"],
                region=region_for_prefecture_code(source["pref_code"]),
                population=people,
                website=source["url"],
                domains=(staff_domain(urlsplit(source["url"]).hostname or source["domain"]),),
            )
        )
    return rows


def agency_rows(shared: Path, existing_codes: dict[str, str]) -> list[DirectoryRow]:
    """National agencies with kyoso's own codes: those already assigned are kept, new ones appended."""
    source_rows = read_csv(shared / "jp_gov_agencies" / "jp_gov_ministries_agencies.csv")
    kept = [row for row in source_rows if row["name_ja"] not in FOLD_INTO and row["name_ja"] not in DROP]
    extra_domains: dict[str, list[str]] = {}
    for row in source_rows:
        if row["name_ja"] in FOLD_INTO:
            extra_domains.setdefault(FOLD_INTO[row["name_ja"]], []).append(row["registrable_domain"])
        elif row["name_ja"] not in DROP and row["type"].startswith(("ウェブサイト", "ポータル")):
            raise BuildError(f"{row['name_ja']} is a website, not a body: decide in FOLD_INTO or DROP")

    codes = dict(existing_codes)
    # Serials only grow from the largest one in the file. Retired agencies leave the file (and are
    # deactivated on load), so a serial freed at the very top could come back; renames are rare and
    # reviewed in the diff of this file.
    next_serial = max((own_code_serial(code) or 0 for code in codes.values()), default=0) + 1
    for row in kept:
        if row["name_ja"] not in codes:
            if next_serial not in AGENCY_SERIALS:
                raise BuildError("no agency serials left")
            codes[row["name_ja"]] = own_code(next_serial)
            next_serial += 1

    rows = []
    for row in kept:
        name = row["name_ja"]
        if name not in AGENCY_NAMES:
            raise BuildError(f"{name}: add its reading and English name to AGENCY_NAMES")
        kana, name_en = AGENCY_NAMES[name]
        parent = row["parent"]
        if parent not in NO_PARENT and parent not in codes:
            raise BuildError(f"{name}: parent {parent!r} is not an agency of the list")
        # Sub-path agencies (スポーツ庁 at mext.go.jp/sports/) share the ministry's domain: both keep it.
        domains = [row["registrable_domain"], *extra_domains.get(name, [])]
        rows.append(
            DirectoryRow(
                code=codes[name],
                kind=OrganizationKind.NATIONAL_AGENCY,
                municipality_type="",
                name=name,
                kana=kana,
                name_en=name_en,
                prefecture_code="",
                parent_code="" if parent in NO_PARENT else codes[parent],
                region="",
                population=None,
                website=row["url"],
                domains=tuple(sorted({normalize_domain(domain) for domain in domains})),
            )
        )
    return rows


def existing_agency_codes(output: Path) -> dict[str, str]:
    if not output.exists():
        return {}
    return {
        row.name: row.code
        for row in read_directory_file(output)
        if row.kind == OrganizationKind.NATIONAL_AGENCY
    }


def check_counts(rows: list[DirectoryRow]) -> None:
    counts = Counter(row.kind for row in rows)
    for kind, expected in EXPECTED_COUNTS.items():
        if counts[kind] != expected:
            raise BuildError(f"expected {expected} rows of kind {kind}, built {counts[kind]}")
    designated = {row.parent_code for row in rows if row.kind == OrganizationKind.DESIGNATED_CITY_WARD}
    if len(designated) != EXPECTED_DESIGNATED_CITIES:
        raise BuildError(f"expected {EXPECTED_DESIGNATED_CITIES} designated cities, found {len(designated)}")
    if counts[OrganizationKind.NATIONAL_AGENCY] < MIN_AGENCIES:
        raise BuildError(f"only {counts[OrganizationKind.NATIONAL_AGENCY]} national agencies")


def build(shared: Path, output: Path) -> list[DirectoryRow]:
    rows = local_government_rows(shared) + agency_rows(shared, existing_agency_codes(output))
    check_counts(rows)
    write_directory_file(output, rows)
    # Read it back with the loader's own checks, so a file that would not load is never left behind.
    return read_directory_file(output)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared/data folder")
    parser.add_argument("--output", type=Path, default=DEFAULT_DATA_FILE, help="the file to write")
    args = parser.parse_args(argv)
    try:
        rows = build(args.shared.resolve(), args.output)
    except BuildError as error:
        print(f"build_directory_data: {error}", file=sys.stderr)
        return 1
    counts = Counter(row.kind for row in rows)
    summary = ", ".join(f"{kind} {counts[kind]}" for kind in OrganizationKind.values if counts[kind])
    print(f"wrote {len(rows)} organisations to {args.output} ({summary})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
