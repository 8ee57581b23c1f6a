"""How many messages a query will match on PostgreSQL, from the planner's own statistics.

ANALYZE (and autovacuum) keeps, for the grams column, the most common gram codes with the share of
documents holding each (pg_stats.most_common_elems). A gram not listed is rarer than the rarest one
listed (see UNLISTED_SHARE). A term matches at most as often as its rarest gram; an OR adds its
terms up; an AND of clauses matches at most as often as its rarest clause. The estimate only chooses
between two correct ways of answering (kyoso.search.backends.postgresql), so an approximation is
enough."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.db.backends.base.base import BaseDatabaseWrapper

from kyoso.search.analyzer import query_codes
from kyoso.search.matching import TextPlan

# pg_stats is read again after this many seconds; autovacuum's ANALYZE does not run more often.
STATS_MAX_AGE = 300.0
# A gram not listed is rarer than the rarest one listed; gram counts fall off steeply (Zipf), so
# most unlisted grams are far rarer. They are estimated at this share of the rarest listed one.
UNLISTED_SHARE = 0.25


@dataclass
class GramStatistics:
    frequencies: dict[int, float] = field(default_factory=dict)
    floor: float = 1.0  # the rarest listed gram's share: any gram not listed is rarer
    documents: float = 0.0

    def share(self, code: int) -> float:
        return self.frequencies.get(code, self.floor * UNLISTED_SHARE)


_cache: dict[tuple[str, str], tuple[float, GramStatistics | None]] = {}


def _load(connection: BaseDatabaseWrapper, table: str) -> GramStatistics | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.most_common_elems::text, s.most_common_elem_freqs, c.reltuples "
            "FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename "
            "WHERE s.schemaname = current_schema() AND s.tablename = %s AND s.attname = 'grams'",
            [table],
        )
        row = cursor.fetchone()
    if row is None or row[0] is None or not row[1] or row[2] is None or row[2] <= 0:
        return None
    codes = [int(code) for code in row[0].strip("{}").split(",") if code]
    shares = [float(share) for share in row[1]]
    # The list of shares ends with three more: their minimum, their maximum and the null share.
    frequencies = dict(zip(codes, shares[: len(codes)], strict=True))
    return GramStatistics(frequencies, min(frequencies.values()), float(row[2]))


def statistics_for(connection: BaseDatabaseWrapper, table: str) -> GramStatistics | None:
    key = (connection.alias, str(connection.settings_dict.get("NAME")))
    loaded_at, found = _cache.get(key, (None, None))
    if loaded_at is None or time.monotonic() - loaded_at > STATS_MAX_AGE:
        found = _load(connection, table)
        _cache[key] = (time.monotonic(), found)
    return found


def forget_statistics() -> None:
    """After a rebuild: the next query reads the fresh statistics."""
    _cache.clear()


def estimated_matches(statistics: GramStatistics, plan: TextPlan) -> float | None:
    """About how many documents match the plan's positive clauses; None if it has none."""
    shares: list[float] = []
    for clause in plan.clauses:
        if any(term.negated for term in clause):
            continue  # an exclusion narrows, it never needs the index
        share = sum(
            min((statistics.share(code) for code in query_codes(term.normalized)), default=1.0)
            for term in clause
        )
        shares.append(min(share, 1.0))
    return min(shares) * statistics.documents if shares else None
