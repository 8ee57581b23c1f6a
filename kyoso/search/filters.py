"""Filters of the query language, resolved for the member who asks into conditions on messages.

Every condition uses only what chat_message and PostgreSQL's search_document share: the id, the
channel, the author and the time (with subqueries for the author's organisation, threads, stamps
and files), so each backend puts it beside its index query as plain SQL on its own table. Filters of the same
name widen each other (``in:#総務 in:#広報``: either channel); different names narrow (AND); a
leading ``-`` excludes. Each resolved filter also becomes a chip that says, in words, what it did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import groupby

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kyoso.accounts.models import Member
from kyoso.chat.models import Attachment, ChannelKind, Message, Reaction, Stamp
from kyoso.chat.queries import visible_channels
from kyoso.directory.models import (
    MunicipalityType,
    Organization,
    OrganizationKind,
    PopulationBand,
    Region,
)
from kyoso.search.analyzer import normalize
from kyoso.search.errors import QuerySyntaxError, UnknownFilterValue
from kyoso.search.syntax import Filter


@dataclass(frozen=True)
class Chip:
    """A filter as the page shows it: 「チャンネル: #総務」, with the query that drops it."""

    label: str
    value: str
    negated: bool
    source: Filter


@dataclass
class ResolvedFilters:
    q: Q
    chips: list[Chip]


def _key(text: str) -> str:
    """Names compared without case, width or spaces: 「山田 太郎」 = 「山田太郎」, ＤＸ = dx."""
    return "".join(normalize(str(text)).split())


def _label_keys(label: object) -> set[str]:
    """A choice's label as typed in Japanese or in the language of the page (九州・沖縄, Kyushu)."""
    with translation.override("ja"):
        japanese = _key(str(label))
    return {japanese, _key(str(label)), japanese.replace("・", "")}


# -- channels and members ---------------------------------------------------------------------------


def _channels(viewer: Member, value: str) -> tuple[Q, str]:
    wanted = _key(value.removeprefix("#"))
    found = [
        channel
        for channel in visible_channels(viewer).exclude(kind=ChannelKind.DIRECT).only("pk", "slug", "name")
        if _key(channel.slug) == wanted or _key(channel.name) == wanted
    ]
    if not found:
        # The same answer whether it does not exist or is private: nothing leaks.
        raise UnknownFilterValue(
            _("チャンネル「%(name)s」が見つかりません。チャンネル名か URL 名を確かめてください。")
            % {"name": value}
        )
    return Q(channel_id__in=[c.pk for c in found]), "#" + found[0].name


ME = frozenset({"me", "自分", "わたし", "私"})


def _members(viewer: Member, value: str) -> tuple[Q, str]:
    wanted = _key(value.removeprefix("@"))
    if wanted in ME:
        return Q(author_id=viewer.pk), _("自分")
    # Display names are compared in normal form, which SQL cannot do: a scan of two short columns.
    found = [
        (pk, name) for pk, name in Member.objects.values_list("pk", "display_name") if _key(name) == wanted
    ]
    if not found:
        raise UnknownFilterValue(
            _("メンバー「%(name)s」が見つかりません。表示名を確かめてください。") % {"name": value}
        )
    return Q(author_id__in=[pk for pk, _name in found]), "@" + found[0][1]


# -- the author's organisation ----------------------------------------------------------------------


def _by_organizations(organizations: Q) -> Q:
    return Q(
        author_id__in=Member.objects.filter(
            organization__in=Organization.objects.filter(organizations)
        ).values("pk")
    )


def _organizations(value: str) -> tuple[Q, str]:
    wanted = _key(value)
    rows = Organization.objects.filter(is_active=True).select_related("prefecture", "parent")
    found = [o for o in rows if wanted in {_key(o.name), _key(o.full_name), o.code}]
    if not found:
        raise UnknownFilterValue(
            _(
                "団体「%(name)s」が見つかりません。"
                "正式な名前（例: 久留米市、福岡県久留米市）で指定してください。"
            )
            % {"name": value}
        )
    ids = [o.pk for o in found]
    # A designated city includes its wards: 横浜市 finds the staff of 横浜市中区 too.
    return _by_organizations(Q(pk__in=ids) | Q(parent_id__in=ids)), found[0].full_name


_PREFECTURE_SUFFIXES = ("", "都", "道", "府", "県")


def _prefectures(value: str) -> tuple[Q, str]:
    wanted = _key(value)
    prefectures = Organization.objects.filter(kind=OrganizationKind.PREFECTURE)
    found = [p for p in prefectures if any(_key(p.name) == wanted + s for s in _PREFECTURE_SUFFIXES)]
    if not found:
        raise UnknownFilterValue(
            _("都道府県「%(name)s」が見つかりません（例: pref:福岡県）。") % {"name": value}
        )
    return _by_organizations(Q(prefecture_id__in=[p.pk for p in found])), found[0].name


_REGION_ALIASES = {"九州": Region.KYUSHU_OKINAWA, "沖縄": Region.KYUSHU_OKINAWA, "関西": Region.KINKI}


def _regions(value: str) -> tuple[Q, str]:
    wanted = _key(value)
    region = _REGION_ALIASES.get(wanted)
    for choice in Region:
        if wanted in _label_keys(choice.label) | {choice.value}:
            region = choice
    if region is None:
        labels = "、".join(str(r.label) for r in Region)
        raise UnknownFilterValue(
            _("地方「%(name)s」はありません。%(labels)s から選んでください。")
            % {"name": value, "labels": labels}
        )
    return _by_organizations(Q(region=region)), str(region.label)


# Each band's population range; a designated city counts as 30万以上 (every one has over 500,000).
_BAND_RANGES: tuple[tuple[PopulationBand, int, int | None], ...] = (
    (PopulationBand.UNDER_10K, 0, 10_000),
    (PopulationBand.FROM_10K_TO_50K, 10_000, 50_000),
    (PopulationBand.FROM_50K_TO_100K, 50_000, 100_000),
    (PopulationBand.FROM_100K_TO_300K, 100_000, 300_000),
    (PopulationBand.OVER_300K, 300_000, None),
    (PopulationBand.DESIGNATED_CITY, 300_000, None),
)
_BOUNDARIES = sorted({low for _b, low, _h in _BAND_RANGES if low})
_THRESHOLD = re.compile(r"^(?P<number>\d+(?:\.\d+)?)(?P<man>万)?人?(?P<side>未満|以上)$")
_RANGE = re.compile(r"^(?P<low>\d+)万?[~〜\-ー～](?P<high>\d+)万$")


def _band_words() -> str:
    return "、".join(str(b.label) for b, _l, _h in _BAND_RANGES) + "、5万未満、10万以上"


def _bands(value: str) -> list[PopulationBand]:
    text = _key(value)
    for band, _low, _high in _BAND_RANGES:
        if text in _label_keys(band.label):
            if band == PopulationBand.OVER_300K:
                break  # 30万以上 is read as a threshold below, designated cities included
            return [band]
    if text in {"政令市", "指定都市"}:
        return [PopulationBand.DESIGNATED_CITY]
    if match := _RANGE.match(text):
        low, high = int(match["low"]) * 10_000, int(match["high"]) * 10_000
        chosen = [b for b, lo, hi in _BAND_RANGES if hi is not None and lo >= low and hi <= high]
        if chosen and low in [0, *_BOUNDARIES] and high in _BOUNDARIES:
            return chosen
    elif match := _THRESHOLD.match(text):
        number = float(match["number"]) * (10_000 if match["man"] else 1)
        if number in _BOUNDARIES:
            if match["side"] == "未満":
                return [b for b, _lo, hi in _BAND_RANGES if hi is not None and hi <= number]
            return [b for b, lo, _hi in _BAND_RANGES if lo >= number]
    raise UnknownFilterValue(
        _(
            "人口規模「%(value)s」は指定できません。"
            "%(words)s のように、1万・5万・10万・30万の区切りで指定してください。"
        )
        % {"value": value, "words": _band_words()}
    )


def _sizes(value: str) -> tuple[Q, str]:
    bands = _bands(value)
    # Wards have no band of their own: they take their city's.
    organizations = Q(kind=OrganizationKind.MUNICIPALITY, population_band__in=bands) | Q(
        kind=OrganizationKind.DESIGNATED_CITY_WARD, parent__population_band__in=bands
    )
    return _by_organizations(organizations), _("人口%(value)s") % {"value": value}


def _kinds(value: str) -> tuple[Q, str]:
    wanted = _key(value)
    for kind in OrganizationKind:
        if wanted in _label_keys(kind.label) | {kind.value}:
            return _by_organizations(Q(kind=kind)), str(kind.label)
    for municipality_type in MunicipalityType:
        if wanted in _label_keys(municipality_type.label) | {municipality_type.value}:
            return _by_organizations(
                Q(kind=OrganizationKind.MUNICIPALITY, municipality_type=municipality_type)
            ), str(municipality_type.label)
    if wanted in {"国", "省庁"}:
        return _by_organizations(Q(kind=OrganizationKind.NATIONAL_AGENCY)), str(
            OrganizationKind.NATIONAL_AGENCY.label
        )
    labels = "、".join(str(k.label) for k in OrganizationKind)
    raise UnknownFilterValue(
        _("団体の種類「%(value)s」はありません。%(labels)s、市、町、村から選んでください。")
        % {"value": value, "labels": labels}
    )


# -- what a message is or has -------------------------------------------------------------------------


def _is(value: str) -> tuple[Q, str]:
    if _key(value) in {"thread", "スレッド"}:
        in_thread = Message.objects.filter(pk=OuterRef("pk")).filter(
            Q(thread_root__isnull=False) | Q(reply_count__gt=0)
        )
        return Q(Exists(in_thread)), _("スレッド")
    raise UnknownFilterValue(
        _("「is:%(value)s」は使えません。is:thread（スレッドの投稿）が使えます。") % {"value": value}
    )


def _has(value: str) -> tuple[Q, str]:
    kind, _colon, name = value.partition(":")
    kind = _key(kind)
    if kind in {"file", "ファイル"} and not name:
        return Q(Exists(Attachment.objects.filter(message=OuterRef("pk")))), _("ファイル付き")
    if kind in {"stamp", "スタンプ"}:
        reactions = Reaction.objects.filter(message=OuterRef("pk"))
        if not name:
            return Q(Exists(reactions)), _("スタンプ付き")
        stamps = [s.pk for s in Stamp.objects.all() if _key(s.name) == _key(name)]
        if not stamps:
            raise UnknownFilterValue(_("スタンプ「%(name)s」はありません。") % {"name": name})
        return Q(Exists(reactions.filter(stamp_id__in=stamps))), _("スタンプ「%(name)s」付き") % {
            "name": name
        }
    raise UnknownFilterValue(
        _("「has:%(value)s」は使えません。has:file、has:stamp、has:stamp:共創 が使えます。")
        % {"value": value}
    )


_DATE = re.compile(r"^(?P<y>\d{4})(?:[-/.年](?P<m>\d{1,2})(?:[-/.月](?P<d>\d{1,2})日?)?月?)?年?$")


def _period(value: str) -> tuple[date, date]:
    """The days a date names, as [first, after last): 2024 is a year, 2024-04 a month."""
    match = _DATE.match(_key(value))
    try:
        if match is None:
            raise ValueError(value)
        year = int(match["y"])
        if match["d"]:
            first = date(year, int(match["m"]), int(match["d"]))
            return first, first + timedelta(days=1)
        if match["m"]:
            first = date(year, int(match["m"]), 1)
            return first, date(year + first.month // 12, first.month % 12 + 1, 1)
        return date(year, 1, 1), date(year + 1, 1, 1)
    except ValueError:
        raise QuerySyntaxError(
            _("日付「%(value)s」が読めません。2025-04-01、2025-04、2025 のように書いてください。")
            % {"value": value}
        ) from None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _dates(name: str, value: str) -> tuple[Q, str]:
    first, after = _period(value)
    last = after - timedelta(days=1)
    if name == "before":
        return Q(created_at__lt=_start_of(first)), _("%(day)s より前") % {"day": first.isoformat()}
    if name == "after":
        return Q(created_at__gte=_start_of(after)), _("%(day)s 以降") % {"day": after.isoformat()}
    shown = first.isoformat() if first == last else f"{first.isoformat()} 〜 {last.isoformat()}"
    return Q(created_at__gte=_start_of(first), created_at__lt=_start_of(after)), shown


def _labels() -> dict[str, str]:
    return {
        "in": _("チャンネル"),
        "from": _("投稿者"),
        "org": _("団体"),
        "pref": _("都道府県"),
        "region": _("地方"),
        "size": _("人口規模"),
        "kind": _("団体の種類"),
        "is": _("種類"),
        "has": _("添付"),
        "before": _("期間"),
        "after": _("期間"),
        "on": _("日付"),
    }


def _resolve_one(viewer: Member, item: Filter) -> tuple[Q, str]:
    value = item.value
    if item.name == "in":
        return _channels(viewer, value)
    if item.name == "from":
        return _members(viewer, value)
    if item.name in {"before", "after", "on"}:
        return _dates(item.name, value)
    simple = {"org": _organizations, "pref": _prefectures, "region": _regions, "size": _sizes, "kind": _kinds}
    if item.name in simple:
        return simple[item.name](value)
    return _is(value) if item.name == "is" else _has(value)


# Filters whose repetitions mean "any of these"; the others (dates, is, has) must all hold.
_WIDENING = frozenset({"in", "from", "org", "pref", "region", "size", "kind"})


def resolve_filters(viewer: Member, filters: list[Filter]) -> ResolvedFilters:
    labels = _labels()
    q = Q()
    chips: list[Chip] = []
    ordered = sorted(filters, key=lambda f: (f.name, f.negated))
    for (name, negated), group in groupby(ordered, key=lambda f: (f.name, f.negated)):
        conditions = []
        for item in group:
            condition, shown = _resolve_one(viewer, item)
            conditions.append(condition)
            chips.append(Chip(labels[name], shown, negated, item))
        if negated:
            for condition in conditions:
                q &= ~condition
        elif name in _WIDENING:
            either = Q()
            for condition in conditions:
                either |= condition
            q &= either
        else:
            for condition in conditions:
                q &= condition
    order = {f: i for i, f in enumerate(filters)}
    chips.sort(key=lambda chip: order[chip.source])
    return ResolvedFilters(q, chips)


def permission_q(viewer: Member) -> Q:
    """Messages in channels the member may read; nothing for anyone who may not read at all.

    The channels are named by id (there are hundreds, not millions): the database then knows how
    many messages they hold, and can use its channel index."""
    return Q(channel_id__in=list(visible_channels(viewer).values_list("pk", flat=True)))
