"""``kyoso worker``: run the daily membership jobs at start and then every few minutes.

Each pass runs whatever is due (see kyoso.accounts.actions.lifecycle.run_daily_jobs). The jobs are
idempotent and claim each member with a conditional update, so several workers, or a worker and a
cron job, never send an e-mail twice. ``--once`` runs one pass and exits (for cron or a test).
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from kyoso.accounts.actions import lifecycle
from kyoso.accounts.management.commands._clock import add_clock_arguments, parse_now, write_outcomes

logger = logging.getLogger("kyoso.worker")

DEFAULT_INTERVAL_MINUTES = 15


class Command(BaseCommand):
    help = "Run the scheduled membership jobs (reconfirmation, inactivity, ambassador terms) in a loop."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run one pass and exit.")
        parser.add_argument(
            "--interval",
            type=float,
            default=DEFAULT_INTERVAL_MINUTES,
            help=f"Minutes between passes (default {DEFAULT_INTERVAL_MINUTES}).",
        )
        add_clock_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        if not options["once"]:
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: stop.set())
        while True:
            self.run_pass(options)
            if options["once"] or stop.wait(options["interval"] * 60):
                break
            # Between passes, like between requests: drop a connection that is too old or broken.
            close_old_connections()
        self.stdout.write("worker: stopped")

    def run_pass(self, options: dict[str, Any]) -> None:
        now = parse_now(options["now"])
        try:
            jobs = lifecycle.run_daily_jobs(now=now, dry_run=options["dry_run"])
        except Exception:
            if options["once"]:
                raise
            # A failed pass (the database restarting, say) is retried at the next one.
            logger.exception("worker: a pass of the daily jobs failed")
            return
        for job, outcomes in jobs.items():
            write_outcomes(self.stdout, job, outcomes, dry_run=options["dry_run"])
