"""The embedded index: two contentless FTS5 tables over the analyzer's tokens.

- ``search_message_bigrams`` (detail=full): each run's bigrams and its last character, with
  positions, so a run of two or more characters is an exact phrase query.
- ``search_message_characters`` (detail=none): the distinct characters of each message, without
  positions: a one-character query reads one short posting list. Measured on 100,000 messages of
  Japanese prose it costs a quarter of the text's size, where FTS5's prefix index (the other way to
  answer one character) costs four fifths and the same table with positions two thirds.

Both use the ``ascii`` tokenizer: it keeps every non-ASCII character as part of a token and only
splits on ASCII spaces and punctuation, so the analyzer's tokens reach the index unchanged.
Contentless tables store no text: removing a message means handing FTS5 the tokens it was indexed
with, which the actions do from the text before an edit or a deletion.

A rebuild fills two shadow tables batch by batch while the live ones keep answering, compacts them
step by step, then renames them into place in one short transaction. While it runs, ``rebuild_upto``
records how far it got: a change to a message at or below that id is applied to the shadow tables as
well (SQLite has one writer at a time, so a batch and a change never interleave).
"""

# SQL here is built from this module's own table names and from %s placeholders; every value a
# member typed travels as a parameter.
# ruff: noqa: S608
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from kyoso.search.analyzer import analyzed, bigram_document, char_document
from kyoso.search.backends import Indexed, Progress, Where
from kyoso.search.matching import BIGRAMS, TextPlan

BIGRAM_TABLE = "search_message_bigrams"
CHARACTER_TABLE = "search_message_characters"
SHADOW_SUFFIX = "_rebuild"
REBUILD_KEY = "rebuild_upto"
# Pages merged per transaction when the rebuilt index is compacted: a fraction of a second each.
MERGE_PAGES = 2000
Document = tuple[int, str]  # (message id, tokens)


def create_statements(suffix: str = "") -> list[str]:
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {BIGRAM_TABLE}{suffix} USING fts5("
        "tokens, tokenize='ascii', content='', detail=full, columnsize=0)",
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {CHARACTER_TABLE}{suffix} USING fts5("
        "tokens, tokenize='ascii', content='', detail=none, columnsize=0)",
    ]


def drop_statements(suffix: str = "") -> list[str]:
    return [f"DROP TABLE IF EXISTS {BIGRAM_TABLE}{suffix}", f"DROP TABLE IF EXISTS {CHARACTER_TABLE}{suffix}"]


def scan_newest(
    connection: BaseDatabaseWrapper, plan: TextPlan, where: Where, *, before: int | None, limit: int | None
) -> list[int]:
    """Without any index condition (filters only, or only exclusions): walk chat_message newest first,
    checking the text with kyoso_match."""
    sql = "SELECT chat_message.id FROM chat_message WHERE chat_message.deleted_at IS NULL" + where.clause()
    params: list[Any] = [*where.params]
    if not plan.is_empty:
        sql += " AND kyoso_match(chat_message.text, %s)"
        params.append(plan.spec())
    if before is not None:
        sql += " AND chat_message.id < %s"
        params.append(before)
    sql += " ORDER BY chat_message.id DESC"
    if limit is not None:
        sql += " LIMIT %s"
        params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


class SqliteBackend:
    vendor = "sqlite"
    table = "chat_message"

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection

    # -- writing --------------------------------------------------------------------------------

    def _documents(self, rows: Sequence[tuple[int, str]]) -> tuple[list[Document], list[Document]]:
        bigram_rows, character_rows = [], []
        for message_id, text in rows:
            normalized = analyzed(text)
            bigram_rows.append((message_id, bigram_document(normalized)))
            character_rows.append((message_id, char_document(normalized)))
        return bigram_rows, character_rows

    def _rebuild_upto(self) -> int | None:
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT value FROM search_indexstate WHERE key = %s", [REBUILD_KEY])
            row = cursor.fetchone()
        return int(row[0]) if row else None

    def _write(self, command: str, rows: Sequence[tuple[int, str]]) -> None:
        if not rows:
            return
        bigram_rows, character_rows = self._documents(rows)
        upto = self._rebuild_upto()
        targets: list[tuple[str, int | None]] = (
            [("", None)] if upto is None else [("", None), (SHADOW_SUFFIX, upto)]
        )
        with self.connection.cursor() as cursor:
            for suffix, limit in targets:
                for table, documents in ((BIGRAM_TABLE, bigram_rows), (CHARACTER_TABLE, character_rows)):
                    chosen = documents if limit is None else [d for d in documents if d[0] <= limit]
                    if not chosen:
                        continue
                    name = f"{table}{suffix}"
                    if command == "insert":
                        cursor.executemany(f"INSERT INTO {name}(rowid, tokens) VALUES (%s, %s)", chosen)
                    else:
                        # Contentless FTS5 forgets a row when given the very tokens it was indexed with.
                        cursor.executemany(
                            f"INSERT INTO {name}({name}, rowid, tokens) VALUES ('delete', %s, %s)", chosen
                        )

    def add(self, rows: Sequence[Indexed]) -> None:
        self._write("insert", [(row.id, row.text) for row in rows])

    def remove(self, rows: Sequence[tuple[int, str]]) -> None:
        self._write("delete", rows)

    def clear(self) -> None:
        tables = set(self.connection.introspection.table_names())
        with self.connection.cursor() as cursor:
            for table in (BIGRAM_TABLE, CHARACTER_TABLE):
                if table in tables:
                    cursor.execute(f"INSERT INTO {table}({table}) VALUES ('delete-all')")

    # -- reading --------------------------------------------------------------------------------

    def _matching(self, plan: TextPlan, where: Where) -> tuple[str, list[Any]] | None:
        """FROM and WHERE of an index-driven query, or None when the index has nothing to say."""
        query = plan.index_query()
        if query is None:
            return None
        table = BIGRAM_TABLE if query.index == BIGRAMS else CHARACTER_TABLE
        # CROSS JOIN keeps the index as the outer loop, so rows come newest first straight from FTS5.
        sql = (
            f" FROM {table} AS f CROSS JOIN chat_message"
            f" WHERE f.{table} MATCH %s AND chat_message.id = f.rowid AND chat_message.deleted_at IS NULL"
        )
        params: list[Any] = [query.expression]
        sql += where.clause()
        params.extend(where.params)
        if not query.exact:
            sql += " AND kyoso_match(chat_message.text, %s)"
            params.append(plan.spec())
        return sql, params

    def newest(self, plan: TextPlan, where: Where, *, before: int | None, limit: int) -> list[int]:
        matching = self._matching(plan, where)
        if matching is None:
            return scan_newest(self.connection, plan, where, before=before, limit=limit)
        sql, params = matching
        if before is not None:
            sql += " AND f.rowid < %s"
            params.append(before)
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT f.rowid{sql} ORDER BY f.rowid DESC LIMIT %s", [*params, limit])
            return [row[0] for row in cursor.fetchall()]

    def count(self, plan: TextPlan, where: Where, *, cap: int | None) -> int:
        query = plan.index_query()
        if query is not None and query.exact and not where.sql:
            # The index alone knows: a deleted message left it, a purged one too.
            table = BIGRAM_TABLE if query.index == BIGRAMS else CHARACTER_TABLE
            inner = f"SELECT 1 FROM {table} WHERE {table} MATCH %s" + (" LIMIT %s" if cap is not None else "")
            with self.connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) FROM ({inner})", [query.expression, *([cap] if cap else [])])
                return cursor.fetchone()[0]
        matching = self._matching(plan, where)
        if matching is None:
            return len(scan_newest(self.connection, plan, where, before=None, limit=cap))
        sql, params = matching
        inner = f"SELECT 1{sql}" + (" LIMIT %s" if cap is not None else "")
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({inner})", [*params, *([cap] if cap is not None else [])])
            return cursor.fetchone()[0]

    def index_bytes(self) -> int:
        with self.connection.cursor() as cursor:
            total = 0
            for table in (BIGRAM_TABLE, CHARACTER_TABLE):
                cursor.execute(f"SELECT coalesce(sum(length(block)), 0) FROM {table}_data")
                total += cursor.fetchone()[0]
                cursor.execute(f"SELECT coalesce(sum(length(term) + 8), 0) FROM {table}_idx")
                total += cursor.fetchone()[0]
        return total

    # -- rebuilding -----------------------------------------------------------------------------

    def rebuild(self, *, batch_size: int, progress: Progress | None) -> int:
        """Fill shadow tables from the messages, then swap them in; searches keep working meanwhile."""
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM chat_message WHERE deleted_at IS NULL")
            total = cursor.fetchone()[0]
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            for statement in [*drop_statements(SHADOW_SUFFIX), *create_statements(SHADOW_SUFFIX)]:
                cursor.execute(statement)
            cursor.execute("DELETE FROM search_indexstate WHERE key = %s", [REBUILD_KEY])
            cursor.execute("INSERT INTO search_indexstate(key, value) VALUES (%s, %s)", [REBUILD_KEY, "0"])
        done = 0
        while True:
            with transaction.atomic(using=self.connection.alias):
                copied = self._copy_batch(batch_size)
            done += copied
            if progress:
                progress(done, max(total, done))
            if copied < batch_size:
                break
        self._merge_shadow()
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            # The last messages posted since the final batch, then the swap, under one write lock.
            while self._copy_batch(batch_size) == batch_size:
                pass
            for statement in drop_statements():
                cursor.execute(statement)
            for table in (BIGRAM_TABLE, CHARACTER_TABLE):
                cursor.execute(f"ALTER TABLE {table}{SHADOW_SUFFIX} RENAME TO {table}")
            cursor.execute("DELETE FROM search_indexstate WHERE key = %s", [REBUILD_KEY])
        return done

    def _merge_shadow(self) -> None:
        """Merge the shadow tables' segments into one, a little per transaction (as 'optimize' would
        at once, holding the write lock for seconds). FTS5 says it is done when a merge step changes
        fewer than two rows."""
        raw = self.connection.connection
        for table in (f"{BIGRAM_TABLE}{SHADOW_SUFFIX}", f"{CHARACTER_TABLE}{SHADOW_SUFFIX}"):
            while True:
                before = raw.total_changes
                with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
                    cursor.execute(f"INSERT INTO {table}({table}, rank) VALUES ('merge', %s)", [-MERGE_PAGES])
                if raw.total_changes - before < 2:
                    break

    def _copy_batch(self, batch_size: int) -> int:
        upto = self._rebuild_upto() or 0
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, text FROM chat_message WHERE id > %s AND deleted_at IS NULL ORDER BY id LIMIT %s",
                [upto, batch_size],
            )
            rows = cursor.fetchall()
            if not rows:
                return 0
            bigram_rows, character_rows = self._documents(rows)
            cursor.executemany(
                f"INSERT INTO {BIGRAM_TABLE}{SHADOW_SUFFIX}(rowid, tokens) VALUES (%s, %s)", bigram_rows
            )
            cursor.executemany(
                f"INSERT INTO {CHARACTER_TABLE}{SHADOW_SUFFIX}(rowid, tokens) VALUES (%s, %s)", character_rows
            )
            cursor.execute(
                "UPDATE search_indexstate SET value = %s WHERE key = %s", [str(rows[-1][0]), REBUILD_KEY]
            )
        return len(rows)
