"""The approaches the search benchmark compares, each answering the same four questions.

- ``kyoso``: this project's index (kyoso.search.backends), through the very functions the search
  page uses, with the query as one exact phrase. Its filters go through chat_message and the
  author's organisation, as the page's do.
- ``like``: ``LIKE '%q%'`` over a table of the analysed texts (SQLite).
- ``fts5_trigram``: FTS5's trigram tokenizer over the analysed texts, queried as a phrase (SQLite).
- ``pg_trgm``: a pg_trgm GIN index with ``ILIKE '%q%'`` over the analysed texts (PostgreSQL).

The baselines keep the channel and the author's prefecture in their own table, so their filters
cost them no join: if anything, this favours them.
"""

# SQL here names this module's own tables; every query text travels as a parameter.
# ruff: noqa: S608
from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, Protocol

from django.db import connection, transaction
from django.db.models import Q

from kyoso.accounts.models import Member
from kyoso.search.actions import reindex
from kyoso.search.analyzer import analyzed, normalize
from kyoso.search.backends import Where, backend_for
from kyoso.search.matching import TextPlan
from kyoso.search.queries import compile_where
from kyoso.search.syntax import Term

Filter = tuple[str, int]  # ("channel", id) or ("pref", id)
TEXT_TABLE = "bench_search_text"
ALL = 10**9


class Engine(Protocol):
    name: str

    def build(self) -> None: ...

    def newest(self, query: str, where: Filter | None, limit: int) -> list[int]: ...

    def count(self, query: str) -> int: ...

    def index_bytes(self) -> int: ...


def _rows(sql: str, params: Iterable[Any]) -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


class KyosoEngine:
    name = "kyoso"

    def __init__(self) -> None:
        self.backend = backend_for()
        self._filters: dict[Filter, Where] = {}

    def build(self) -> None:
        reindex()

    def _plan(self, query: str) -> TextPlan:
        return TextPlan.of([[Term(query, normalize(query), phrase=True)]])

    def _where(self, where: Filter | None) -> Where:
        if where is None:
            return Where()
        if where not in self._filters:
            kind, value = where
            q = (
                Q(channel_id=value)
                if kind == "channel"
                else Q(author_id__in=Member.objects.filter(organization__prefecture_id=value).values("pk"))
            )
            self._filters[where] = compile_where(q, selective=True)
        return self._filters[where]

    def newest(self, query: str, where: Filter | None, limit: int) -> list[int]:
        return self.backend.newest(self._plan(query), self._where(where), before=None, limit=limit)

    def count(self, query: str) -> int:
        return self.backend.count(self._plan(query), Where(), cap=None)

    def index_bytes(self) -> int:
        return self.backend.index_bytes()


def create_text_table(rows: Iterable[tuple[int, int, int, str]]) -> None:
    """(id, channel, author's prefecture, raw text) → the baselines' table of analysed texts."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TEXT_TABLE}")
        cursor.execute(
            f"CREATE TABLE {TEXT_TABLE} (id bigint PRIMARY KEY, channel_id bigint, pref_id bigint, body text)"
        )
        cursor.executemany(
            f"INSERT INTO {TEXT_TABLE} (id, channel_id, pref_id, body) VALUES (%s, %s, %s, %s)",
            [(i, c, p, analyzed(text)) for i, c, p, text in rows],
        )


def _like_pattern(query: str) -> str:
    escaped = normalize(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filter_sql(where: Filter | None, alias: str) -> tuple[str, list[Any]]:
    if where is None:
        return "", []
    column = "channel_id" if where[0] == "channel" else "pref_id"
    return f" AND {alias}.{column} = %s", [where[1]]


class LikeEngine:
    name = "like"

    def build(self) -> None:
        pass  # a scan needs no index

    def newest(self, query: str, where: Filter | None, limit: int) -> list[int]:
        extra, params = _filter_sql(where, "t")
        sql = (
            f"SELECT t.id FROM {TEXT_TABLE} t WHERE t.body LIKE %s ESCAPE '\\'{extra} "
            "ORDER BY t.id DESC LIMIT %s"
        )
        return [r[0] for r in _rows(sql, [_like_pattern(query), *params, limit])]

    def count(self, query: str) -> int:
        sql = f"SELECT count(*) FROM {TEXT_TABLE} WHERE body LIKE %s ESCAPE '\\'"
        return int(_rows(sql, [_like_pattern(query)])[0][0])

    def index_bytes(self) -> int:
        return 0


class TrigramEngine:
    name = "fts5_trigram"
    table = "bench_search_trigram"

    def build(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            cursor.execute(
                f"CREATE VIRTUAL TABLE {self.table} USING fts5(body, tokenize='trigram', content='')"
            )
            cursor.execute(f"INSERT INTO {self.table} (rowid, body) SELECT id, body FROM {TEXT_TABLE}")

    def _expression(self, query: str) -> str:
        return '"' + normalize(query).replace('"', '""') + '"'

    def _run(self, sql: str, params: list[Any]) -> list[Any]:
        try:
            return _rows(sql, params)
        except Exception:
            return []

    def newest(self, query: str, where: Filter | None, limit: int) -> list[int]:
        extra, params = _filter_sql(where, "t")
        join = f" CROSS JOIN {TEXT_TABLE} t ON t.id = f.rowid" if where else ""
        sql = (
            f"SELECT f.rowid FROM {self.table} f{join} WHERE f.{self.table} MATCH %s{extra} "
            "ORDER BY f.rowid DESC LIMIT %s"
        )
        return [r[0] for r in self._run(sql, [self._expression(query), *params, limit])]

    def count(self, query: str) -> int:
        rows = self._run(
            f"SELECT count(*) FROM {self.table} WHERE {self.table} MATCH %s", [self._expression(query)]
        )
        return int(rows[0][0]) if rows else 0

    def index_bytes(self) -> int:
        return int(_rows(f"SELECT coalesce(sum(length(block)), 0) FROM {self.table}_data", [])[0][0])


class PgTrgmEngine:
    name = "pg_trgm"
    index = "bench_search_text_trgm"

    def build(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute(f"CREATE INDEX {self.index} ON {TEXT_TABLE} USING gin (body gin_trgm_ops)")
            cursor.execute(f"ANALYZE {TEXT_TABLE}")

    def newest(self, query: str, where: Filter | None, limit: int) -> list[int]:
        extra, params = _filter_sql(where, "t")
        sql = f"SELECT t.id FROM {TEXT_TABLE} t WHERE t.body ILIKE %s{extra} ORDER BY t.id DESC LIMIT %s"
        return [r[0] for r in _rows(sql, [_like_pattern(query), *params, limit])]

    def count(self, query: str) -> int:
        return int(
            _rows(f"SELECT count(*) FROM {TEXT_TABLE} WHERE body ILIKE %s", [_like_pattern(query)])[0][0]
        )

    def index_bytes(self) -> int:
        return int(_rows("SELECT pg_relation_size(%s)", [self.index])[0][0])


def engines_for(vendor: str) -> list[Any]:
    if vendor == "postgresql":
        return [KyosoEngine(), PgTrgmEngine()]
    return [KyosoEngine(), LikeEngine(), TrigramEngine()]


def timed(function: Any, *args: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = function(*args)
    return result, (time.perf_counter() - started) * 1000
