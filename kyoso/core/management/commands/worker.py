"""``kyoso worker``: run queued background tasks (mail…) and the periodic jobs apps register.

Tasks come from the database queue (django-tasks-db); periodic jobs (kyoso.core.schedule) run at
start and then when due: the daily membership jobs every ``--interval`` minutes, the mail sweep and
the recovery of a killed worker's tasks more often. Several workers may run at once. ``--once`` runs
every job and every ready task, then exits (for cron or a test). SIGINT or SIGTERM finishes the task
at hand and stops; a worker killed outright is recovered by the others or by its next start.
"""

from __future__ import annotations

import signal
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kyoso.core.clock import add_clock_arguments, parse_now
from kyoso.core.worker import KyosoWorker

DEFAULT_INTERVAL_MINUTES = 15


class Command(BaseCommand):
    help = "Run background tasks (e-mail) and the scheduled jobs (reconfirmation, inactivity…)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Run every job and ready task once, then exit."
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=DEFAULT_INTERVAL_MINUTES,
            help=f"Minutes between passes of the daily jobs (default {DEFAULT_INTERVAL_MINUTES}).",
        )
        parser.add_argument(
            "--parent", type=int, default=None, help="Stop when this process (the server) is gone."
        )
        add_clock_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        worker = KyosoWorker(
            out=self.stdout,
            interval=timedelta(minutes=options["interval"]),
            now=parse_now(options["now"]) if options["now"] else None,
            dry_run=options["dry_run"],
            parent=options["parent"],
        )
        if not options["once"]:
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, worker.stop)
        worker.run(once=options["once"])
        self.stdout.write("worker: stopped")
