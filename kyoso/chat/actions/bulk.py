"""Bulk state changes in conversations: imports (demo scale-up, Slack import) and purges.

They trade the per-message checks of the other actions for speed: rows arrive already validated
(the importer still cleans each text), and are written in batches. Not for members' own requests.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    NOT_PROVIDED,
    Count,
    DateTimeField,
    Max,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.constants import OnConflict

from kyoso.chat import signals
from kyoso.chat.actions.messages import clean_text
from kyoso.chat.markdown import render_message
from kyoso.chat.models import (
    Channel,
    ChannelMembership,
    Mention,
    Message,
    MessageRevision,
    Reaction,
    SavedMessage,
    ThreadFollow,
)


@dataclass(frozen=True, slots=True)
class ImportedMessage:
    """One message of a bulk import; ``thread_index`` points at an earlier row of the same import."""

    channel_id: int
    author_id: int
    text: str
    created_at: datetime
    thread_index: int | None = None


def import_messages(rows: list[ImportedMessage], *, batch_size: int = 2000) -> list[int]:
    """Write many already-validated messages at once (demo scale-up, Slack import).

    Returns the new ids in row order. Thread parents must come before their replies.
    """
    importer = MessageImporter(batch_size=batch_size)
    ids = importer.add(rows)
    importer.finish()
    return ids


class MessageImporter:
    """Writes a long stream of messages batch by batch, with ids in stream order.

    Row i of the stream is the i-th row given to ``add`` over all its calls, so a reply's
    ``thread_index`` may point at a parent written many batches before; the caller never has to hold
    a million rows at once. Ids are reserved before each INSERT: a reply can then share an INSERT with
    its parent, and ids keep the stream's order, which keyset pagination and read state rely on.
    Call ``finish`` once at the end to bring reply counts and channel activity up to date.
    """

    def __init__(self, *, batch_size: int = 2000, html_cache_size: int = 50_000) -> None:
        self.batch_size = batch_size
        self.html_cache_size = html_cache_size
        # Compact per-row state (8 bytes a row): a million-message import stays small in memory.
        self.ids = array("q")
        self._root_of = array("q")  # stream index of the row's thread parent, or -1
        self._channel_of = array("q")
        # Rendering is the slowest step; chat repeats itself ("ありがとうございます！"), so cache by text.
        self._html: dict[str, str] = {}
        self._late_parents: set[int] = set()  # parents that got replies in a later batch than their own
        self._last_in_channel: dict[int, datetime] = {}

    def add(self, rows: Sequence[ImportedMessage]) -> list[int]:
        """Write ``rows`` (each batch in its own transaction) and return their ids in row order."""
        ids: list[int] = []
        for start in range(0, len(rows), self.batch_size):
            ids.extend(self._write(rows[start : start + self.batch_size]))
        return ids

    def finish(self) -> None:
        """Recount replies of parents written in an earlier batch, and move channels' last activity."""
        replies = Message.objects.filter(thread_root=OuterRef("pk")).order_by().values("thread_root")
        late = sorted(self._late_parents)
        with transaction.atomic():
            for start in range(0, len(late), self.batch_size):
                # Every reply of these parents came through this importer, so a recount is exact.
                Message.objects.filter(pk__in=late[start : start + self.batch_size]).update(
                    reply_count=Subquery(replies.annotate(n=Count("id")).values("n")),
                    last_reply_at=Subquery(replies.annotate(at=Max("created_at")).values("at")),
                )
            for channel_id, last in self._last_in_channel.items():
                Channel.objects.filter(pk=channel_id).filter(
                    Q(last_message_at__isnull=True) | Q(last_message_at__lt=last)
                ).update(last_message_at=last)
        self._late_parents.clear()
        self._last_in_channel.clear()

    def _render(self, text: str) -> str:
        html = self._html.get(text)
        if html is None:
            if len(self._html) >= self.html_cache_size:
                self._html.clear()
            html = self._html[text] = render_message(clean_text(text))
        return html

    def _parent_index(self, row: ImportedMessage, index: int, first: int, batch_roots: list[int]) -> int:
        """The stream index of the thread's first message, or -1; a reply to a reply joins its thread."""
        if row.thread_index is None:
            return -1
        target = row.thread_index
        if not 0 <= target < index:
            raise ValueError(f"import row {index}: thread_index {target} must point at an earlier row")
        root = batch_roots[target - first] if target >= first else self._root_of[target]
        return target if root < 0 else root

    def _attach(
        self, reply: list[Any], root: int, first: int, batch: list[list[Any]], late: set[int]
    ) -> None:
        """Point ``reply`` at its parent and count it there (or later, if the parent is already saved)."""
        if root >= first:
            parent = batch[root - first]
            parent_id, parent_channel = parent[_ID], parent[_CHANNEL]
            parent[_REPLY_COUNT] += 1
            parent[_LAST_REPLY_AT] = max(parent[_LAST_REPLY_AT] or reply[_CREATED_AT], reply[_CREATED_AT])
        else:
            parent_id, parent_channel = self.ids[root], self._channel_of[root]
            late.add(parent_id)
        if parent_channel != reply[_CHANNEL]:
            raise ValueError(f"import row {first + len(batch)}: a reply must be in its thread's channel")
        reply[_THREAD_ROOT] = parent_id

    def _write(self, rows: Sequence[ImportedMessage]) -> list[int]:
        first = len(self.ids)
        batch_roots: list[int] = []
        batch: list[list[Any]] = []
        late: set[int] = set()
        with transaction.atomic():
            ids = _reserve_message_ids(len(rows))
            for offset, row in enumerate(rows):
                root = self._parent_index(row, first + offset, first, batch_roots)
                # In _MESSAGE_COLUMNS order.
                values: list[Any] = [
                    ids[offset], row.channel_id, row.author_id, None, row.text, self._render(row.text),
                    row.created_at, 0, None,
                ]  # fmt: skip
                if root >= 0:
                    self._attach(values, root, first, batch, late)
                batch_roots.append(root)
                batch.append(values)
            _message_inserter().write(batch)
            # Findable as soon as the batch commits.
            signals.messages_imported.send(
                sender=Message,
                rows=[
                    (i, r.channel_id, r.author_id, r.created_at, r.text)
                    for i, r in zip(ids, rows, strict=True)
                ],
            )
        # Only a committed batch becomes part of the stream; a failed one leaves no trace here either.
        self.ids.extend(ids)
        self._root_of.extend(batch_roots)
        self._channel_of.extend(row.channel_id for row in rows)
        self._late_parents |= late
        for row in rows:
            current = self._last_in_channel.get(row.channel_id)
            if current is None or row.created_at > current:
                self._last_in_channel[row.channel_id] = row.created_at
        return ids


# The columns an import gives for each message, and where each sits in a row.
_MESSAGE_COLUMNS = ("id", "channel_id", "author_id", "thread_root_id", "text", "html", "created_at",
                    "reply_count", "last_reply_at")  # fmt: skip
_ID, _CHANNEL, _THREAD_ROOT, _CREATED_AT, _REPLY_COUNT, _LAST_REPLY_AT = 0, 1, 3, 6, 7, 8


class _RowInserter:
    """INSERTs plain rows of one model, many at a time, without ``bulk_create``'s per-value work.

    ``bulk_create`` sends every value of every row through its field's full save path; for a million
    imported messages that costs more than the database's own work. Imported values are already
    plain ints, strings and datetimes, so only datetimes need the backend's adaptation. A field the
    caller does not give gets its model default, so a field added to the model later still works.
    SQLite takes the rows through ``executemany``; PostgreSQL through COPY, about ten times faster
    than INSERT there (rows that may conflict go through a temporary table).
    """

    def __init__(self, model: type[Model], given: Sequence[str], *, ignore_conflicts: bool = False) -> None:
        opts = model._meta
        by_attname = {f.attname: f for f in opts.concrete_fields}
        rest = [
            f
            for f in opts.concrete_fields
            if f.attname not in given
            and not f.primary_key  # the database numbers rows whose id is not given
            and f.db_default is NOT_PROVIDED
        ]
        fields = [*(by_attname[name] for name in given), *rest]
        # (callable default or None, constant default): a callable one is called for every row.
        self.defaults = [
            (f.default if f.has_default() and callable(f.default) else None, f.get_default()) for f in rest
        ]
        self.datetimes = [i for i, f in enumerate(fields) if isinstance(f, DateTimeField)]
        self.ignore_conflicts = ignore_conflicts
        ops = connection.ops
        self.table = ops.quote_name(opts.db_table)
        self.columns = ", ".join(ops.quote_name(f.column) for f in fields)
        on_conflict = OnConflict.IGNORE if ignore_conflicts else None
        self.insert = "{} {} ({}) VALUES ({}) {}".format(
            ops.insert_statement(on_conflict=on_conflict),
            self.table,
            self.columns,
            ", ".join(["%s"] * len(fields)),
            ops.on_conflict_suffix_sql(fields, on_conflict, None, None),
        ).strip()

    def write(self, rows: Iterable[Sequence[Any]]) -> int:
        adapt = connection.ops.adapt_datetimefield_value
        prepared = []
        for row in rows:
            values = list(row)
            values.extend(make() if make else value for make, value in self.defaults)
            for i in self.datetimes:
                values[i] = adapt(values[i])
            prepared.append(values)
        if not prepared:
            return 0
        if connection.vendor == "postgresql":
            self._copy(prepared)
        else:
            with connection.cursor() as cursor:
                cursor.executemany(self.insert, prepared)
        return len(prepared)

    def _copy(self, rows: list[list[Any]]) -> None:
        # The table and column names in these statements are the model's own, never input.
        staging = "kyoso_import_rows"
        with transaction.atomic(), connection.cursor() as cursor:
            if not self.ignore_conflicts:
                with cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            # COPY cannot skip conflicting rows: stage them, then INSERT … ON CONFLICT DO NOTHING.
            create = f"CREATE TEMPORARY TABLE {staging} AS SELECT {self.columns} FROM {self.table} LIMIT 0"  # noqa: S608
            cursor.execute(create)
            with cursor.copy(f"COPY {staging} ({self.columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            move = f"INSERT INTO {self.table} ({self.columns}) SELECT {self.columns} FROM {staging}"  # noqa: S608
            cursor.execute(f"{move} ON CONFLICT DO NOTHING")
            cursor.execute(f"DROP TABLE {staging}")


def _message_inserter() -> _RowInserter:
    # Built per call: the database connection (and so its SQL dialect) may change between tests.
    return _RowInserter(Message, _MESSAGE_COLUMNS)


def _reserve_message_ids(count: int) -> list[int]:
    """Take ``count`` fresh message ids in increasing order, inside the transaction that uses them."""
    if count == 0:
        return []
    table = Message._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return sorted(row[0] for row in cursor.fetchall())
        # SQLite: BEGIN IMMEDIATE (settings) holds the write lock for the whole transaction, so no one
        # else can take these ids meanwhile. AUTOINCREMENT never reuses an id, hence sqlite_sequence.
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"SELECT MAX(id) FROM {quoted}")  # noqa: S608 - the model's own table name
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        sequence = cursor.fetchone()
        start = max(highest, sequence[0] if sequence else 0) + 1
    return list(range(start, start + count))


def import_reactions(rows: Iterable[tuple[int, int, int, datetime]], *, batch_size: int = 5000) -> int:
    """Bulk-add (message_id, member_id, stamp_id, created_at) reactions; duplicates are ignored."""
    inserter = _RowInserter(
        Reaction, ("message_id", "member_id", "stamp_id", "created_at"), ignore_conflicts=True
    )
    total = 0
    iterator = iter(rows)
    # Streamed in batches, so a caller can pass a generator of millions of rows.
    while chunk := list(islice(iterator, batch_size)):
        with transaction.atomic():
            total += inserter.write(chunk)
    return total


def import_memberships(rows: Iterable[tuple[int, int, datetime]], *, batch_size: int = 5000) -> int:
    """Bulk-join (channel_id, member_id, joined_at), each with its own date; existing ones are kept."""
    total = 0
    iterator = iter(rows)
    while chunk := list(islice(iterator, batch_size)):
        objs = [ChannelMembership(channel_id=c, member_id=m, joined_at=t) for c, m, t in chunk]
        total += len(
            ChannelMembership.objects.bulk_create(objs, batch_size=batch_size, ignore_conflicts=True)
        )
    return total


def import_read_positions(rows: Iterable[tuple[int, int, int]], *, batch_size: int = 1000) -> int:
    """Set imported read state: (channel_id, member_id, last_read_message_id) for existing memberships.

    An import writes history that its members have mostly read already; without this every channel
    would show its whole history as unread.
    """
    wanted = {(c, m): last for c, m, last in rows}
    if not wanted:
        return 0
    channel_ids = {c for c, _m in wanted}
    objs = []
    memberships = ChannelMembership.objects.filter(channel_id__in=channel_ids).values_list(
        "pk", "channel_id", "member_id"
    )
    for pk, channel_id, member_id in memberships.iterator(chunk_size=10_000):
        last = wanted.get((channel_id, member_id))
        if last is not None:
            objs.append(ChannelMembership(pk=pk, last_read_message_id=last))
    with transaction.atomic():
        ChannelMembership.objects.bulk_update(objs, ["last_read_message_id"], batch_size=batch_size)
    return len(objs)


def purge_messages(messages: QuerySet[Message]) -> int:
    """Hard-delete messages, their replies and stamps (demo reset, a failed import); not for members.

    Members delete their own messages softly (``deleted_at``); this removes rows for good. Django's
    cascade would load every row into memory first, which a million-message demo cannot afford, so
    the stamps, the replies and then the messages go in three DELETE statements.
    """
    doomed = Message.objects.filter(
        Q(pk__in=messages.values("pk")) | Q(thread_root__in=messages.values("pk"))
    )
    doomed_ids = doomed.values("pk")
    with transaction.atomic():
        signals.messages_purging.send(sender=Message, messages=doomed)
        Reaction.objects.filter(message__in=doomed_ids).delete()
        # What members made of these messages (mentions, edits, あとで読む, follows) goes with them.
        Mention.objects.filter(message__in=doomed_ids).delete()
        MessageRevision.objects.filter(message__in=doomed_ids).delete()
        SavedMessage.objects.filter(message__in=doomed_ids).delete()
        ThreadFollow.objects.filter(thread_root__in=doomed_ids).delete()
        # Replies first: a parent must not go while a reply still points at it.
        replies = Message.objects.filter(pk__in=doomed_ids, thread_root__isnull=False)
        count = replies._raw_delete(replies.db)
        remaining = Message.objects.filter(pk__in=messages.values("pk"))
        count += remaining._raw_delete(remaining.db)
    return count


def purge_channels(channels: QuerySet[Channel]) -> int:
    """Hard-delete channels with all their messages, stamps and memberships (demo reset)."""
    with transaction.atomic():
        purge_messages(Message.objects.filter(channel__in=channels.values("pk")))
        ChannelMembership.objects.filter(channel__in=channels.values("pk")).delete()
        _total, by_model = Channel.objects.filter(pk__in=channels.values("pk")).delete()
    return by_model.get(Channel._meta.label, 0)
