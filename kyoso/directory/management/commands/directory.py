"""``kyoso directory``: load the national list, count it, and look organisations up from the console.

kyoso directory load [--file PATH] [--json]
kyoso directory stats [--json]
kyoso directory find QUERY [--limit N] [--json]
kyoso directory domain EMAIL_OR_DOMAIN [--json]
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kyoso.database import migrate_if_needed
from kyoso.directory.actions import load_directory
from kyoso.directory.errors import DirectoryError
from kyoso.directory.models import Organization
from kyoso.directory.queries import (
    DEFAULT_SEARCH_LIMIT,
    directory_stats,
    organization_for_email_domain,
    organizations_for_email_domain,
    search_organizations,
)


def _describe(organization: Organization) -> dict[str, Any]:
    return {
        "code": organization.code,
        "name": organization.full_name,
        "kana": organization.kana,
        "kind": organization.kind,
        "population": organization.population,
    }


class Command(BaseCommand):
    help = "The directory of organisations (団体名簿): load, stats, find, domain."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(
            dest="subcommand", metavar="{load,stats,find,domain}", required=True
        )
        load = subcommands.add_parser("load", help="Load or refresh the directory from its data file.")
        load.add_argument(
            "--file", type=Path, help="A data file in kyoso's format (default: the shipped one)."
        )
        load.add_argument("--json", action="store_true", help="Print the counts as JSON.")
        stats = subcommands.add_parser("stats", help="Count active organisations by kind.")
        stats.add_argument("--json", action="store_true", help="Print the counts as JSON.")
        find = subcommands.add_parser("find", help="Type-ahead search by name, reading or code.")
        find.add_argument("query")
        find.add_argument("--limit", type=int, default=DEFAULT_SEARCH_LIMIT)
        find.add_argument("--json", action="store_true", help="Print the matches as JSON.")
        domain = subcommands.add_parser(
            "domain", help="Which organisation an e-mail address or domain belongs to."
        )
        domain.add_argument("email_or_domain")
        domain.add_argument("--json", action="store_true", help="Print the matches as JSON.")

    def handle(self, *args: object, **options: Any) -> None:
        handler = getattr(self, f"_{options['subcommand']}")
        migrate_if_needed(self.stderr if options.get("json") else self.stdout)
        try:
            handler(options)
        except DirectoryError as error:
            raise CommandError(str(error)) from None

    def _load(self, options: dict[str, Any]) -> None:
        path: Path | None = options["file"]
        if path is not None and not path.is_file():
            raise CommandError(f"No such data file: {path}")
        started = time.perf_counter()
        result = load_directory(path)
        seconds = time.perf_counter() - started
        if options["json"]:
            self.stdout.write(json.dumps({**result.as_dict(), "seconds": round(seconds, 3)}))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Directory loaded in {seconds:.2f} s: created {result.created}, updated {result.updated}, "
                f"unchanged {result.unchanged}, deactivated {result.deactivated}."
            )
        )

    def _stats(self, options: dict[str, Any]) -> None:
        stats = directory_stats()
        if options["json"]:
            self.stdout.write(json.dumps(stats))
            return
        width = max(len(kind) for kind in stats)
        for kind, count in stats.items():
            self.stdout.write(f"{kind:<{width}}  {count:>5}")
        self.stdout.write(f"{'total':<{width}}  {sum(stats.values()):>5}")

    def _find(self, options: dict[str, Any]) -> None:
        if options["limit"] <= 0:
            raise CommandError("--limit must be a positive number.")
        found = search_organizations(options["query"], limit=options["limit"])
        if options["json"]:
            self.stdout.write(json.dumps([_describe(o) for o in found], ensure_ascii=False))
            return
        if not found:
            raise CommandError(f"No organisation matches {options['query']!r}.")
        for organization in found:
            self.stdout.write(
                f"{organization.code}  {organization.full_name}（{organization.kana}）  {organization.kind}"
            )

    def _domain(self, options: dict[str, Any]) -> None:
        candidates = organizations_for_email_domain(options["email_or_domain"])
        chosen = organization_for_email_domain(options["email_or_domain"])
        if options["json"]:
            payload = {
                "organization": _describe(chosen) if chosen else None,
                "candidates": [_describe(o) for o in candidates],
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        if not candidates:
            raise CommandError(f"No organisation owns the domain of {options['email_or_domain']!r}.")
        for organization in candidates:
            marker = "*" if chosen is not None and organization.pk == chosen.pk else " "
            self.stdout.write(f"{marker} {organization.code}  {organization.full_name}  {organization.kind}")
