"""``kyoso bench {history,fanout,search,load} ... [--json]``: run one benchmark and print its figures.

The figures always go to stdout as one JSON object (``--json`` is accepted for clarity in scripts);
progress goes to stderr. A benchmark that also checks correctness (``load``) puts a ``failure`` in its
figures when the check fails: the figures are printed all the same, and the command then exits non-zero.
"""

from __future__ import annotations

import importlib
import json
import sys
from types import ModuleType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kyoso.bench import BENCHMARKS

# ``load`` (many members over HTTP and WebSocket, kyoso.bench.load) beside the package's own list.
NAMES = (*BENCHMARKS, "load")


def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"kyoso.bench.{name}")
    except ModuleNotFoundError as error:
        if error.name == f"kyoso.bench.{name}":
            return None
        raise


class Command(BaseCommand):
    help = "Benchmarks that print JSON, each measured beside its baseline in the same run."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="benchmark", metavar="{" + ",".join(NAMES) + "}")
        subcommands.required = True
        for name in NAMES:
            module = _module(name)
            if module is None:
                continue
            sub = subcommands.add_parser(name, help=(module.__doc__ or name).strip().splitlines()[0])
            sub.add_argument("--json", action="store_true", help="Print the figures as JSON (always on).")
            module.add_arguments(sub)

    def handle(self, *args: Any, **options: Any) -> None:
        module = _module(options["benchmark"])
        if module is None:
            raise CommandError(f"unknown benchmark: {options['benchmark']}")

        def progress(line: str) -> None:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()

        figures = module.run(options, progress)
        self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=2))
        if figures.get("failure"):
            raise CommandError(figures["failure"])
