"""``kyoso accounts``: the yearly reconfirmation and inactivity jobs, by hand or from cron.

kyoso accounts reconfirm [--force] [--now ISO] [--dry-run]
    On the configured day (KYOSO_RECONFIRM_DATE, default 04-01) or with --force, ask every active
    member to reconfirm their address; then suspend those asked more than the grace period ago.
kyoso accounts inactivity [--now ISO] [--dry-run]
    Warn members not seen for KYOSO_INACTIVE_MONTHS months; deactivate those warned long enough ago.
kyoso accounts ambassadors [--now ISO] [--dry-run]
    Ambassadors whose term has ended go back to member.

Every job is idempotent: running it twice, or from several machines, sends nothing twice.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kyoso.accounts.actions import lifecycle
from kyoso.accounts.management.commands._clock import add_clock_arguments, parse_now, write_outcomes


class Command(BaseCommand):
    help = "Membership jobs: reconfirm, inactivity, ambassadors (cron-friendly, idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(
            dest="subcommand", metavar="{reconfirm,inactivity,ambassadors}", required=True
        )
        reconfirm = subcommands.add_parser(
            "reconfirm",
            help="Start the yearly round when due (or --force); suspend members past the grace period.",
        )
        reconfirm.add_argument(
            "--force", action="store_true", help="Start the round even if today is not the day."
        )
        add_clock_arguments(reconfirm)
        add_clock_arguments(
            subcommands.add_parser("inactivity", help="Warn, then deactivate, inactive members.")
        )
        add_clock_arguments(
            subcommands.add_parser("ambassadors", help="End the terms of ambassadors that are over.")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = parse_now(options["now"])
        dry_run = options["dry_run"]
        jobs: dict[str, list[lifecycle.Outcome]]
        if options["subcommand"] == "reconfirm":
            jobs = {
                "suspend": lifecycle.suspend_unconfirmed_members(now=now, dry_run=dry_run),
                "reconfirm": lifecycle.start_reconfirmation_round(
                    now=now, force=options["force"], dry_run=dry_run
                ),
            }
            if not (options["force"] or lifecycle.reconfirmation_due(now)):
                self.stdout.write(f"reconfirm: not the day of the yearly round ({now.isoformat()})")
        elif options["subcommand"] == "inactivity":
            jobs = {
                "deactivate": lifecycle.deactivate_inactive_members(now=now, dry_run=dry_run),
                "warn": lifecycle.warn_inactive_members(now=now, dry_run=dry_run),
            }
        else:
            jobs = {"ambassadors": lifecycle.expire_ambassador_terms(now=now, dry_run=dry_run)}
        for job, outcomes in jobs.items():
            write_outcomes(self.stdout, job, outcomes, dry_run=dry_run)
