"""``--now`` and ``--dry-run`` for commands that act on time: ``kyoso worker``, ``kyoso accounts``."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone


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
