"""Index backends: SQLite FTS5 for the embedded mode, a gram table with GIN on PostgreSQL.

Both answer the same two questions for a TextPlan and a filter (``Where``: SQL on chat_message):
the newest matching message ids before a keyset cursor, and how many match (up to a cap). Both keep
the index in tables Django does not manage (created by this app's migration).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper

from kyoso.search.matching import TextPlan, matches_spec

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Indexed:
    """What the index keeps of a message (PostgreSQL stores the columns filters use beside its grams)."""

    id: int
    channel_id: int
    author_id: int
    created_at: datetime
    text: str


@dataclass(frozen=True)
class Where:
    """A condition on the backend's table of messages (``Backend.table``: chat_message on SQLite,
    search_document on PostgreSQL), by the table's own name, with its parameters. ``selective``
    when the member narrowed the search (in:, from:, pref: …) rather than only the permission
    filter, which lets nearly everything through."""

    sql: str = ""
    params: tuple[Any, ...] = ()
    selective: bool = False

    def clause(self) -> str:
        return f" AND ({self.sql})" if self.sql else ""


class Backend(Protocol):
    vendor: str
    table: str  # what a Where condition names

    def add(self, rows: Sequence[Indexed]) -> None: ...

    def remove(self, rows: Sequence[tuple[int, str]]) -> None: ...

    def clear(self) -> None: ...

    def newest(self, plan: TextPlan, where: Where, *, before: int | None, limit: int) -> list[int]: ...

    def count(self, plan: TextPlan, where: Where, *, cap: int | None) -> int: ...

    def rebuild(self, *, batch_size: int, progress: Progress | None) -> int: ...

    def index_bytes(self) -> int: ...


def backend_for(connection: BaseDatabaseWrapper | None = None) -> Backend:
    connection = connection or default_connection
    if connection.vendor == "postgresql":
        from kyoso.search.backends.postgresql import PostgresBackend

        return PostgresBackend(connection)
    from kyoso.search.backends.sqlite import SqliteBackend

    return SqliteBackend(connection)


def register_sqlite_functions(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("kyoso_match", 2, matches_spec, deterministic=True)


def clear_orphaned_index(**kwargs: Any) -> None:
    """After a flush (tests) or on an empty database: no message, so no index entry may remain."""
    using = kwargs.get("using", "default")
    from django.db import connections

    connection = connections[using]
    tables = connection.introspection.table_names()
    if "chat_message" not in tables or "search_indexstate" not in tables:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM chat_message LIMIT 1")
        if cursor.fetchone() is not None:
            return
    backend = backend_for(connection)
    backend.clear()


def chunks(rows: Iterable[Any], size: int) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
