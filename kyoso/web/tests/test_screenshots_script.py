"""scripts/screenshots.py: every screen it captures is a page kyoso serves, for the right people."""

from __future__ import annotations

import importlib.util
import re
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


def test_the_readme_shows_every_screenshot_the_script_takes_and_each_is_in_the_repository(
    screenshots: ModuleType,
) -> None:
    """The README's screenshots are the script's: every screen at both sizes, each file committed, and
    no picture the script no longer takes."""
    root = SCRIPT.parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    shown = set(re.findall(r'src="(docs/screenshots/[^"]+\.png)"', readme))
    taken = {
        f"docs/screenshots/{screen.name}-{width}.png"
        for screen in screenshots.SCREENS
        for width in screenshots.SIZES
    }
    assert shown == taken
    for path in taken:
        picture = root / path
        assert picture.is_file(), path
        assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
