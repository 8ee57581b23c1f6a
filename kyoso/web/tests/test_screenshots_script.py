"""scripts/screenshots.py: every screen it captures is a page kyoso serves, for the right people."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from urllib.parse import unquote, urlsplit

import pytest
from django.urls import resolve

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "screenshots.py"


@pytest.fixture(scope="module")
def screenshots() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kyoso_screenshots", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_every_screen_is_a_page_of_kyoso(screenshots: ModuleType) -> None:
    names = [screen.name for screen in screenshots.SCREENS]
    assert len(names) == len(set(names))
    assert {"channel", "thread", "search", "registration", "review-queue"} <= set(names)
    for screen in screenshots.SCREENS:
        path = urlsplit(screen.path.format(channel="bousai", thread=12)).path
        match = resolve(unquote(path))
        assert match.url_name, screen
        assert screen.who in {"guest", "member", "operator"}


def test_the_review_queue_is_shot_as_the_operator_and_registration_as_a_guest(
    screenshots: ModuleType,
) -> None:
    who = {screen.name: screen.who for screen in screenshots.SCREENS}
    assert resolve("/accounts/review/").url_name == "review_queue"
    assert who["review-queue"] == "operator"
    assert who["registration"] == "guest"
    assert who["channel"] == who["thread"] == who["search"] == "member"


def test_both_sizes_are_captured(screenshots: ModuleType) -> None:
    assert screenshots.SIZES[1280] == {"width": 1280, "height": 800}
    assert screenshots.SIZES[360] == {"width": 360, "height": 740}


def test_the_scratch_demo_uses_none_of_the_callers_kyoso_settings(
    screenshots: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KYOSO_DATABASE_URL", "postgres://postgres@db.example/production")
    env = screenshots.demo_environment(tmp_path / "var", 8123)
    assert "KYOSO_DATABASE_URL" not in env
    assert env["KYOSO_VAR_DIR"] == str(tmp_path / "var")
    assert env["KYOSO_DEMO"] == "on"
    assert env["KYOSO_PORT"] == "8123"


def test_an_unknown_screen_is_refused_before_anything_is_built(screenshots: ModuleType) -> None:
    with pytest.raises(SystemExit) as stopped:
        screenshots.main(["--only", "dashboard", "--out", "/nonexistent"])
    assert stopped.value.code == 2
