"""``kyoso search reindex`` rebuilds the message index while the site keeps running; ``status`` checks it.

The rebuild reads messages batch by batch, each in its own short transaction, so members keep
posting and searching meanwhile (see kyoso.search.backends for how each database swaps or updates
in place). The progress bar goes to stderr.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser, OutputWrapper
from django.db import connection

from kyoso.chat.models import Message
from kyoso.search.actions import BATCH_SIZE, reindex
from kyoso.search.analyzer import ANALYZER_VERSION
from kyoso.search.backends import backend_for
from kyoso.search.schema import indexed_analyzer_version

BAR_WIDTH = 30


class ProgressBar:
    """``[#########.........]  45,000/100,000  45%  12.3s`` on one line of stderr, redrawn in place."""

    def __init__(self, stream: OutputWrapper) -> None:
        self.stream = stream
        self.started = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        share = done / total if total else 1.0
        filled = int(share * BAR_WIDTH)
        elapsed = time.perf_counter() - self.started
        line = (
            f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done:,}/{total:,} {share:4.0%} {elapsed:6.1f}s"
        )
        self.stream.write(line, ending="")
        self.stream.flush()

    def finish(self) -> None:
        self.stream.write("")


class Command(BaseCommand):
    help = "検索索引を作り直します（サイトは止まりません）。 / Rebuild the search index without downtime."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="{reindex,status}")
        actions.required = True
        rebuild = actions.add_parser("reindex", help="Rebuild the message index from the messages.")
        rebuild.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="Messages per transaction.")
        actions.add_parser("status", help="Say whether the index is current.")

    def handle(self, *args: object, **options: Any) -> None:
        if options["action"] == "status":
            self._status()
            return
        bar = ProgressBar(self.stderr)
        started = time.perf_counter()
        count = reindex(batch_size=max(1, options["batch_size"]), progress=bar)
        bar.finish()
        self.stdout.write(
            self.style.SUCCESS(
                f"検索索引を作り直しました（{count:,}件）。 / Reindexed {count:,} messages "
                f"in {time.perf_counter() - started:.1f} s."
            )
        )

    def _status(self) -> None:
        version = indexed_analyzer_version(connection)
        messages = Message.objects.filter(deleted_at__isnull=True).count()
        size = backend_for().index_bytes()
        self.stdout.write(f"backend: {connection.vendor}  messages: {messages:,}  index: {size:,} bytes")
        if version != ANALYZER_VERSION:
            self.stdout.write(
                self.style.WARNING(
                    f"索引は解析器 v{version} で作られています（現在 v{ANALYZER_VERSION}）。"
                    "`kyoso search reindex` を実行してください。 / The index was built by analyzer "
                    f"v{version}; this kyoso uses v{ANALYZER_VERSION}: run `kyoso search reindex`."
                )
            )
        else:
            self.stdout.write(f"analyzer: v{version} (current)")
