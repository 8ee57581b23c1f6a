#!/usr/bin/env python3
"""kyoso's bootstrap: the same two commands on Windows, macOS and Linux.

    python3 dev.py start   install into .venv, prepare the database, load the directory and
                           the demo community, then serve on http://127.0.0.1:8000/ with a
                           `kyoso worker` beside the server (mail, scheduled jobs); --port N and
                           --host H serve elsewhere, and the printed URLs and mail links follow
    python3 dev.py test    install the test dependencies and run the whole suite, on SQLite
                           and (when it answers) on PostgreSQL

    python3 dev.py lint    ruff, import-linter, mypy, then the dependency audit
    python3 dev.py audit   the installed distributions against the advisory snapshot in
                           security/advisories.json, offline (SECURITY.md)

Only the standard library is used here, so this file runs before anything is installed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import socket
import subprocess
import sys
import venv
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
MIN_PYTHON = (3, 11)
DEFAULT_TEST_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/kyoso"
# A worker stopping finishes its task (a mail send waits at most a few SMTP timeouts) before it exits.


def say(text: str) -> None:
    print(f"\n==> {text}", flush=True)


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def run(*args: str | os.PathLike[str], env: dict[str, str] | None = None, check: bool = True) -> int:
    completed = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
    if check and completed.returncode != 0:
        sys.exit(completed.returncode)
    return completed.returncode


def ensure_venv(extras: str = "") -> Path:
    """Create .venv and install kyoso into it; reinstall only when pyproject.toml changed."""
    if sys.version_info < MIN_PYTHON:
        sys.exit(
            f"kyoso needs Python {'.'.join(map(str, MIN_PYTHON))} or newer; this is {sys.version.split()[0]}."
        )
    python = venv_python()
    if not python.exists():
        say(f"Creating a virtual environment in {VENV}")
        try:
            venv.EnvBuilder(with_pip=True).create(VENV)
        except (OSError, subprocess.CalledProcessError) as error:
            sys.exit(
                f"Could not create {VENV}: {error}\n"
                "On Debian or Ubuntu, install the venv module first: sudo apt install python3-venv"
            )
    spec = f".[{extras}]" if extras else "."
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + spec.encode()).hexdigest()
    stamp = VENV / f".kyoso-installed-{extras or 'base'}"
    if not stamp.exists() or stamp.read_text() != digest:
        say(f"Installing kyoso{f' with {extras} extras' if extras else ''} into {VENV}")
        # A new venv carries the setuptools and wheel its Python shipped with (old ones have known
        # advisories): upgraded with pip, before anything is built.
        run(
            python, "-m", "pip", "install", "--disable-pip-version-check", "-q",
            "--upgrade", "pip", "setuptools", "wheel",
        )  # fmt: skip
        run(python, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", spec)
        stamp.write_text(digest)
    return python


def kyoso(python: Path, *args: str, env: dict[str, str] | None = None) -> int:
    return run(python, "-m", "kyoso.cli", *args, env=env)


def start_environment(args: argparse.Namespace, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the processes `start` runs: demo mode, and the address to serve on.

    `kyoso demo` prints the sign-in URL from KYOSO_HOST and KYOSO_PORT, and `kyoso serve` listens on
    them and (unless KYOSO_SITE_URL is set) puts them into the links of the e-mails it sends: so with
    `--port N` everything says N. Nothing is written to .env.
    """
    env = dict(os.environ if base is None else base)
    # `kyoso demo` refuses to run without demo mode, and production settings refuse it.
    env["KYOSO_DEMO"] = "on"
    if args.host:
        env["KYOSO_HOST"] = args.host
    if args.port:
        env["KYOSO_PORT"] = str(args.port)
    return env


def start(args: argparse.Namespace) -> None:
    python = ensure_venv()
    env = start_environment(args)
    say("データベースを準備しています / Preparing the database")
    kyoso(python, "migrate", "--noinput", "-v", "0", env=env)
    say(
        "全国の自治体と省庁の名簿を読み込んでいます / "
        "Loading the national directory of governments and agencies"
    )
    kyoso(python, "directory", "load", env=env)
    say("デモコミュニティを作っています / Building the demo community")
    kyoso(python, "demo", env=env)
    say(
        "kyoso を起動しています（サーバーと、メールや定期処理のワーカー） / "
        "Starting kyoso (the server, and a worker for mail and scheduled jobs beside it)"
    )
    serve = ["serve", "--no-migrate"]
    # `kyoso serve` starts a worker beside itself (mail and scheduled jobs) and stops it on exit; it
    # listens on KYOSO_HOST and KYOSO_PORT from the environment.
    server = subprocess.Popen([str(python), "-m", "kyoso.cli", *serve], cwd=ROOT, env=env)
    while True:
        try:
            code = server.wait()
            break
        except KeyboardInterrupt:
            # Ctrl+C reached the server too: let it stop its worker and close, rather than kill it.
            continue
    print("\nkyoso を停止しました。 / kyoso stopped.")
    if code not in (0, -2, 130):
        sys.exit(code)


def reachable(url: str, timeout: float = 2.0) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5432), timeout=timeout):
            return True
    except OSError:
        return False


def require_services() -> bool:
    return os.environ.get("KYOSO_REQUIRE_SERVICES", "") in {"1", "true", "yes", "on"}


def test(args: argparse.Namespace) -> None:
    python = ensure_venv("test")
    pytest = [python, "-m", "pytest", *args.pytest_args]
    base_env = {k: v for k, v in os.environ.items() if k != "KYOSO_DATABASE_URL"}
    failures: list[str] = []

    say("Tests on SQLite")
    if run(*pytest, env=base_env, check=False) != 0:
        failures.append("SQLite")

    pg_url = os.environ.get("KYOSO_TEST_POSTGRES_URL", DEFAULT_TEST_POSTGRES_URL)
    if args.sqlite_only:
        print("PostgreSQL run skipped: --sqlite-only was given.")
    elif reachable(pg_url):
        say(f"Tests on PostgreSQL ({pg_url})")
        if run(*pytest, env={**base_env, "KYOSO_DATABASE_URL": pg_url}, check=False) != 0:
            failures.append("PostgreSQL")
    elif require_services():
        print(f"PostgreSQL at {pg_url} does not answer, and KYOSO_REQUIRE_SERVICES=1 makes that a failure.")
        failures.append("PostgreSQL (unreachable)")
    else:
        print(f"PostgreSQL run skipped: nothing answers at {pg_url} (set KYOSO_TEST_POSTGRES_URL).")

    if failures:
        sys.exit(f"\nFailed: {', '.join(failures)}")
    print("\nAll test runs passed.")


def lint(_args: argparse.Namespace) -> None:
    python = ensure_venv("test")
    say("ruff check")
    run(python, "-m", "ruff", "check", ".")
    say("ruff format --check")
    run(python, "-m", "ruff", "format", "--check", ".")
    say("import-linter: the app graph runs one way (contracts in pyproject.toml)")
    lint_imports = "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())"
    run(python, "-c", lint_imports, "--no-cache")
    say("mypy with django-stubs")
    run(python, "-m", "mypy")
    run_audit(python)


def run_audit(python: Path, *options: str) -> None:
    say("Dependency audit: installed distributions against the advisory snapshot, offline")
    run(python, ROOT / "scripts" / "audit_dependencies.py", *options)


def audit(args: argparse.Namespace) -> None:
    python = ensure_venv("test")
    options = ["--max-age-days", str(args.max_age_days)]
    if args.snapshot:
        options += ["--snapshot", str(Path(args.snapshot).resolve())]
    run_audit(python, *options)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="dev.py", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    p_start = commands.add_parser("start", help="install, load the demo and serve")
    p_start.add_argument("--host", default="", help="address to serve on (default 127.0.0.1)")
    p_start.add_argument("--port", type=int, default=0, help="port to serve on (default 8000)")
    p_start.set_defaults(func=start)
    p_test = commands.add_parser("test", help="run the whole test suite")
    p_test.add_argument("--sqlite-only", action="store_true", help="skip the PostgreSQL run")
    p_test.add_argument("pytest_args", nargs=argparse.REMAINDER, help="passed to pytest")
    p_test.set_defaults(func=test)
    p_lint = commands.add_parser("lint", help="ruff, import-linter, mypy and the dependency audit")
    p_lint.set_defaults(func=lint)
    p_audit = commands.add_parser("audit", help="installed distributions against known advisories, offline")
    p_audit.add_argument(
        "--snapshot", default="", help="an advisory snapshot other than security/advisories.json"
    )
    p_audit.add_argument(
        "--max-age-days", type=int, default=90, help="warn when the snapshot is older (default 90)"
    )
    p_audit.set_defaults(func=audit)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
