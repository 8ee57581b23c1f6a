"""Keeping the message index current, from chat's signals, inside the transaction of each change.

A message is in the index while it is not deleted; its entry is made from its text (see
kyoso.search.analyzer). SQLite's contentless index forgets an entry only when handed the text it
was made from, so an edit passes the text it replaces, and a deletion runs before the text goes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

from kyoso.chat.models import Message
from kyoso.search.backends import Indexed, backend_for, chunks
from kyoso.search.schema import record_analyzer_version

# Messages read and written per transaction by a rebuild or a bulk removal.
BATCH_SIZE = 5000
_deferred: ContextVar[bool] = ContextVar("kyoso_search_deferred", default=False)


@contextmanager
def deferred_indexing() -> Iterator[None]:
    """Bulk imports inside skip the index; the caller must run ``reindex()`` afterwards.

    A million-message load is faster indexed once at the end than batch by batch. Only
    ``index_imported`` honours this: a member's post, edit or deletion is always indexed at once.
    """
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def indexed(message: Message) -> Indexed:
    return Indexed(message.pk, message.channel_id, message.author_id, message.created_at, message.text)


def index_message(message: Message) -> None:
    """A new message becomes findable (within the caller's transaction)."""
    if message.deleted_at is None:
        backend_for().add([indexed(message)])


def reindex_message(message: Message, *, previous_text: str) -> None:
    """An edited message is found by its new text only."""
    backend = backend_for()
    backend.remove([(message.pk, previous_text)])
    if message.deleted_at is None:
        backend.add([indexed(message)])


def remove_message(message: Message) -> None:
    """A message about to be deleted: call while ``message.text`` still holds what was indexed."""
    backend_for().remove([(message.pk, message.text)])


def index_imported(rows: Sequence[Indexed]) -> None:
    """Messages written by a bulk import, in the import's own transaction."""
    if not _deferred.get():
        backend_for().add(rows)


def forget_messages(messages: QuerySet[Message]) -> None:
    """Take messages out of the index before they are hard-deleted (demo reset, a failed import)."""
    indexed = messages.filter(deleted_at__isnull=True)
    backend = backend_for()
    if not Message.objects.filter(deleted_at__isnull=True).exclude(pk__in=indexed.values("pk")).exists():
        backend.clear()  # everything goes: no need to read a million texts first
        return
    rows = indexed.order_by().values_list("pk", "text").iterator(chunk_size=BATCH_SIZE)
    for batch in chunks(rows, BATCH_SIZE):
        backend.remove(batch)


# Receivers of kyoso.chat.signals, connected in SearchConfig.ready. They look the functions above up
# at call time, so a benchmark can time one by patching it here.


def on_message_posted(sender: object, *, message: Message, **kwargs: object) -> None:
    index_message(message)


def on_message_edited(sender: object, *, message: Message, previous_text: str, **kwargs: object) -> None:
    reindex_message(message, previous_text=previous_text)


def on_message_deleting(sender: object, *, message: Message, **kwargs: object) -> None:
    remove_message(message)


def on_messages_imported(sender: object, *, rows: Sequence[tuple[Any, ...]], **kwargs: object) -> None:
    index_imported([Indexed(*row) for row in rows])


def on_messages_purging(sender: object, *, messages: QuerySet[Message], **kwargs: object) -> None:
    forget_messages(messages)


def connect_to_chat() -> None:
    from kyoso.chat import signals

    uid = "kyoso.search.index"
    signals.message_posted.connect(on_message_posted, dispatch_uid=uid)
    signals.message_edited.connect(on_message_edited, dispatch_uid=uid)
    signals.message_deleting.connect(on_message_deleting, dispatch_uid=uid)
    signals.messages_imported.connect(on_messages_imported, dispatch_uid=uid)
    signals.messages_purging.connect(on_messages_purging, dispatch_uid=uid)


def reindex(*, batch_size: int = BATCH_SIZE, progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the whole index from the messages while searches keep working; returns how many."""
    count = backend_for().rebuild(batch_size=batch_size, progress=progress)
    with transaction.atomic():
        record_analyzer_version(connection)
    return count
