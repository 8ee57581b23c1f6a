"""Running a benchmark in a child process whose database is a scratch SQLite file.

A benchmark that builds a million-message community must never write into the developer's database.
Re-pointing the live connection is fragile (every action and query reaches the database through
``django.db.connection``, and the developer's may be PostgreSQL), so the benchmark runs again in a
fresh ``kyoso`` process whose ``KYOSO_DATABASE_URL`` names the scratch file. That process is set up
like an embedded kyoso server in production: SQLite in WAL mode, DEBUG off (no query log), the cache
in process, and a var/ folder of its own. The developer's database is never opened.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import connection

from kyoso.config import BASE_DIR

# The child is told where its scratch database is; a person never passes this.
SCRATCH_OPTION = "--scratch-database"
SCRATCH_FILE_NAME = "bench.sqlite3"


def add_scratch_argument(parser: CommandParser) -> None:
    parser.add_argument(SCRATCH_OPTION, dest="scratch_database", help=argparse.SUPPRESS)


def run_in_scratch_database(
    benchmark: str,
    argv: list[str],
    *,
    database: str | None,
    keep: bool,
    progress: Callable[[str], None],
) -> tuple[dict[str, Any], Path | None]:
    """Run ``kyoso bench <benchmark> <argv>`` on a scratch SQLite file; return its figures.

    ``database`` names a file to build into (or reuse) and keep; without it a temporary file is made
    and removed afterwards unless ``keep``. Also returns the file's path when it is kept.
    """
    temporary = None
    if database:
        path = Path(database).expanduser().resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        temporary = Path(tempfile.mkdtemp(prefix=f"kyoso-bench-{benchmark}-"))
        path = temporary / SCRATCH_FILE_NAME
    # The child gets a var/ of its own as well: the events its actions publish must not reach the
    # real-time sockets (var/realtime/) of a kyoso server the developer is running.
    var = Path(tempfile.mkdtemp(prefix=f"kyoso-bench-{benchmark}-var-"))
    (var / "static").mkdir()  # STATIC_ROOT: its absence makes WhiteNoise warn with DEBUG off
    env = {
        **os.environ,
        "KYOSO_DATABASE_URL": f"sqlite:///{path.as_posix()}",
        "KYOSO_VAR_DIR": str(var),
        "KYOSO_DEBUG": "false",
        # Embedded mode: an empty value also overrides a .env file (real variables win there).
        "KYOSO_REDIS_URL": "",
    }
    command = [sys.executable, "-m", "kyoso", "bench", benchmark, SCRATCH_OPTION, str(path), *argv]
    try:
        # stderr (progress) goes straight through; stdout is the child's JSON.
        result = subprocess.run(command, env=env, cwd=BASE_DIR, stdout=subprocess.PIPE, check=False)
        if result.returncode != 0:
            raise CommandError(
                f"the {benchmark} benchmark failed (exit status {result.returncode}); see above."
            )
        try:
            figures = json.loads(result.stdout)
        except ValueError:
            raise CommandError(
                f"the {benchmark} benchmark printed something other than JSON:\n{result.stdout[:2000]!r}"
            ) from None
    finally:
        shutil.rmtree(var, ignore_errors=True)
        if temporary is not None and not keep:
            shutil.rmtree(temporary, ignore_errors=True)
    kept = path if database or keep else None
    if kept is not None:
        progress(f"database kept at {kept}")
    return figures, kept


def check_scratch_database(expected: str) -> None:
    """Refuse to go on unless this process's database is the scratch file it was started for."""
    name = connection.settings_dict.get("NAME")
    if connection.vendor != "sqlite" or not name or Path(name).resolve() != Path(expected).resolve():
        raise CommandError(
            f"refusing to build a benchmark community in {connection.vendor} database {name!r}: "
            f"expected the scratch file {expected}."
        )
