"""検索 (search): the message index's bookkeeping.

The index itself lives in tables Django does not manage, because each database has its own kind:
SQLite FTS5 virtual tables (search_message_bigrams, search_message_characters) and, on PostgreSQL,
search_document with a GIN index (see kyoso.search.backends). This model records what the index
was built with and whether a rebuild is running.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IndexState(models.Model):
    """One fact about the index, e.g. ``analyzer_version`` or ``rebuild_upto`` (the rebuild's progress)."""

    key = models.CharField(max_length=40, primary_key=True)
    value = models.CharField(max_length=200)

    class Meta:
        verbose_name = _("検索索引の状態")
        verbose_name_plural = _("検索索引の状態")

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class SearchDocument(models.Model):
    """PostgreSQL's search_document, as far as filters need it: the search app creates the table.

    Filters are written once as conditions on these columns, which chat_message shares (channel,
    author, time, id), so the same condition applies on SQLite to chat_message and on PostgreSQL to
    search_document without a join.
    """

    message_id = models.BigIntegerField(primary_key=True)
    channel_id = models.BigIntegerField()
    author_id = models.BigIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "search_document"

    def __str__(self) -> str:
        return str(self.message_id)
