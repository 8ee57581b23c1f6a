"""Settings come from KYOSO_* variables; production refuses unsafe ones and names them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from kyoso.config import SETTINGS, Environment, validate_production

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 10 + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"


def kyoso_command(*args: str, env: dict[str, str], timeout: int = 60) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("KYOSO_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return subprocess.run(
        [sys.executable, "-m", "kyoso.cli", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_production_without_secret_key_is_refused_naming_the_setting() -> None:
    with pytest.raises(ImproperlyConfigured, match="KYOSO_SECRET_KEY"):
        validate_production(secret_key="", debug=False, allowed_hosts=["kyoso.example.lg.jp"])


def test_production_with_short_secret_key_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="KYOSO_SECRET_KEY is too weak"):
        validate_production(secret_key="changeme", debug=False, allowed_hosts=["kyoso.example.lg.jp"])


def test_production_with_debug_on_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="KYOSO_DEBUG"):
        validate_production(secret_key=STRONG_KEY, debug=True, allowed_hosts=["kyoso.example.lg.jp"])


@pytest.mark.parametrize("hosts", [[], ["*"]])
def test_production_without_named_allowed_hosts_is_refused(hosts: list[str]) -> None:
    with pytest.raises(ImproperlyConfigured, match="KYOSO_ALLOWED_HOSTS"):
        validate_production(secret_key=STRONG_KEY, debug=False, allowed_hosts=hosts)


def test_safe_production_settings_pass() -> None:
    validate_production(secret_key=STRONG_KEY, debug=False, allowed_hosts=["kyoso.example.lg.jp"])


def test_boolean_setting_with_a_typo_names_the_variable() -> None:
    env = Environment({"KYOSO_DEBUG": "maybe"})
    with pytest.raises(ImproperlyConfigured, match="KYOSO_DEBUG='maybe'"):
        env.bool("KYOSO_DEBUG", default=False)


def test_number_setting_below_minimum_names_the_variable() -> None:
    env = Environment({"KYOSO_PORT": "0"})
    with pytest.raises(ImproperlyConfigured, match="KYOSO_PORT=0 must be at least 1"):
        env.int("KYOSO_PORT", 8000, minimum=1)


def test_unknown_kyoso_variables_are_reported() -> None:
    env = Environment({"KYOSO_DEBGU": "on", "KYOSO_TEST_REDIS_URL": "redis://x", "KYOSO_DEBUG": "on"})
    assert env.unknown == ["KYOSO_DEBGU"]


def test_cli_refuses_unsafe_production_start_with_a_clear_message(tmp_path: Path) -> None:
    result = kyoso_command("check", env={"KYOSO_ENV": "production", "KYOSO_VAR_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "configuration error: KYOSO_SECRET_KEY must be set in production" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_starts_in_production_with_safe_settings(tmp_path: Path) -> None:
    result = kyoso_command(
        "check",
        "--deploy",
        "--fail-level",
        "ERROR",
        env={
            "KYOSO_ENV": "production",
            "KYOSO_SECRET_KEY": STRONG_KEY,
            "KYOSO_ALLOWED_HOSTS": "kyoso.example.lg.jp",
            "KYOSO_VAR_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stderr


def test_development_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = kyoso_command("shell", "--no-imports", "-c", code, env={"KYOSO_VAR_DIR": str(tmp_path)})
    second = kyoso_command("shell", "--no-imports", "-c", code, env={"KYOSO_VAR_DIR": str(tmp_path)})
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50
    assert second.stdout.strip() == key
    assert (tmp_path / "secret_key").read_text().strip() == key


def test_embedded_database_is_sqlite_in_wal_mode_under_var(tmp_path: Path) -> None:
    result = kyoso_command("migrate", "--noinput", "-v", "0", env={"KYOSO_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    database = tmp_path / "kyoso.sqlite3"
    assert database.is_file()
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_email_url_configures_smtp(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_USE_TLS)"
    )
    result = kyoso_command(
        "shell",
        "--no-imports",
        "-c",
        code,
        env={
            "KYOSO_VAR_DIR": str(tmp_path),
            "KYOSO_EMAIL_URL": "smtp+tls://kyoso%40city:pw@mail.example.lg.jp:587",
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "mail.example.lg.jp",
        "587",
        "kyoso@city",
        "True",
    ]


def test_unknown_email_scheme_is_refused(tmp_path: Path) -> None:
    result = kyoso_command("check", env={"KYOSO_VAR_DIR": str(tmp_path), "KYOSO_EMAIL_URL": "pop3://x"})
    assert result.returncode == 2
    assert "KYOSO_EMAIL_URL" in result.stderr


def test_redis_url_moves_the_cache_to_redis(tmp_path: Path, redis_url: str) -> None:
    code = (
        "from django.core.cache import caches; cache = caches['default']; "
        "cache.set('kyoso-test-key', '共創', 30); "
        "print(type(cache).__name__, cache.get('kyoso-test-key')); cache.delete('kyoso-test-key')"
    )
    result = kyoso_command(
        "shell",
        "--no-imports",
        "-c",
        code,
        env={"KYOSO_VAR_DIR": str(tmp_path), "KYOSO_REDIS_URL": redis_url},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["RedisCache", "共創"]


def test_readme_lists_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in readme]
    assert missing == []
