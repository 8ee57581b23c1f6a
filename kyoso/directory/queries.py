"""Reads of the directory: by code, type-ahead search, e-mail domain matching, bands, regions, counts.

The directory is public knowledge, so nothing here depends on who asks; only active organisations
are offered to people.
"""

from __future__ import annotations

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Concat

from kyoso.core.text import is_reading, normalize_text, to_hiragana
from kyoso.directory.codes import parse_code
from kyoso.directory.domains import domain_of, label_suffixes
from kyoso.directory.errors import DirectoryError, OrganizationNotFound
from kyoso.directory.models import Organization, OrganizationDomain, OrganizationKind

DEFAULT_SEARCH_LIMIT = 20

# Ties among equally good matches: a prefecture, then municipalities and agencies, then the wards
# inside designated cities, which people mostly reach through their city.
_KIND_RANK = Case(
    When(kind=OrganizationKind.PREFECTURE, then=Value(0)),
    When(kind=OrganizationKind.DESIGNATED_CITY_WARD, then=Value(2)),
    default=Value(1),
    output_field=IntegerField(),
)


def active_organizations() -> QuerySet[Organization]:
    return Organization.objects.filter(is_active=True)


def organization_by_code(code: str, *, include_inactive: bool = False) -> Organization:
    """The organisation with this code; full-width digits are accepted.

    Raises InvalidOrganizationCode for a code that is malformed or fails its check digit, and
    OrganizationNotFound when no (active) organisation has it.
    """
    normalized = parse_code(code)
    organizations = Organization.objects if include_inactive else active_organizations()
    try:
        return organizations.select_related("prefecture", "parent").get(code=normalized)
    except Organization.DoesNotExist:
        raise OrganizationNotFound from None


def search_organizations(query: str, limit: int = DEFAULT_SEARCH_LIMIT) -> list[Organization]:
    """Type-ahead over active organisations by name, reading, English name or code prefix.

    '久留', 'くるめ', 'クルメ' and 'ｸﾙﾒ' all find 久留米市; '福岡県久留米' and 'ふくおかけんくるめ'
    too; '中区' finds the wards named so; '4020' finds codes starting with it. Exact matches come
    first, then prefixes of the name, then prefixes after the prefecture (福岡 →
    北九州市 as 福岡県北九州市), each by kind (see _KIND_RANK), then larger population first.
    """
    text = normalize_text(query).replace(" ", "")
    if not text or limit <= 0:
        return []
    reading = to_hiragana(text)
    # A ward's name includes its city's (横浜市中区), so its own name follows the parent's.
    ward_own_name = Concat(F("parent__name"), Value(text))
    # Three tiers: exact, a prefix of the name itself, a prefix only with the prefecture in front.
    direct = Q(name__startswith=text) | Q(
        kind=OrganizationKind.DESIGNATED_CITY_WARD, name__startswith=ward_own_name
    )
    exact = (
        Q(name=text)
        | Q(with_prefecture=text)
        | Q(kind=OrganizationKind.DESIGNATED_CITY_WARD, name=ward_own_name)
    )
    qualified = Q(with_prefecture__startswith=text)
    if is_reading(reading):
        ward_own_reading = Concat(F("parent__kana"), Value(reading))
        direct |= Q(kana__startswith=reading)
        direct |= Q(kind=OrganizationKind.DESIGNATED_CITY_WARD, kana__startswith=ward_own_reading)
        exact |= Q(kana=reading) | Q(kana_with_prefecture=reading)
        qualified |= Q(kana_with_prefecture__startswith=reading)
    if text.isascii() and text.isdigit():
        direct |= Q(code__startswith=text)
        exact |= Q(code=text)
    elif text.isascii():
        direct |= Q(name_en__istartswith=text)
        exact |= Q(name_en__iexact=text)
    found = (
        active_organizations()
        .annotate(
            with_prefecture=Concat(F("prefecture__name"), F("name")),
            kana_with_prefecture=Concat(F("prefecture__kana"), F("kana")),
        )
        .filter(direct | qualified)
        .annotate(
            match_rank=Case(
                When(exact, then=Value(0)),
                When(direct, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            kind_rank=_KIND_RANK,
        )
        .select_related("prefecture", "parent")
        .order_by("match_rank", "kind_rank", F("population").desc(nulls_last=True), "code")
    )
    return list(found[:limit])


def organizations_for_email_domain(domain_or_email: str) -> list[Organization]:
    """The active organisations owning the longest domain that contains this address or domain.

    'kankyo.city.kurume.fukuoka.jp' finds 久留米市 through city.kurume.fukuoka.jp; matching is on
    whole labels, so 'xcity.kurume.fukuoka.jp' does not. Several organisations can share the best
    domain (a ministry and its sub-path agencies, a city and its wards): those that are not the child
    of another in the result come first, then by code. Raises InvalidDomain for a malformed input.
    """
    suffixes = label_suffixes(domain_of(domain_or_email))
    owners = list(
        OrganizationDomain.objects.filter(domain__in=suffixes, organization__is_active=True).values_list(
            "domain", "organization_id"
        )
    )
    if not owners:
        return []
    # Every candidate is a suffix of the same domain, so the longest string is the most specific.
    best = max((domain for domain, _ in owners), key=len)
    ids = {organization_id for domain, organization_id in owners if domain == best}
    found = Organization.objects.filter(id__in=ids).select_related("prefecture", "parent")
    return sorted(found, key=lambda organization: (organization.parent_id in ids, organization.code))


def organization_for_email_domain(domain_or_email: str) -> Organization | None:
    """The one organisation an address belongs to, or None when there is none or it is ambiguous.

    When several share the best domain, the one the others hang under wins: 総務省 over
    公害等調整委員会 at soumu.go.jp, 横浜市 over its wards at city.yokohama.lg.jp.
    """
    candidates = organizations_for_email_domain(domain_or_email)
    ids = {organization.id for organization in candidates}
    roots = [organization for organization in candidates if organization.parent_id not in ids]
    return roots[0] if len(roots) == 1 else None


def email_matches_organization(email: str, organization: Organization) -> bool:
    """True when the address is within one of the organisation's domains and the organisation is active.

    A ward's staff may register with their city's domain, as the ward shares it. A malformed address
    matches nothing.
    """
    if not organization.is_active:
        return False
    try:
        suffixes = label_suffixes(domain_of(email))
    except DirectoryError:
        return False
    return organization.domains.filter(domain__in=suffixes).exists()


def organizations_in_band(band: str, *, include_wards: bool = False) -> QuerySet[Organization]:
    """Active municipalities of a population band; designated-city wards too if asked.

    Wards carry no band of their own; with ``include_wards``, those of designated cities are listed
    under the designated_city band, as they are parts of those cities.
    """
    in_band = Q(kind=OrganizationKind.MUNICIPALITY, population_band=band)
    if include_wards:
        in_band |= Q(kind=OrganizationKind.DESIGNATED_CITY_WARD, parent__population_band=band)
    return active_organizations().filter(in_band).select_related("prefecture", "parent")


def organizations_in_region(region: str) -> QuerySet[Organization]:
    """Active prefectures, municipalities, wards and other bodies of a region (agencies have none)."""
    return active_organizations().filter(region=region).select_related("prefecture", "parent")


def prefectures() -> QuerySet[Organization]:
    return active_organizations().filter(kind=OrganizationKind.PREFECTURE).order_by("code")


def directory_stats() -> dict[str, int]:
    """Active organisations by kind, every kind present: {"prefecture": 47, ...}."""
    counts = dict(
        active_organizations()
        .order_by()
        .values_list("kind")
        .annotate(count=Count("id"))
        .values_list("kind", "count")
    )
    return {kind: counts.get(kind, 0) for kind in OrganizationKind.values}
