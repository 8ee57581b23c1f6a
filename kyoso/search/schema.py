"""Creating and dropping the index tables of the database in use, and recording how they were built."""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

from kyoso.search.analyzer import ANALYZER_VERSION

ANALYZER_KEY = "analyzer_version"


def _statements(connection: BaseDatabaseWrapper) -> tuple[list[str], list[str]]:
    if connection.vendor == "postgresql":
        from kyoso.search.backends import postgresql

        return postgresql.CREATE_STATEMENTS, postgresql.DROP_STATEMENTS
    from kyoso.search.backends import sqlite

    return sqlite.create_statements(), sqlite.drop_statements()


def create_index_tables(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection)[0]:
            cursor.execute(statement)


def drop_index_tables(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection)[1]:
            cursor.execute(statement)


def record_analyzer_version(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_indexstate WHERE key = %s", [ANALYZER_KEY])
        cursor.execute(
            "INSERT INTO search_indexstate (key, value) VALUES (%s, %s)",
            [ANALYZER_KEY, str(ANALYZER_VERSION)],
        )


def indexed_analyzer_version(connection: BaseDatabaseWrapper) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM search_indexstate WHERE key = %s", [ANALYZER_KEY])
        row = cursor.fetchone()
    return int(row[0]) if row else None
