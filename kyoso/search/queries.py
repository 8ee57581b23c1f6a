"""Searching as a member: messages, channels, members and organisations, filtered by who asks.

Every message search goes through ``permission_q``: only channels and conversations the member can
read now (kyoso.chat.queries.visible_channels), so leaving a private channel takes its messages out
of one's results, and a suspended member finds nothing. Deleted messages are not in the index.

A search reads the newest ``KYOSO_SEARCH_WINDOW`` matches once: they give the count (「1,000件以上」
beyond it), the facets and, sorted by relevance, the order. Pages follow by keyset (the last id, or
the last score and id), never by OFFSET.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from kyoso.accounts.models import Member, MemberStatus
from kyoso.chat.markdown import member_names
from kyoso.chat.models import Channel, ChannelKind, Message
from kyoso.chat.queries import can_read, message_permalink, visible_channels
from kyoso.core.validation import InvalidId, parse_id
from kyoso.directory.models import Organization, OrganizationKind
from kyoso.search.analyzer import analyzed, mentioned_ids, normalize
from kyoso.search.backends import Where, backend_for
from kyoso.search.errors import QuerySyntaxError
from kyoso.search.filters import Chip, permission_q, resolve_filters
from kyoso.search.matching import TextPlan
from kyoso.search.models import SearchDocument
from kyoso.search.snippets import snippet
from kyoso.search.syntax import Filter, ParsedQuery, Term, parse_query, with_filter
from kyoso.search.variants import variants_of

NEWEST = "newest"
RELEVANCE = "relevance"
SORTS = (NEWEST, RELEVANCE)
# Facet values shown per facet, the most frequent first; results shown per scope on the page.
FACET_SIZE = 8
SCOPE_SIZE = 20


@dataclass
class MessageHit:
    message: Message
    snippet: SafeString
    permalink: str


@dataclass
class FacetValue:
    label: str
    count: int
    query: str
    active: bool


@dataclass
class Facet:
    key: str
    title: str
    values: list[FacetValue]


@dataclass
class MessageResults:
    query: str
    sort: str = NEWEST
    hits: list[MessageHit] = field(default_factory=list)
    count: int = 0
    more_than_counted: bool = False
    next_cursor: str | None = None
    facets: list[Facet] = field(default_factory=list)
    chips: list[Chip] = field(default_factory=list)
    searched: bool = False

    @property
    def window(self) -> int:
        return settings.KYOSO_SEARCH_WINDOW


def read_query(query: str) -> ParsedQuery:
    if len(query) > settings.KYOSO_SEARCH_QUERY_MAX_LENGTH:
        raise QuerySyntaxError(
            _("検索語が長すぎます（%(limit)s文字まで）。") % {"limit": settings.KYOSO_SEARCH_QUERY_MAX_LENGTH}
        )
    return parse_query(query)


def widened(clauses: list[list[Term]]) -> list[list[Term]]:
    """Each unquoted word ORed with its okurigana variants; an excluded word excludes them all."""
    result: list[list[Term]] = []
    for clause in clauses:
        if len(clause) == 1 and clause[0].negated:
            term = clause[0]
            result.append(clause)
            if not term.phrase:
                result.extend([[Term(v, v, False, True)] for v in variants_of(term.normalized)])
            continue
        alternatives: list[Term] = []
        for term in clause:
            alternatives.append(term)
            if not term.phrase and not term.negated:
                alternatives.extend(Term(v, v) for v in variants_of(term.normalized))
        result.append(alternatives)
    return result


def compile_where(q: Q, *, selective: bool = False) -> Where:
    """SQL for a filter on the backend's table of messages, as the database in use writes it."""
    model = SearchDocument if backend_for().table == SearchDocument._meta.db_table else Message
    query = model.objects.filter(q).query
    compiler = query.get_compiler(connection=connection)
    try:
        sql, params = compiler.compile(query.where)
    except FullResultSet:
        return Where()
    except EmptyResultSet:
        return Where("1 = 0")
    # Django may leave a trimmed join in alias_map; only one still referenced would be in the SQL.
    if any(join.join_type and query.alias_refcount[alias] for alias, join in query.alias_map.items()):
        raise ValueError(
            "a search filter may only use the message's id, channel, author, time and subqueries"
        )
    return Where(sql, tuple(params), selective)


def _relevance(text: str, terms: list[Term], stamps: int, created_at: datetime) -> float:
    """Longer and repeated matches count more, long messages dilute them; stamps and recency add a little."""
    body = analyzed(text)
    score = sum(
        (1 + math.log(count)) * len(term.normalized)
        for term in terms
        if (count := body.count(term.normalized))
    )
    score /= 1 + math.log1p(len(body) / 100)
    age_days = max((timezone.now() - created_at).total_seconds() / 86_400, 0)
    return round(score + 0.5 * math.log1p(stamps) + 1 / (1 + age_days / 30), 6)


def _parse_cursor(cursor: str | None, sort: str) -> tuple[float, int] | None:
    """``<id>`` when sorted by date, ``<score>_<id>`` by relevance; an id out of the database's range
    (or a score that is not a finite number) is refused with InvalidId, anything else starts over."""
    if not cursor:
        return None
    score, _sep, last = cursor.rpartition("_") if sort == RELEVANCE else ("0", "", cursor)
    if not (last.isascii() and last.isdigit()):
        return None
    try:
        value = float(score)
    except ValueError:
        return None
    if not math.isfinite(value):
        raise InvalidId()
    return value, parse_id(last, field="cursor")


def _ranked(ids: list[int], terms: list[Term]) -> list[tuple[float, int]]:
    rows = (
        Message.objects.filter(pk__in=ids)
        .annotate(stamps=Count("reactions"))
        .values_list("pk", "text", "stamps", "created_at")
    )
    scored = [(_relevance(text, terms, stamps, at), pk) for pk, text, stamps, at in rows]
    return sorted(scored, key=lambda pair: (-pair[0], -pair[1]))


def _facets(ids: list[int], raw: str, parsed: ParsedQuery) -> list[Facet]:
    if not ids:
        return []
    present = {f.display() for f in parsed.filters}
    rows = Message.objects.filter(pk__in=ids).order_by()

    def values(key: str, title: str, counted: list[tuple[str, int, Filter]]) -> Facet:
        counted.sort(key=lambda item: (-item[1], item[0]))
        return Facet(
            key,
            title,
            [
                FacetValue(label, count, with_filter(raw, item), item.display() in present)
                for label, count, item in counted[:FACET_SIZE]
            ],
        )

    channels = [
        (f"#{name}", n, Filter("in", f"#{slug}"))
        for slug, name, n in rows.exclude(channel__kind=ChannelKind.DIRECT)
        .values_list("channel__slug", "channel__name")
        .annotate(n=Count("id"))
    ]
    prefectures = [
        (name, n, Filter("pref", name))
        for name, n in rows.filter(author__organization__prefecture__isnull=False)
        .values_list("author__organization__prefecture__name")
        .annotate(n=Count("id"))
    ]
    kinds = [
        (str(OrganizationKind(kind).label), n, Filter("kind", str(OrganizationKind(kind).label)))
        for kind, n in rows.filter(author__organization__isnull=False)
        .values_list("author__organization__kind")
        .annotate(n=Count("id"))
    ]
    years = [
        (_("%(year)s年") % {"year": year}, n, Filter("on", str(year)))
        for year, n in rows.annotate(year=ExtractYear("created_at"))
        .values_list("year")
        .annotate(n=Count("id"))
    ]
    years.sort(key=lambda item: item[2].value, reverse=True)
    return [
        values("channel", _("チャンネル"), channels),
        values("pref", _("都道府県"), prefectures),
        values("kind", _("団体の種類"), kinds),
        Facet(
            "year",
            _("年"),
            [FacetValue(label, n, with_filter(raw, f), f.display() in present) for label, n, f in years],
        ),
    ]


def search_messages(
    member: Member,
    query: str,
    *,
    sort: str = NEWEST,
    cursor: str | None = None,
    variants: bool | None = None,
    limit: int | None = None,
) -> MessageResults:
    """Messages and thread replies the member can read that match ``query``, one page of them.

    Raises QuerySyntaxError or UnknownFilterValue (both MemberFacingError) for a query that cannot
    be read; the message says what to change.
    """
    sort = sort if sort in SORTS else NEWEST
    results = MessageResults(query=query, sort=sort)
    position = _parse_cursor(cursor, sort)
    parsed = read_query(query)
    if parsed.is_empty or not can_read(member):
        return results
    resolved = resolve_filters(member, parsed.filters)
    use_variants = settings.KYOSO_SEARCH_OKURIGANA if variants is None else variants
    plan = TextPlan.of(widened(parsed.clauses) if use_variants else parsed.clauses)
    where = compile_where(permission_q(member) & resolved.q, selective=bool(parsed.filters))
    backend = backend_for()
    page_size = limit or settings.KYOSO_SEARCH_PAGE_SIZE
    window = settings.KYOSO_SEARCH_WINDOW
    found = backend.newest(plan, where, before=None, limit=window + 1)
    results.searched = True
    results.chips = resolved.chips
    results.more_than_counted = len(found) > window
    found = found[:window]
    results.count = len(found)
    results.facets = _facets(found, query, parsed)
    if sort == RELEVANCE:
        ranked = _ranked(found, plan.positive_terms)
        if position is not None:
            ranked = [(s, i) for s, i in ranked if s < position[0] or (s == position[0] and i < position[1])]
        page = ranked[: page_size + 1]
        ids = [i for _s, i in page[:page_size]]
        if len(page) > page_size:
            last = page[page_size - 1]
            results.next_cursor = f"{last[0]}_{last[1]}"
    else:
        if position is None:
            page_ids = found[: page_size + 1]
        else:
            page_ids = backend.newest(plan, where, before=position[1], limit=page_size + 1)
        ids = page_ids[:page_size]
        if len(page_ids) > page_size:
            results.next_cursor = str(ids[-1])
    results.hits = _hits(ids, plan)
    return results


def _hits(ids: list[int], plan: TextPlan) -> list[MessageHit]:
    messages = Message.objects.filter(pk__in=ids).select_related("channel", "author", "author__organization")
    by_id = {m.pk: m for m in messages}
    needles = [term.normalized for term in plan.positive_terms]
    names = member_names(mentioned_ids(m.text for m in messages))
    return [
        MessageHit(m, snippet(m.text, needles, names=names), message_permalink(m))
        for i in ids
        if (m := by_id.get(i)) is not None
    ]


# -- other scopes ------------------------------------------------------------------------------------


def _text_plan(query: str) -> TextPlan | None:
    parsed = read_query(query)
    plan = TextPlan.of(parsed.clauses)
    return plan if plan.positive_terms else None


def search_channels(member: Member, query: str, *, limit: int = SCOPE_SIZE) -> list[Channel]:
    """Channels the member can see (not DMs) whose name, title or purpose matches the words."""
    plan = _text_plan(query)
    if plan is None or not can_read(member):
        return []
    channels = visible_channels(member).exclude(kind=ChannelKind.DIRECT).order_by("name")
    found = [c for c in channels if plan.matches(normalize(f"{c.name} {c.slug} {c.title} {c.purpose}"))]
    return found[:limit]


def search_people(member: Member, query: str, *, limit: int = SCOPE_SIZE) -> list[Member]:
    """Active members by name, reading, organisation, department, title or interests."""
    plan = _text_plan(query)
    if plan is None or not can_read(member):
        return []
    rows = (
        Member.objects.filter(status=MemberStatus.ACTIVE)
        .select_related("organization")
        .order_by("display_name")
    )
    fields = ("display_name", "full_name", "full_name_kana", "department", "title", "interests")
    found = []
    for person in rows.only("pk", "organization__name", *fields):
        haystack = " ".join(
            [*(getattr(person, f) for f in fields), person.organization.name if person.organization else ""]
        )
        if plan.matches(normalize(haystack)):
            found.append(person)
            if len(found) >= limit:
                break
    return found


def search_organizations(member: Member, query: str, *, limit: int = SCOPE_SIZE) -> list[Organization]:
    """Active organisations of the directory whose name, reading or English name matches."""
    plan = _text_plan(query)
    if plan is None or not can_read(member):
        return []
    rows = Organization.objects.filter(is_active=True).select_related("prefecture", "parent").order_by("code")
    found = [o for o in rows if plan.matches(normalize(f"{o.full_name} {o.kana} {o.name_en}"))]
    return found[:limit]
