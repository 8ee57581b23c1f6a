"""`python3 dev.py start --port N`: the demo's printed sign-in URL and the server both say N."""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kyoso_dev_script", ROOT / "dev.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FinishedServer:
    def wait(self) -> int:
        return 0


def run_start(
    monkeypatch: pytest.MonkeyPatch, *options: str
) -> tuple[list[tuple[tuple[str, ...], dict[str, str]]], str]:
    """`dev.py start` with installing and the child processes replaced: the commands it ran, each with
    its environment, and what it printed."""
    dev = load_dev()
    commands: list[tuple[tuple[str, ...], dict[str, str]]] = []

    def fake_run(*args: Any, env: dict[str, str] | None = None, check: bool = True) -> int:
        commands.append((tuple(str(a) for a in args[3:]), dict(env or {})))
        return 0

    def fake_popen(argv: list[str], cwd: Path, env: dict[str, str]) -> FinishedServer:
        commands.append((tuple(argv[3:]), dict(env)))
        return FinishedServer()

    monkeypatch.setattr(dev, "ensure_venv", lambda extras="": Path(sys.executable))
    monkeypatch.setattr(dev, "run", fake_run)
    monkeypatch.setattr(subprocess, "Popen", fake_popen)
    monkeypatch.delenv("KYOSO_PORT", raising=False)
    monkeypatch.delenv("KYOSO_HOST", raising=False)
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="")
    parser.add_argument("--port", type=int, default=0)
    out = StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    dev.start(parser.parse_args(list(options)))
    return commands, out.getvalue()


def test_start_with_a_port_gives_it_to_the_demo_and_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    commands, printed = run_start(monkeypatch, "--port", "8123")
    by_name = {argv[0]: env for argv, env in commands}
    assert [argv[0] for argv, _env in commands] == ["migrate", "directory", "demo", "serve"]
    for name in ("demo", "serve"):
        assert by_name[name]["KYOSO_PORT"] == "8123"
        assert by_name[name]["KYOSO_DEMO"] == "on"
    # The parent's environment is left as it was.
    assert "KYOSO_PORT" not in os.environ
    # Japanese first, English after.
    assert "デモコミュニティを作っています / Building the demo community" in printed
    assert "kyoso を停止しました。 / kyoso stopped." in printed


def test_start_without_options_leaves_the_defaults_to_kyoso(monkeypatch: pytest.MonkeyPatch) -> None:
    commands, _printed = run_start(monkeypatch)
    for _argv, env in commands:
        assert "KYOSO_PORT" not in env and "KYOSO_HOST" not in env


@pytest.mark.django_db
def test_the_demo_prints_the_sign_in_url_and_the_outbox_on_the_port_it_is_served_on(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    # What `dev.py start --port 8123` hands `kyoso demo`: KYOSO_PORT=8123, no KYOSO_SITE_URL.
    monkeypatch.setenv("KYOSO_SITE_URL", "placeholder")
    monkeypatch.delenv("KYOSO_SITE_URL")
    settings.KYOSO_PORT = 8123
    settings.KYOSO_HOST = "0.0.0.0"  # noqa: S104 - the address printed, not bound
    settings.KYOSO_OUTBOX = True
    from kyoso.demo.management.commands.demo import Command as DemoCommand

    out = StringIO()
    command = DemoCommand(stdout=out)
    command._print_sign_in(None)
    printed = out.getvalue()
    assert "URL: http://127.0.0.1:8123/accounts/sign-in/" in printed
    assert "http://127.0.0.1:8123/outbox/" in printed
    assert ":8000" not in printed
    assert "デモにサインインするには" in printed


@pytest.mark.django_db
def test_the_demo_prints_a_configured_site_url_and_no_outbox_when_it_is_off(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    monkeypatch.setenv("KYOSO_SITE_URL", "http://kyoso-demo.example:8080")
    settings.KYOSO_SITE_URL = "http://kyoso-demo.example:8080"
    settings.KYOSO_OUTBOX = False
    from kyoso.demo.management.commands.demo import Command as DemoCommand

    out = StringIO()
    DemoCommand(stdout=out)._print_sign_in(None)
    assert "URL: http://kyoso-demo.example:8080/accounts/sign-in/" in out.getvalue()
    assert "/outbox/" not in out.getvalue()
