"""Every change to the directory: loading the national list, and what operators add by hand."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kyoso.core.text import is_reading, normalize_text, reading_of
from kyoso.directory.classification import population_band_for, region_for_prefecture_code
from kyoso.directory.codes import (
    OTHER_PUBLIC_BODY_SERIALS,
    OWN_CODE_PREFIX,
    own_code,
    own_code_serial,
    parse_code,
)
from kyoso.directory.datafile import DEFAULT_DATA_FILE, DirectoryRow, read_directory_file
from kyoso.directory.domains import normalize_domain
from kyoso.directory.errors import (
    CodeAlreadyUsed,
    DirectoryFileError,
    DomainAlreadyAdded,
    DomainNotFound,
    InvalidOrganization,
)
from kyoso.directory.models import DomainSource, Organization, OrganizationDomain, OrganizationKind

# The fields a load writes. Only created_at, and the domains operators add, are the database's own.
_FILE_FIELDS = (
    "kind",
    "municipality_type",
    "name",
    "kana",
    "name_en",
    "region",
    "population",
    "population_band",
    "website",
    "is_active",
    "prefecture_id",
    "parent_id",
)
_BATCH_SIZE = 500


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    unchanged: int
    deactivated: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@transaction.atomic
def load_directory(path: Path | None = None) -> LoadResult:
    """Bring the directory in line with the data file; safe to run again and again.

    Organisations are matched by code: new ones are created, changed ones updated. One that left the
    file is marked inactive, never deleted, since members and history point at it. Operators' other
    public bodies are not in the file and are left alone. Website-derived domains follow the file;
    domains an operator added are never removed here.
    """
    rows = read_directory_file(path or DEFAULT_DATA_FILE)
    now = timezone.now()
    existing = {organization.code: organization for organization in Organization.objects.all()}
    designated_cities = {row.parent_code for row in rows if row.kind == OrganizationKind.DESIGNATED_CITY_WARD}

    ids = {code: organization.id for code, organization in existing.items()}
    created_codes: set[str] = set()
    updated_codes: set[str] = set()
    # Rows are written in waves: prefectures and unparented bodies first, then what points at them,
    # so every foreign key is known when its row is written. A prefecture names itself: fixed below.
    pending = rows
    while pending:
        ready = [row for row in pending if _references_known(row, ids)]
        if not ready:
            raise DirectoryFileError(_("団体名簿のファイルで、上位団体が循環しています。"))
        pending = [row for row in pending if not _references_known(row, ids)]
        writes = []
        for row in ready:
            current = existing.get(row.code)
            wanted = _organization_for(row, designated_cities, ids)
            if current is None or _file_values(current) != _file_values(wanted):
                wanted.updated_at = now
                writes.append(wanted)
                (created_codes if current is None else updated_codes).add(row.code)
        # One upsert by code writes new and changed rows alike: far faster than bulk_update, whose
        # CASE WHEN per field grows with the batch. created_at is not among the fields it overwrites.
        Organization.objects.bulk_create(
            writes,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=[*_FILE_FIELDS, "updated_at"],
            batch_size=_BATCH_SIZE,
        )
        if writes:
            ids = dict(Organization.objects.values_list("code", "id"))
    self_referencing = [row.code for row in rows if row.prefecture_code == row.code]
    Organization.objects.filter(code__in=self_referencing, prefecture__isnull=True).update(
        prefecture_id=F("id")
    )

    updated_codes |= _sync_website_domains(rows, ids) - created_codes

    in_file = {row.code for row in rows}
    retired = [
        organization.id
        for code, organization in existing.items()
        if code not in in_file
        and organization.is_active
        and organization.kind != OrganizationKind.OTHER_PUBLIC_BODY
    ]
    Organization.objects.filter(id__in=retired).update(is_active=False, updated_at=now)
    return LoadResult(
        created=len(created_codes),
        updated=len(updated_codes),
        unchanged=len(rows) - len(created_codes) - len(updated_codes),
        deactivated=len(retired),
    )


def _organization_for(row: DirectoryRow, designated_cities: set[str], ids: dict[str, int]) -> Organization:
    """An unsaved Organization holding what the file says about ``row``."""
    is_municipality = row.kind == OrganizationKind.MUNICIPALITY
    return Organization(
        code=row.code,
        kind=row.kind,
        municipality_type=row.municipality_type,
        name=row.name,
        kana=row.kana,
        name_en=row.name_en,
        region=row.region,
        population=row.population,
        population_band=(
            population_band_for(row.population, designated_city=row.code in designated_cities)
            if is_municipality
            else ""
        ),
        website=row.website,
        is_active=True,
        prefecture_id=ids.get(row.prefecture_code),
        parent_id=ids.get(row.parent_code),
    )


def _references_known(row: DirectoryRow, ids: dict[str, int]) -> bool:
    return all(code in ids or code == row.code for code in (row.prefecture_code, row.parent_code) if code)


def _file_values(organization: Organization) -> tuple[object, ...]:
    return tuple(getattr(organization, field) for field in _FILE_FIELDS)


def _sync_website_domains(rows: list[DirectoryRow], ids: dict[str, int]) -> set[str]:
    """Make the website-derived domains match the file; return the codes whose domains changed."""
    code_of = {ids[row.code]: row.code for row in rows}
    wanted = {(ids[row.code], domain) for row in rows for domain in row.domains}
    website: dict[tuple[int, str], int] = {}
    present: set[tuple[int, str]] = set()
    for domain_id, organization_id, domain, source in OrganizationDomain.objects.values_list(
        "id", "organization_id", "domain", "source"
    ):
        if organization_id not in code_of:
            continue  # an organisation outside the file: an operator's, or one being retired
        present.add((organization_id, domain))
        if source == DomainSource.WEBSITE:
            website[(organization_id, domain)] = domain_id
    stale = {key: domain_id for key, domain_id in website.items() if key not in wanted}
    missing = sorted(wanted - present)
    OrganizationDomain.objects.filter(id__in=stale.values()).delete()
    OrganizationDomain.objects.bulk_create(
        [
            OrganizationDomain(organization_id=organization_id, domain=domain, source=DomainSource.WEBSITE)
            for organization_id, domain in missing
        ],
        batch_size=_BATCH_SIZE,
    )
    return {code_of[organization_id] for organization_id, _domain in [*stale, *missing]}


@transaction.atomic
def add_other_public_body(
    *,
    name: str,
    kana: str,
    prefecture: Organization | None,
    domains: Iterable[str] = (),
    code: str | None = None,
    name_en: str = "",
    website: str = "",
    parent: Organization | None = None,
) -> Organization:
    """Add a 一部事務組合, 広域連合 or similar body that the national list does not carry.

    Without a code, it gets the next of kyoso's own codes for such bodies. A body that serves one
    prefecture names it; the region follows from it.
    """
    name = normalize_text(name)
    reading = reading_of(kana)
    if not name:
        raise InvalidOrganization(_("名称を入力してください。"))
    if reading and not is_reading(reading):
        raise InvalidOrganization(_("よみがなはひらがなで入力してください。"))
    if prefecture is not None and prefecture.kind != OrganizationKind.PREFECTURE:
        raise InvalidOrganization(_("都道府県には都道府県を選んでください。"))
    normalized_domains = sorted({normalize_domain(domain) for domain in domains})
    if code is None:
        code = _next_other_public_body_code()
    else:
        code = parse_code(code)
        if Organization.objects.filter(code=code).exists():
            raise CodeAlreadyUsed
    organization = Organization(
        code=code,
        kind=OrganizationKind.OTHER_PUBLIC_BODY,
        name=name,
        kana=reading,
        name_en=normalize_text(name_en),
        website=website.strip(),
        prefecture=prefecture,
        region=region_for_prefecture_code(prefecture.code) if prefecture is not None else "",
        parent=parent,
    )
    try:
        organization.full_clean()
    except ValidationError as error:
        raise InvalidOrganization(" ".join(error.messages)) from None
    organization.save()
    OrganizationDomain.objects.bulk_create(
        [
            OrganizationDomain(organization=organization, domain=domain, source=DomainSource.OPERATOR)
            for domain in normalized_domains
        ]
    )
    return organization


def _next_other_public_body_code() -> str:
    serials = [
        serial
        for code in Organization.objects.filter(code__startswith=OWN_CODE_PREFIX).values_list(
            "code", flat=True
        )
        if (serial := own_code_serial(code)) is not None and serial in OTHER_PUBLIC_BODY_SERIALS
    ]
    serial = max(serials, default=OTHER_PUBLIC_BODY_SERIALS.start - 1) + 1
    if serial not in OTHER_PUBLIC_BODY_SERIALS:
        raise InvalidOrganization(_("自動で割り当てる団体コードが残っていません。コードを指定してください。"))
    return own_code(serial)


@transaction.atomic
def add_domain(
    organization: Organization, domain: str, *, source: str = DomainSource.OPERATOR
) -> OrganizationDomain:
    """Add a staff e-mail domain to an organisation. Operators' domains survive every reload."""
    normalized = normalize_domain(domain)
    try:
        # The unique constraint decides, so two operators adding the same domain at once both get an answer.
        with transaction.atomic():
            return OrganizationDomain.objects.create(
                organization=organization, domain=normalized, source=source
            )
    except IntegrityError:
        raise DomainAlreadyAdded from None


@transaction.atomic
def remove_domain(organization: Organization, domain: str) -> None:
    """Remove a domain from an organisation.

    A website-derived domain comes back at the next load while the data file still lists it; to drop
    one for good, change the build script.
    """
    deleted, _by_model = organization.domains.filter(domain=normalize_domain(domain)).delete()
    if not deleted:
        raise DomainNotFound
