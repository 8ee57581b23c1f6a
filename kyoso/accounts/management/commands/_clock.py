"""Shared by ``kyoso accounts`` and ``kyoso worker``: the --now option and printing outcomes."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import CommandError, CommandParser, OutputWrapper
from django.utils import timezone

from kyoso.accounts.actions.lifecycle import Outcome


def add_clock_arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--now",
        help="Act as if it were this moment, e.g. 2027-04-01T09:00+09:00 (default: now). "
        "Without an offset, the site's time zone (KYOSO_TIME_ZONE) applies.",
    )
    parser.add_argument("--dry-run", action="store_true", help="Print what would happen; change nothing.")


def parse_now(value: str | None) -> datetime:
    if not value:
        return timezone.now()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--now {value!r} is not an ISO date and time, e.g. 2027-04-01T09:00+09:00"
        ) from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def write_outcomes(stdout: OutputWrapper, job: str, outcomes: list[Outcome], *, dry_run: bool) -> None:
    prefix = "would " if dry_run else ""
    for outcome in outcomes:
        stdout.write(f"{job}\t{prefix}{outcome}")
    stdout.write(f"{job}: {len(outcomes)} member(s){' (dry run: nothing changed)' if dry_run else ''}")
