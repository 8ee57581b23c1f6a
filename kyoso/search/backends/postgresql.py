"""The PostgreSQL index: one row per message with its gram codes (GIN) and its analysed text.

``search_document(message_id, channel_id, author_id, created_at, grams int4[], body text)``:
``grams`` holds every character and every bigram of the message's runs as int4 codes
(kyoso.search.analyzer.gram_codes), ``body`` the analysed text. The channel, author and time never
change for a message, so they are kept here too: the permission filter and the member's filters
(kyoso.search.filters, compiled against kyoso.search.models.SearchDocument) then need no join. A
term matches where ``grams @> its codes`` (the GIN index) and ``strpos(body, term) > 0`` (the exact
check; skipped when one code is already exact: one character, or two characters of the BMP). No
extension is needed: int4[] and GIN's array operators are built in.

Why not pg_trgm or a tsvector of bigrams: both must fetch every matching row before they can sort
by id, so "the 20 newest" of a common word costs as much as counting it (70–130 ms at a million
messages). Here the 20 newest come one of two ways, whichever costs less for the query at hand
(estimated from the planner's statistics, see kyoso.search.backends.pg_estimates):

- a probe walks the documents backwards along the primary key and keeps those that match: cheap
  for a common word, whose 20 newest are among the last few hundred messages;
- the GIN index gives every match at once, to be sorted: cheap for a rare word.

The probe has a budget of rows: if a combination of common grams turns out rare, or the word's
matches cluster in the past, it stops and the GIN index answers for the older rest. When the member
narrows the search (in:, from:, pref: …), a sample of recent documents tells what share the filters
let through: the probe then expects to read more, and GIN to fetch fewer (its bitmap is ANDed with
the channel or author index's: the filters name their channels and authors by id for this). Counting uses
the GIN index, stopping at the cap. The grams column's statistics target is raised so that ANALYZE
lists the 10,000 most common grams: anything rarer is left to GIN.
"""

# SQL here is built from this module's own table names and from %s placeholders; every value a
# member typed travels as a parameter.
# ruff: noqa: S608
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from kyoso.search.analyzer import analyzed, gram_codes, is_single_run, query_codes
from kyoso.search.backends import Indexed, Progress, Where
from kyoso.search.backends.pg_estimates import (
    GramStatistics,
    estimated_matches,
    forget_statistics,
    statistics_for,
)
from kyoso.search.matching import TextPlan
from kyoso.search.syntax import Term

TABLE = "search_document"
GIN_INDEX = f"{TABLE}_grams"
# Measured here at a million messages, in microseconds: reading one document on the probe's walk
# (heap pages in id order, mostly cached), and fetching one GIN match (a random heap page each).
PROBE_ROW_COST = 0.8
GIN_ROW_COST = 8.0
# …and one entry of a GIN or B-tree bitmap.
BITMAP_ROW_COST = 0.05
# The probe reads up to this many times the rows its estimate expects (estimates are averages, and
# the rarest gram of a phrase is only an upper bound on the phrase), at least PROBE_MIN_ROWS, and
# never more than GIN would cost; without statistics yet (a new table), PROBE_DEFAULT_ROWS.
PROBE_SLACK = 3
PROBE_MIN_ROWS = 1000
PROBE_DEFAULT_ROWS = 4000
# How many recent documents tell what share of them a member's filter lets through.
FILTER_SAMPLE_ROWS = 2000
# A gram in more than this share of documents narrows a GIN lookup less than it costs to read its
# posting list: it is left to strpos, which checks every candidate anyway.
COMMON_GRAM_SHARE = 0.25
# ANALYZE keeps ten times this many most common grams (see pg_estimates).
STATISTICS_TARGET = 1000

# A small pending list: inserts stay cheap, and no query has to read a long unsorted list.
CREATE_GIN_INDEX = (
    f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} ON {TABLE} USING gin (grams) "
    "WITH (fastupdate = on, gin_pending_list_limit = 256)"
)
CREATE_STATEMENTS = [
    f"CREATE TABLE IF NOT EXISTS {TABLE} (message_id bigint PRIMARY KEY, channel_id bigint NOT NULL, "
    "author_id bigint NOT NULL, created_at timestamptz NOT NULL, grams int4[] NOT NULL, body text NOT NULL)",
    # Bitmaps of a channel's or some authors' documents, ANDed with GIN's for in:, from:, pref: ….
    f"CREATE INDEX IF NOT EXISTS {TABLE}_channel ON {TABLE} (channel_id, message_id)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_author ON {TABLE} (author_id, message_id)",
    CREATE_GIN_INDEX,
    f"ALTER TABLE {TABLE} ALTER COLUMN grams SET STATISTICS {STATISTICS_TARGET}",
]
DROP_STATEMENTS = [f"DROP TABLE IF EXISTS {TABLE}"]
COLUMNS = "message_id, channel_id, author_id, created_at, grams, body"


def _needs_check(term: Term) -> bool:
    """Whether containing the term's codes is not already proof of the substring."""
    text = term.normalized
    if not is_single_run(text):
        return True
    return not (len(text) == 1 or (len(text) == 2 and all(ord(c) <= 0xFFFF for c in text)))


def _lookup_codes(term: Term, statistics: GramStatistics | None) -> tuple[list[int], bool]:
    """The codes to ask GIN for, and whether what they promise must still be checked with strpos."""
    codes = query_codes(term.normalized)
    if statistics is not None and len(codes) > 1:
        rare = [code for code in codes if statistics.share(code) <= COMMON_GRAM_SHARE]
        kept = rare or [min(codes, key=statistics.share)]
        if len(kept) < len(codes):
            return kept, True
    return codes, _needs_check(term)


def exact_condition(plan: TextPlan, statistics: GramStatistics | None = None) -> tuple[str, list[Any]]:
    """The exact SQL condition for a plan on a search_document row ("TRUE" for an empty plan)."""
    clauses: list[str] = []
    params: list[Any] = []
    for clause in plan.clauses:
        alternatives: list[str] = []
        for term in clause:
            if term.negated:
                alternatives.append(f"strpos({TABLE}.body, %s) = 0")
                params.append(term.normalized)
                continue
            codes, check = _lookup_codes(term, statistics)
            condition = f"{TABLE}.grams @> %s::int4[]"
            params.append(codes)
            if check:
                condition += f" AND strpos({TABLE}.body, %s) > 0"
                params.append(term.normalized)
            alternatives.append(f"({condition})")
        clauses.append("(" + " OR ".join(alternatives) + ")")
    return " AND ".join(clauses) or "TRUE", params


def _below(before: int | None) -> tuple[str, list[Any]]:
    return (f" AND {TABLE}.message_id < %s", [before]) if before is not None else ("", [])


class PostgresBackend:
    vendor = "postgresql"
    table = TABLE

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection

    # -- writing --------------------------------------------------------------------------------

    def _documents(self, rows: Sequence[Indexed]) -> list[tuple[Any, ...]]:
        documents = []
        for row in rows:
            normalized = analyzed(row.text)
            documents.append(
                (row.id, row.channel_id, row.author_id, row.created_at, gram_codes(normalized), normalized)
            )
        return documents

    def add(self, rows: Sequence[Indexed]) -> None:
        if not rows:
            return
        documents = self._documents(rows)
        upsert = "ON CONFLICT (message_id) DO UPDATE SET grams = EXCLUDED.grams, body = EXCLUDED.body"
        with self.connection.cursor() as cursor:
            if len(documents) == 1:
                cursor.execute(
                    f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (%s, %s, %s, %s, %s::int4[], %s) {upsert}",
                    documents[0],
                )
                return
            # Many at once: COPY into a temporary table, then one INSERT … ON CONFLICT.
            with transaction.atomic(using=self.connection.alias):
                cursor.execute(
                    f"CREATE TEMPORARY TABLE IF NOT EXISTS search_document_staging (LIKE {TABLE}) "
                    "ON COMMIT DELETE ROWS"
                )
                with cursor.copy(f"COPY search_document_staging ({COLUMNS}) FROM STDIN") as copy:
                    for document in documents:
                        copy.write_row(document)
                cursor.execute(
                    f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {COLUMNS} FROM search_document_staging {upsert}"
                )
                cursor.execute("DELETE FROM search_document_staging")

    def remove(self, rows: Sequence[tuple[int, str]]) -> None:
        if rows:
            with self.connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {TABLE} WHERE message_id = ANY(%s)", [[r[0] for r in rows]])

    def clear(self) -> None:
        if TABLE in self.connection.introspection.table_names():
            with self.connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {TABLE}")

    # -- reading --------------------------------------------------------------------------------

    def newest(self, plan: TextPlan, where: Where, *, before: int | None, limit: int) -> list[int]:
        statistics = statistics_for(self.connection, TABLE)
        condition, params = exact_condition(plan, statistics)
        if not plan.positive_terms:
            # Filters only, or only exclusions: walk the documents newest first.
            below, below_params = _below(before)
            sql = (
                f"SELECT message_id FROM {TABLE} WHERE {condition}{where.clause()}{below} "
                "ORDER BY message_id DESC LIMIT %s"
            )
            return self._rows(sql, [*params, *where.params, *below_params, limit])
        share = self._filter_share(where, before) if where.selective else 1.0
        budget = self._probe_budget(plan, limit, statistics, share)
        found: list[int] = []
        if budget:
            found, boundary = self._probe(condition, params, where, before, budget, limit)
            if len(found) >= limit or boundary is None:
                return found
            before = boundary
        return found + self._gin_newest(condition, params, where, before, limit - len(found))

    def _filter_share(self, where: Where, before: int | None) -> float:
        """The share of recent documents a member's filter lets through (in:, from:, pref: …)."""
        below, below_params = _below(before)
        sample = f"SELECT {TABLE}.* FROM {TABLE} WHERE TRUE{below} ORDER BY {TABLE}.message_id DESC LIMIT %s"
        rows = self._rows(
            f"SELECT count(*) FILTER (WHERE TRUE{where.clause()}), count(*) FROM ({sample}) AS {TABLE}",
            [*where.params, *below_params, FILTER_SAMPLE_ROWS],
            way="probe",
            columns=2,
        )
        passed, seen = rows[0]
        # None of the sample passed: the share is below one in the sample, not zero.
        return max(passed, 0.5) / max(seen, 1)

    def _probe_budget(
        self, plan: TextPlan, limit: int, statistics: GramStatistics | None, share: float = 1.0
    ) -> int:
        """Rows the probe may read (0: ask GIN at once), from the estimated number of matches and the
        share of documents the filters let through.

        The probe is chosen when it should find ``limit`` matches for less than GIN's fetching all
        of them would cost. Its budget is a few times the rows it expects to read, never more than
        what GIN would cost: past it, GIN answers for the rest, which is then rare.
        """
        matches = estimated_matches(statistics, plan) if statistics else None
        if statistics is None or matches is None:
            return PROBE_DEFAULT_ROWS
        documents = max(statistics.documents, 1.0)
        expected_rows = min(documents, limit * documents / max(matches * share, 1.0))
        # GIN's bitmap is ANDed with the channel or author index's, so only matches that pass the
        # filters are fetched; every match still costs a little in the bitmap.
        gin_cost = matches * (share * GIN_ROW_COST + BITMAP_ROW_COST)
        if gin_cost <= expected_rows * PROBE_ROW_COST:
            return 0
        return int(max(PROBE_MIN_ROWS, min(PROBE_SLACK * expected_rows, gin_cost / PROBE_ROW_COST)))

    def _probe(
        self, condition: str, params: list[Any], where: Where, before: int | None, budget: int, limit: int
    ) -> tuple[list[int], int | None]:
        """Matches among the newest ``budget`` documents, and where the probe stopped (None when it
        read every document there is). The budget counts documents read, filtered or not, so it
        bounds the probe's cost whatever the filters let through."""
        below, below_params = _below(before)
        window = f"SELECT {TABLE}.* FROM {TABLE} WHERE TRUE{below} ORDER BY {TABLE}.message_id DESC LIMIT %s"
        window_params = [*below_params, budget]
        sql = f"SELECT message_id FROM ({window}) AS {TABLE} WHERE {condition}{where.clause()} "
        sql += "ORDER BY message_id DESC LIMIT %s"
        found = self._rows(sql, [*window_params, *params, *where.params, limit], way="probe")
        if len(found) >= limit:
            return found, found[-1]
        bounds = self._rows(
            f"SELECT min(message_id) FROM ({window}) AS {TABLE} HAVING count(*) >= %s",
            [*window_params, budget],
            way="probe",
        )
        return found, (bounds[0] if bounds else None)

    def _gin_newest(
        self, condition: str, params: list[Any], where: Where, before: int | None, limit: int
    ) -> list[int]:
        below, below_params = _below(before)
        sql = (
            f"SELECT message_id FROM {TABLE} WHERE {condition}{where.clause()}{below} "
            "ORDER BY message_id DESC LIMIT %s"
        )
        return self._rows(sql, [*params, *where.params, *below_params, limit], way="gin")

    def _rows(self, sql: str, params: list[Any], *, way: str = "", columns: int = 1) -> list[Any]:
        """Run one of the queries above, holding the planner to the way chosen for it.

        The planner cannot tell how selective an array containment or a filter on the author's
        organisation is, and with ORDER BY … LIMIT it guesses badly both ways: a probe must walk the
        primary key (no sort, no scan of the whole table, a hash for a set of authors), a GIN lookup
        must use the GIN bitmap (no walk of the primary key). JIT compilation is off: it costs more
        than these queries take.
        """
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            if way:
                cursor.execute("SET LOCAL enable_seqscan = off")
            if way == "probe":
                cursor.execute("SET LOCAL enable_sort = off")
                cursor.execute("SET LOCAL enable_nestloop = off")
            elif way == "gin":
                cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [row[0] for row in rows] if columns == 1 else rows

    def count(self, plan: TextPlan, where: Where, *, cap: int | None) -> int:
        condition, params = exact_condition(plan, statistics_for(self.connection, TABLE))
        inner = f"SELECT 1 FROM {TABLE} WHERE {condition}{where.clause()}"
        if cap is not None:
            inner += " LIMIT %s"
        args = [*params, *where.params, *([cap] if cap is not None else [])]
        return self._rows(
            f"SELECT count(*) FROM ({inner}) x", args, way="gin" if plan.positive_terms else ""
        )[0]

    def index_bytes(self) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_total_relation_size(%s)", [TABLE])
            return int(cursor.fetchone()[0])

    # -- rebuilding -----------------------------------------------------------------------------

    def _create_gin_index(self) -> None:
        # CONCURRENTLY lets members keep posting meanwhile; it cannot run inside a transaction.
        concurrently = " CONCURRENTLY" if self.connection.get_autocommit() else ""
        with self.connection.cursor() as cursor:
            cursor.execute(CREATE_GIN_INDEX.replace("CREATE INDEX", f"CREATE INDEX{concurrently}", 1))

    def rebuild(self, *, batch_size: int, progress: Progress | None) -> int:
        """Recompute every document in place, batch by batch; searches keep working throughout.

        Each batch locks its messages FOR SHARE while it reads them, so an edit either lands before
        (and is read) or waits until the batch has written (and then writes its own document).
        Into an empty table (a first build) the GIN index is made once at the end, which is many
        times faster than growing it a document at a time.
        """
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM chat_message WHERE deleted_at IS NULL")
            total = cursor.fetchone()[0]
            cursor.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {TABLE})")
            fresh = cursor.fetchone()[0]
            if fresh:
                cursor.execute(f"DROP INDEX IF EXISTS {GIN_INDEX}")
        last, done = 0, 0
        while True:
            with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
                cursor.execute(
                    "SELECT id, channel_id, author_id, created_at, text FROM chat_message "
                    "WHERE id > %s AND deleted_at IS NULL ORDER BY id LIMIT %s FOR SHARE",
                    [last, batch_size],
                )
                rows = [Indexed(*row) for row in cursor.fetchall()]
                upper = rows[-1].id if rows else None
                self.add(rows)
                # Documents of messages deleted or removed meanwhile in this id range go.
                cursor.execute(
                    f"DELETE FROM {TABLE} d WHERE d.message_id > %s"
                    + (" AND d.message_id <= %s" if upper is not None else "")
                    + " AND NOT EXISTS (SELECT 1 FROM chat_message m WHERE m.id = d.message_id"
                    " AND m.deleted_at IS NULL)",
                    [last, upper] if upper is not None else [last],
                )
            done += len(rows)
            if progress:
                progress(done, max(total, done))
            if len(rows) < batch_size:
                break
            last = upper  # type: ignore[assignment]
        if fresh:
            self._create_gin_index()
        if self.connection.get_autocommit():
            # Outside a transaction (the command, not a test): fresh statistics and visibility map.
            with self.connection.cursor() as cursor:
                cursor.execute(f"VACUUM ANALYZE {TABLE}")
        forget_statistics()
        return done
