"""Type-ahead for the query language's filters: what can follow ``in:#``, ``pref:``, ``size:`` …

Each suggestion is the text to put in the search box (``value``), how to show it (``label``) and a
short hint. Channels and members come through the chat queries, so only what the member may see
is offered.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from kyoso.accounts.models import Member
from kyoso.chat.models import ChannelKind, Stamp
from kyoso.chat.queries import search_members, visible_channels
from kyoso.directory.models import OrganizationKind, PopulationBand, Region
from kyoso.directory.queries import prefectures, search_organizations
from kyoso.search.analyzer import normalize
from kyoso.search.syntax import FILTER_EXAMPLES, FILTER_NAMES

SUGGESTION_LIMIT = 8


@dataclass(frozen=True)
class Suggestion:
    value: str
    label: str
    hint: str = ""


def _descriptions() -> dict[str, str]:
    return {
        "in": _("チャンネルで絞り込む"),
        "from": _("投稿者で絞り込む"),
        "org": _("投稿者の団体で絞り込む"),
        "pref": _("投稿者の都道府県で絞り込む"),
        "region": _("投稿者の地方で絞り込む"),
        "size": _("投稿者の団体の人口規模で絞り込む"),
        "kind": _("投稿者の団体の種類で絞り込む"),
        "is": _("スレッドの投稿だけ"),
        "has": _("ファイルやスタンプ付きだけ"),
        "before": _("この日より前"),
        "after": _("この日より後"),
        "on": _("この日（月・年）"),
    }


_PREFIXES = {"in": "#", "from": "@"}


def _matching(text: str, *candidates: str) -> bool:
    wanted = "".join(normalize(text).split())
    return not wanted or any(wanted in "".join(normalize(c).split()) for c in candidates)


def _names(text: str) -> list[Suggestion]:
    wanted = text.lower()
    descriptions = _descriptions()
    return [
        Suggestion(
            f"{name}:{_PREFIXES.get(name, '')}",
            f"{name}:",
            f"{descriptions[name]}（{FILTER_EXAMPLES[name]}）",
        )
        for name in FILTER_NAMES
        if name.startswith(wanted)
    ]


def _fiscal_year_start(today: date) -> date:
    return date(today.year if today.month >= 4 else today.year - 1, 4, 1)


def _dates(name: str, text: str) -> list[Suggestion]:
    today = timezone.localdate()
    choices = [
        (today.isoformat(), _("今日")),
        (today.replace(day=1).isoformat()[:7], _("今月")),
        (_fiscal_year_start(today).isoformat(), _("今年度の初め")),
        (str(today.year), _("今年")),
    ]
    return [Suggestion(f"{name}:{value}", value, hint) for value, hint in choices if value.startswith(text)]


def suggest(viewer: Member, field: str, text: str) -> list[dict[str, str]]:
    """Suggestions for ``field:`` followed by ``text`` (``field`` empty: the filter names themselves)."""
    field = field.lower()
    text = text.strip().removeprefix("#").removeprefix("@")
    found: list[Suggestion] = []
    if not field:
        found = _names(text)
    elif field == "in":
        channels = visible_channels(viewer).exclude(kind=ChannelKind.DIRECT).order_by("name")
        found = [
            Suggestion(f"in:#{c.slug}", f"#{c.name}", c.title)
            for c in channels
            if _matching(text, c.name, c.slug)
        ]
    elif field == "from" and text:
        found = [
            Suggestion(f"from:@{''.join(m.display_name.split())}", f"@{m.display_name}", m.affiliation)
            for m in search_members(viewer, text, limit=SUGGESTION_LIMIT)
        ]
    elif field == "org" and text:
        found = [
            Suggestion(f"org:{o.full_name}", o.full_name, str(o.get_kind_display()))
            for o in search_organizations(text, limit=SUGGESTION_LIMIT)
        ]
    elif field == "pref":
        found = [
            Suggestion(f"pref:{p.name}", p.name) for p in prefectures() if _matching(text, p.name, p.kana)
        ]
    elif field == "region":
        found = [
            Suggestion(f"region:{r.label}", str(r.label)) for r in Region if _matching(text, str(r.label))
        ]
    elif field == "size":
        words = [str(b.label) for b in PopulationBand if b != PopulationBand.OVER_300K]
        words += ["5万未満", "10万未満", "10万以上", "30万以上"]
        found = [Suggestion(f"size:{w}", w) for w in words if _matching(text, w)]
    elif field == "kind":
        words = [str(k.label) for k in OrganizationKind] + ["市", "町", "村"]
        found = [Suggestion(f"kind:{w}", w) for w in words if _matching(text, w)]
    elif field == "is":
        found = [Suggestion("is:thread", "is:thread", _("スレッドの投稿"))]
    elif field == "has":
        found = [
            Suggestion("has:file", "has:file", _("ファイル付き")),
            Suggestion("has:stamp", "has:stamp", _("スタンプ付き")),
        ]
        found += [
            Suggestion(f"has:stamp:{s.name}", f"has:stamp:{s.name}", s.emoji) for s in Stamp.objects.all()
        ]
        found = [s for s in found if _matching(text, s.value.removeprefix("has:"))]
    elif field in {"before", "after", "on"}:
        found = _dates(field, text)
    return [asdict(s) for s in found[:SUGGESTION_LIMIT]]
