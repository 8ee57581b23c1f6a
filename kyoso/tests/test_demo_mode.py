"""The demo and the benchmarks are development tools: demo mode is needed, production has neither."""

from __future__ import annotations

import ast
from pathlib import Path

from kyoso.tests.test_settings import STRONG_KEY, kyoso_command

PRINT_APPS = "from django.conf import settings; print(repr(settings.INSTALLED_APPS))"


def production(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "KYOSO_ENV": "production",
        "KYOSO_SECRET_KEY": STRONG_KEY,
        "KYOSO_ALLOWED_HOSTS": "kyoso.example.lg.jp",
        "KYOSO_VAR_DIR": str(tmp_path),
        **extra,
    }


def test_production_installs_neither_the_demo_nor_the_benchmarks(tmp_path: Path) -> None:
    result = kyoso_command("shell", "--no-imports", "-c", PRINT_APPS, env=production(tmp_path))
    assert result.returncode == 0, result.stderr
    apps = ast.literal_eval(result.stdout.strip())
    assert "kyoso.accounts" in apps and "kyoso.notify" in apps
    assert "kyoso.demo" not in apps and "kyoso.bench" not in apps

    development = kyoso_command(
        "shell", "--no-imports", "-c", PRINT_APPS, env={"KYOSO_VAR_DIR": str(tmp_path)}
    )
    assert development.returncode == 0, development.stderr
    assert {"kyoso.demo", "kyoso.bench"} <= set(ast.literal_eval(development.stdout.strip()))


def test_demo_and_bench_commands_do_not_exist_in_production(tmp_path: Path) -> None:
    for command in ("demo", "bench"):
        result = kyoso_command(command, env=production(tmp_path))
        assert result.returncode == 2
        assert f"kyoso {command} is a development tool and is not installed in production" in result.stderr
        assert "Traceback" not in result.stderr
    listing = kyoso_command("help", env=production(tmp_path))
    assert listing.returncode == 0, listing.stderr
    assert "[demo]" not in listing.stdout and "[bench]" not in listing.stdout


def test_production_refuses_demo_mode_and_says_why(tmp_path: Path) -> None:
    result = kyoso_command("check", env=production(tmp_path, KYOSO_DEMO="on"))
    assert result.returncode == 2
    assert "KYOSO_DEMO must be off in production" in result.stderr
    assert "passwords are printed" in result.stderr


def test_demo_outside_demo_mode_exits_non_zero_saying_how_to_enable_it(tmp_path: Path) -> None:
    result = kyoso_command("demo", env={"KYOSO_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "KYOSO_DEMO=on" in result.stderr and "dev.py start" in result.stderr
    assert not (tmp_path / "kyoso.sqlite3").exists()  # refused before touching the database
