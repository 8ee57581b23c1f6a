"""Who is in the demo: organisations from every region, their staff, and the channels they join."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from random import Random

from kyoso.accounts.models import MemberStatus, Role
from kyoso.demo.content.base import fill
from kyoso.demo.content.channels import CHANNELS, REGION_CHANNEL
from kyoso.demo.content.people import (
    AGENCY_DEPARTMENTS,
    AGENCY_TITLES,
    BIO_SLOTS,
    BIOS,
    CITY_DEPARTMENTS,
    DEMO_MEMBER_PROFILE,
    DEMO_MEMBER_THEMES,
    DEMO_OPERATOR_PROFILE,
    DESIGNATED_WARD_DEPARTMENTS,
    DISPLAY_NAME_STYLES,
    GENERIC_AGENCY_DEPARTMENTS,
    GIVEN_NAMES_FEMALE,
    GIVEN_NAMES_MALE,
    MUNICIPAL_TITLES,
    OKINAWA_SURNAMES,
    PREFECTURE_DEPARTMENTS,
    PREFECTURE_TITLES,
    SMALL_MUNICIPAL_TITLES,
    SMALL_TOWN_BIO_LINE,
    SPECIAL_WARD_DEPARTMENTS,
    SURNAMES,
    THEME_BIO_LINES,
    THEME_WORK,
    TOWN_DEPARTMENTS,
    VILLAGE_DEPARTMENTS,
)
from kyoso.demo.plan import DemoSize, OrgInfo, PlannedChannel, PlannedMember
from kyoso.demo.timeline import DAY, Timeline
from kyoso.directory.models import MunicipalityType, OrganizationKind

# Every demo address starts with this, so the demo's people are easy to find (and to remove) and no
# one mistakes them for real staff. kyoso sends mail to the console unless KYOSO_EMAIL_URL names an
# SMTP server; even then, "demo+…" would at worst reach a mailbox called "demo", never a person.
DEMO_EMAIL_PREFIX = "demo+"
# The demo member's password is printed on purpose: that account is an ordinary member of a demo that
# runs only in demo mode. The demo operator's is made at random for each demo (kyoso.demo.passwords).
DEMO_MEMBER_PASSWORD = "kyoso-demo-2026"  # noqa: S105 - printed on purpose, see above
DEMO_MEMBER_EMAIL = "demo+member@city.kurume.fukuoka.jp"
DEMO_OPERATOR_EMAIL = "demo+operator@digital.go.jp"

# Organisations the demo always has: the brief's two cities and the Digital Agency.
SUSONO_CODE = "222208"
KURUME_CODE = "402036"
DIGITAL_AGENCY_NAME = "デジタル庁"
# Agencies that talk with municipalities most, tried first.
PREFERRED_AGENCIES = (
    "デジタル庁", "総務省", "こども家庭庁", "厚生労働省", "内閣府", "消防庁", "内閣官房", "法務省", "国税庁",
)  # fmt: skip

# How the 120 organisations of the default demo divide; bigger demos scale these up.
BASE_ORGANIZATIONS = 120
AGENCY_QUOTA = 9
PREFECTURE_QUOTA = 10
SPECIAL_WARD_QUOTA = 5
DESIGNATED_WARD_QUOTA = 7
# Of the municipalities per region: cities, towns, villages.
TYPE_SHARES = ((MunicipalityType.CITY, 0.55), (MunicipalityType.TOWN, 0.33), (MunicipalityType.VILLAGE, 0.12))
DEFAULT_CHANNEL_SLUGS = tuple(c.slug for c in CHANNELS if c.is_default)
PHOTO_CHANNEL = "kyo-no-ichimai"


def _weighted(rng: Random, options: Sequence[tuple], weight_at: int = -1) -> tuple:
    return rng.choices(options, weights=[o[weight_at] for o in options], k=1)[0]


def choose_organizations(orgs: Sequence[OrgInfo], count: int, rng: Random) -> list[OrgInfo]:
    """About ``count`` organisations from every region and of every kind, always with the required ones."""
    with_domain = [o for o in orgs if o.domain]
    by_code = {o.code: o for o in with_domain}
    agencies = [o for o in with_domain if o.kind == OrganizationKind.NATIONAL_AGENCY]
    scale = count / BASE_ORGANIZATIONS

    def take(pool: Sequence[OrgInfo], quota: float, chosen: dict[str, OrgInfo]) -> None:
        left = [o for o in pool if o.code not in chosen]
        for org in rng.sample(left, min(len(left), max(0, round(quota)))):
            chosen[org.code] = org

    chosen: dict[str, OrgInfo] = {}
    for code in (SUSONO_CODE, KURUME_CODE):
        if code in by_code:
            chosen[code] = by_code[code]
    preferred = [a for name in PREFERRED_AGENCIES for a in agencies if a.name == name]
    for agency in preferred[: max(2, round(AGENCY_QUOTA * scale))]:
        chosen[agency.code] = agency
    take(agencies, AGENCY_QUOTA * scale - len(preferred), chosen)

    by_region: dict[str, list[OrgInfo]] = defaultdict(list)
    for org in with_domain:
        by_region[org.region].append(org)
    regions = sorted(r for r in by_region if r)
    prefectures = [o for o in with_domain if o.kind == OrganizationKind.PREFECTURE]
    for region in regions:  # one prefecture per region first, then more
        take([p for p in prefectures if p.region == region], 1, chosen)
    take(prefectures, PREFECTURE_QUOTA * scale - len(regions), chosen)
    special_wards = [o for o in with_domain if o.municipality_type == MunicipalityType.SPECIAL_WARD]
    take(special_wards, SPECIAL_WARD_QUOTA * scale, chosen)
    wards = [o for o in with_domain if o.kind == OrganizationKind.DESIGNATED_CITY_WARD]
    take(wards, DESIGNATED_WARD_QUOTA * scale, chosen)

    municipalities_left = count - len(chosen)
    municipal = {r: [o for o in by_region[r] if o.kind == OrganizationKind.MUNICIPALITY] for r in regions}
    total = sum(len(v) for v in municipal.values()) or 1
    for region in regions:
        region_quota = max(1.0, municipalities_left * len(municipal[region]) / total)
        for municipality_type, share in TYPE_SHARES:
            pool = [o for o in municipal[region] if o.municipality_type == municipality_type]
            if pool:
                # Every region has at least one city, whatever the size.
                floor = 1 if municipality_type == MunicipalityType.CITY else 0
                take(pool, max(region_quota * share, floor), chosen)
    # Rounding and small pools leave a gap; fill it with any municipality.
    rest = [o for r in regions for o in municipal[r] if o.code not in chosen]
    while len(chosen) < count and rest:
        org = rest.pop(rng.randrange(len(rest)))
        chosen[org.code] = org
    return sorted(chosen.values(), key=lambda o: o.code)


AGENCY_SELF_REFERENCES = (
    ("委員会", "当委員会"),
    ("庁", "当庁"),
    ("省", "当省"),
    ("府", "当府"),
    ("院", "当院"),
)


def _we(org: OrgInfo) -> tuple[str, ...]:
    """How staff call their own organisation: 当市, 本県, 当庁…"""
    if org.kind == OrganizationKind.PREFECTURE:
        special = {
            "北海道": ("本道", "当道"),
            "東京都": ("本都", "都"),
            "大阪府": ("本府", "当府"),
            "京都府": ("本府", "当府"),
        }
        return special.get(org.name, ("本県", "当県", "うちの県"))
    if org.kind == OrganizationKind.NATIONAL_AGENCY:
        for suffix, we in (
            ("委員会", "当委員会"),
            ("庁", "当庁"),
            ("省", "当省"),
            ("府", "当府"),
            ("院", "当院"),
        ):
            if org.name.endswith(suffix):
                return (we,)
        return ("私たち",)
    if org.kind == OrganizationKind.DESIGNATED_CITY_WARD:
        return ("当区", "うちの区")
    by_type: dict[str, tuple[str, ...]] = {
        MunicipalityType.TOWN: ("当町", "本町", "うちの町"),
        MunicipalityType.VILLAGE: ("当村", "本村", "うちの村"),
        MunicipalityType.SPECIAL_WARD: ("当区", "本区", "うちの区"),
    }
    return by_type.get(org.municipality_type, ("当市", "本市", "うち"))


def self_reference(org: OrgInfo) -> tuple[str, ...]:
    return _we(org)


def _departments(org: OrgInfo) -> Sequence[tuple[str, tuple[str, ...], int]]:
    if org.kind == OrganizationKind.NATIONAL_AGENCY:
        return AGENCY_DEPARTMENTS.get(org.name, GENERIC_AGENCY_DEPARTMENTS)
    if org.kind == OrganizationKind.PREFECTURE:
        return PREFECTURE_DEPARTMENTS
    if org.kind == OrganizationKind.DESIGNATED_CITY_WARD:
        return DESIGNATED_WARD_DEPARTMENTS
    by_type: dict[str, Sequence[tuple[str, tuple[str, ...], int]]] = {
        MunicipalityType.TOWN: TOWN_DEPARTMENTS,
        MunicipalityType.VILLAGE: VILLAGE_DEPARTMENTS,
        MunicipalityType.SPECIAL_WARD: SPECIAL_WARD_DEPARTMENTS,
    }
    return by_type.get(org.municipality_type, CITY_DEPARTMENTS)


def _titles(org: OrgInfo) -> Sequence[tuple[str, int]]:
    if org.kind == OrganizationKind.NATIONAL_AGENCY:
        return AGENCY_TITLES
    if org.kind == OrganizationKind.PREFECTURE:
        return PREFECTURE_TITLES
    if org.municipality_type in (MunicipalityType.TOWN, MunicipalityType.VILLAGE):
        return SMALL_MUNICIPAL_TITLES
    return MUNICIPAL_TITLES


def _org_weight(org: OrgInfo) -> float:
    """How many members an organisation sends, relatively: big cities and the agencies more."""
    if org.code in (KURUME_CODE, SUSONO_CODE) or org.name == DIGITAL_AGENCY_NAME:
        return 3.0
    if org.kind == OrganizationKind.NATIONAL_AGENCY:
        return 1.0
    if org.kind == OrganizationKind.PREFECTURE:
        return 1.5
    if org.municipality_type == MunicipalityType.CITY:
        return 2.5 if (org.population or 0) > 300_000 else 1.8
    if org.municipality_type == MunicipalityType.SPECIAL_WARD:
        return 1.5
    if org.municipality_type == MunicipalityType.VILLAGE:
        return 0.4
    return 0.8


class MemberFactory:
    """Makes people: unique addresses, names that fit the place, work that fits the department."""

    def __init__(self, rng: Random, timeline: Timeline) -> None:
        self.rng = rng
        self.timeline = timeline
        self.emails: set[str] = {DEMO_MEMBER_EMAIL, DEMO_OPERATOR_EMAIL}

    def _name(self, org: OrgInfo) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
        rng = self.rng
        okinawa = org.code.startswith("47") and rng.random() < 0.6
        sei = _weighted(rng, OKINAWA_SURNAMES if okinawa else SURNAMES)[:3]
        mei = rng.choice(GIVEN_NAMES_MALE if rng.random() < 0.5 else GIVEN_NAMES_FEMALE)
        return sei, mei

    def _email(self, sei_romaji: str, mei_romaji: str, domain: str) -> str:
        local, n = f"{sei_romaji}.{mei_romaji}", 2
        email = f"{DEMO_EMAIL_PREFIX}{local}@{domain}"
        while email in self.emails:
            email, n = f"{DEMO_EMAIL_PREFIX}{local}{n}@{domain}", n + 1
        self.emails.add(email)
        return email

    def make(
        self,
        org: OrgInfo,
        *,
        joined: float,
        department: tuple[str, tuple[str, ...], int] | None = None,
        title: str | None = None,
        role: str = Role.MEMBER,
    ) -> PlannedMember:
        rng = self.rng
        (sei, sei_kana, sei_romaji), (mei, mei_kana, mei_romaji) = self._name(org)
        dept, themes, _weight = department or _weighted(rng, _departments(org))
        core_themes = themes
        if rng.random() < 0.35:
            themes = (*themes, rng.choice(tuple(THEME_WORK)))
        themes = tuple(dict.fromkeys(themes))
        style = _weighted(rng, DISPLAY_NAME_STYLES)[0]
        names = {
            "sei": sei,
            "mei": mei,
            "org": org.name,
            "sei_kana": sei_kana,
            "mei_kana": mei_kana,
            "sei_romaji": sei_romaji.capitalize(),
            "mei_romaji": mei_romaji.capitalize(),
        }
        display = fill(style, rng, names)
        about = {
            "org": org.name,
            "dept": dept,
            "name": sei,
            "work": THEME_WORK[themes[0]],
            "years": ("1", "2", "3"),
        }
        # The theme's own line twice, so a self-introduction talks about the work more often than not.
        lines = (*BIO_SLOTS["bio_line"], THEME_BIO_LINES[themes[0]], THEME_BIO_LINES[themes[0]])
        if org.municipality_type in (MunicipalityType.TOWN, MunicipalityType.VILLAGE):
            lines = (*lines, SMALL_TOWN_BIO_LINE)
        bio = fill(rng.choice(BIOS), rng, {**BIO_SLOTS, **about, "bio_line": lines})
        return PlannedMember(
            email=self._email(sei_romaji, mei_romaji, org.domain),
            full_name=f"{sei} {mei}",
            full_name_kana=f"{sei_kana} {mei_kana}",
            display_name=display[:50],
            organization=org,
            department=dept,
            title=title or _weighted(rng, _titles(org))[0],
            bio=bio,
            interests="、".join(THEME_NAMES[t] for t in themes),
            role=role,
            status=MemberStatus.ACTIVE,
            date_joined=joined,
            surname=sei,
            themes=themes,
            core_themes=core_themes,
            activity=min(rng.paretovariate(1.7), 12.0),
            last_seen=self.timeline.now - min(rng.expovariate(1 / 36.0), 30 * 24.0) * 3600,
        )


THEME_NAMES = {c.slug: c.name for c in CHANNELS}


def plan_members(
    chosen: Sequence[OrgInfo], size: DemoSize, rng: Random, timeline: Timeline
) -> list[PlannedMember]:
    """The demo's people: the two fixed accounts, the operators and the rest, then a few applicants."""
    factory = MemberFactory(rng, timeline)
    start, now = timeline.start, timeline.now

    def founders() -> float:
        """Founders joined in the weeks before the community opened."""
        return start - rng.uniform(3, 20) * DAY

    by_code = {o.code: o for o in chosen}
    digital = next((o for o in chosen if o.name == DIGITAL_AGENCY_NAME), chosen[0])
    kurume = by_code.get(KURUME_CODE, chosen[0])
    operator_department = (DEMO_OPERATOR_PROFILE["department"], tuple(THEME_WORK), 1)

    operator = PlannedMember(
        email=DEMO_OPERATOR_EMAIL,
        organization=digital,
        interests="、".join(THEME_NAMES[t] for t in THEME_WORK),
        role=Role.OPERATOR,
        status=MemberStatus.ACTIVE,
        date_joined=start - 30 * DAY,
        surname="坂本",
        themes=tuple(THEME_WORK),
        core_themes=tuple(THEME_WORK),
        is_staff=True,
        is_superuser=True,
        # Set when the demo is written (build_demo's operator_password), never planned or published.
        password=None,
        last_seen=now - DAY,
        **DEMO_OPERATOR_PROFILE,
    )
    demo_member = PlannedMember(
        email=DEMO_MEMBER_EMAIL,
        organization=kurume,
        interests="、".join(THEME_NAMES[t] for t in DEMO_MEMBER_THEMES),
        role=Role.MEMBER,
        status=MemberStatus.ACTIVE,
        date_joined=max(start + 30 * DAY, now - 300 * DAY),
        surname="森田",
        themes=DEMO_MEMBER_THEMES,
        core_themes=DEMO_MEMBER_THEMES,
        password=DEMO_MEMBER_PASSWORD,
        activity=3.0,
        # Away since last week: the sidebar shows a few unread channels.
        last_seen=now - 5 * DAY,
        **DEMO_MEMBER_PROFILE,
    )
    members = [operator, demo_member]
    for title in ("コミュニティマネージャー", "参事官補佐"):
        colleague = factory.make(
            digital, joined=founders(), department=operator_department, title=title, role=Role.OPERATOR
        )
        colleague.is_staff, colleague.activity = True, 1.0
        members.append(colleague)
    prefectures = [o for o in chosen if o.kind == OrganizationKind.PREFECTURE] or list(chosen)
    moderator = factory.make(rng.choice(prefectures), joined=founders(), role=Role.MODERATOR)
    members.append(moderator)
    advisor_department = ("デジタル社会共通機能グループ", ("hyojunka", "gov-cloud"), 1)
    members.append(
        factory.make(
            digital, joined=founders(), department=advisor_department, title="企画官", role=Role.ADVISOR
        )
    )
    cities = [o for o in chosen if o.municipality_type == MunicipalityType.CITY] or list(chosen)
    members.append(
        factory.make(
            rng.choice(cities),
            joined=founders(),
            department=CITY_DEPARTMENTS[1],
            title="課長",
            role=Role.ADVISOR,
        )
    )
    for member in members[2:]:
        member.activity = max(member.activity, 2.0)

    # Everyone else: each organisation sends one, bigger ones more.
    regular_count = max(size.members - len(members), 0)
    # The required organisations first, so 裾野市 always has someone; then a spread of the rest.
    required = [o for o in chosen if o.code == SUSONO_CODE]
    others = [o for o in chosen if o.code != SUSONO_CODE]
    orgs = (required + rng.sample(others, len(others)))[:regular_count]
    if regular_count > len(orgs):
        orgs += rng.choices(chosen, weights=[_org_weight(o) for o in chosen], k=regular_count - len(orgs))
    span = now - start - 7 * DAY
    regulars = [factory.make(org, joined=start + span * rng.random() ** 1.2) for org in orgs]
    # Ambassadors: active early members who welcome others and host study sessions.
    for ambassador in sorted(regulars, key=lambda m: -m.activity)[: max(2, size.members // 13)]:
        ambassador.role = Role.AMBASSADOR
        ambassador.date_joined = min(ambassador.date_joined, start + rng.uniform(0, 30) * DAY)
        ambassador.activity *= 1.5
    members.extend(regulars)

    # A few people registered this week and wait for an operator's approval (確認待ち).
    for org in rng.sample(list(chosen), min(len(chosen), max(2, size.members // 40))):
        applicant = factory.make(org, joined=now - rng.uniform(0.2, 5) * DAY)
        applicant.status, applicant.activity, applicant.last_seen = MemberStatus.PENDING, 0.0, 0.0
        members.append(applicant)
    return members


def plan_channels(timeline: Timeline) -> list[PlannedChannel]:
    return [PlannedChannel(spec, timeline.start + spec.opened_after_days * DAY) for spec in CHANNELS]


def plan_memberships(
    members: Sequence[PlannedMember], channels: Sequence[PlannedChannel], rng: Random, timeline: Timeline
) -> list[tuple[int, int, float]]:
    """Who joins what: the default channels, their themes, their region; operators join everything."""
    index = {c.spec.slug: i for i, c in enumerate(channels)}
    rows = []
    for m, member in enumerate(members):
        if member.status != MemberStatus.ACTIVE:
            continue
        if member.role in (Role.OPERATOR, Role.MODERATOR):
            slugs = [c.spec.slug for c in channels]
        else:
            slugs = [*DEFAULT_CHANNEL_SLUGS, *member.themes]
            region_channel = REGION_CHANNEL.get(member.organization.region)
            if region_channel:
                slugs.append(region_channel)
            if rng.random() < 0.55:
                slugs.append(PHOTO_CHANNEL)
        for slug in dict.fromkeys(slugs):
            channel = index[slug]
            joined = max(member.date_joined, channels[channel].created_at)
            if not channels[channel].spec.is_default:
                joined = min(joined + rng.uniform(0, 3) * DAY, timeline.now)
            member.channels.append(channel)
            rows.append((channel, m, joined))
    return rows
