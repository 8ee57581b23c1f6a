"""Screenshots of kyoso's main screens, captured from the demo community so they stay true.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--only channel,search] [--seed N]

It builds the demo in a scratch folder (a fresh database, never the developer's var/), serves it with
`kyoso serve` on a free port of 127.0.0.1, signs in as the demo member (and as the demo operator for
the review queue), and saves each screen at 1280×800 and on a 360×740 phone as
docs/screenshots/<screen>-<width>.png. It drives Debian's Chromium through Playwright (the test extra)
and stops the server when done.

Japanese text needs a Japanese font on the machine, or the shots show empty boxes: on Debian,
`apt-get install fonts-noto-cjk` (the CSS names Noto Sans JP / Noto Sans CJK JP first; no font is ever
fetched from the internet). The script warns when `fc-list` finds none.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
SIZES = {1280: {"width": 1280, "height": 800}, 360: {"width": 360, "height": 740}}
SERVER_START_SECONDS = 120


@dataclass(frozen=True)
class Screen:
    """One screen: who looks at it, and its path (``{channel}`` and ``{thread}`` are filled in from the
    demo's busiest channel and its longest thread)."""

    name: str
    who: str  # "guest", "member" or "operator"
    path: str
    wait_for: str = "main"


SCREENS: tuple[Screen, ...] = (
    Screen("home", "guest", "/"),
    Screen("registration", "guest", "/accounts/register/"),
    Screen("sign-in", "guest", "/accounts/sign-in/"),
    Screen("channel", "member", "/channels/{channel}/", "[data-stream] .message"),
    Screen("thread", "member", "/channels/{channel}/threads/{thread}/", ".chat__thread .message"),
    Screen("search", "member", "/search/?q=" + quote("防災"), ".search-hit"),
    Screen("review-queue", "operator", "/accounts/review/"),
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def japanese_font_installed() -> bool:
    if shutil.which("fc-list") is None:
        return False
    listed = subprocess.run(["fc-list", ":lang=ja"], capture_output=True, text=True, check=False).stdout
    return bool(listed.strip())


def kyoso(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "kyoso.cli", *args], cwd=ROOT, env=env, check=True)


def demo_environment(var_dir: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    for name in list(env):
        # The scratch demo is on its own: no database, Redis or site address of the caller's.
        if name.startswith("KYOSO_"):
            del env[name]
    env.update(
        {
            "KYOSO_VAR_DIR": str(var_dir),
            "KYOSO_DEMO": "on",
            "KYOSO_HOST": "127.0.0.1",
            "KYOSO_PORT": str(port),
            "KYOSO_LOG_LEVEL": "WARNING",
        }
    )
    return env


@contextmanager
def served(env: dict[str, str], port: int) -> Iterator[str]:
    """`kyoso serve` on the port until the block ends; yields its origin."""
    origin = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "kyoso.cli", "serve", "--no-migrate", "--no-worker"], cwd=ROOT, env=env
    )
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if server.poll() is not None:
                raise SystemExit(f"kyoso serve stopped at once (exit {server.returncode})")
            try:
                with urllib.request.urlopen(f"{origin}/healthz", timeout=2):  # noqa: S310 - our own server
                    break
            except OSError as error:
                if time.monotonic() > deadline:
                    message = f"kyoso serve did not answer on {origin} in {SERVER_START_SECONDS} s"
                    raise SystemExit(message) from error
                time.sleep(0.5)
        yield origin
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def demo_places(env: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The demo's busiest public channel and its longest thread, and a signed-in session cookie for
    the demo member and the demo operator (second factor done), made in this process's Django."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyoso.settings")
    import django

    django.setup()
    from django.db.models import Count
    from django.test import Client

    from kyoso.accounts.models import Member
    from kyoso.chat.models import Channel, Message
    from kyoso.demo.members import DEMO_MEMBER_EMAIL, DEMO_OPERATOR_EMAIL
    from kyoso.testing.auth import force_login_verified

    member = Member.objects.get(email=DEMO_MEMBER_EMAIL)
    channel = (
        Channel.objects.filter(memberships__member=member, kind="public")
        .annotate(size=Count("messages"))
        .order_by("-size")
        .first()
    )
    if channel is None:
        raise SystemExit("the demo member is in no public channel")
    thread = (
        Message.objects.filter(channel=channel, thread_root__isnull=True, deleted_at__isnull=True)
        .order_by("-reply_count", "-id")
        .first()
    )
    places = {"channel": quote(channel.slug), "thread": str(thread.pk if thread else 0)}
    cookies = {}
    for who, email in (("member", DEMO_MEMBER_EMAIL), ("operator", DEMO_OPERATOR_EMAIL)):
        client = Client()
        force_login_verified(client, Member.objects.get(email=email))
        cookies[who] = client.cookies["sessionid"].value
    return places, cookies


def capture(
    origin: str, places: dict[str, str], cookies: dict[str, str], screens: list[Screen], out: Path
) -> list[Path]:
    from playwright.sync_api import sync_playwright

    executable = (
        os.environ.get("KYOSO_TEST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if executable is None:
        raise SystemExit("no Chromium on PATH (Debian: apt-get install chromium)")
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            for screen in screens:
                for width, viewport in SIZES.items():
                    context = browser.new_context(base_url=origin, locale="ja-JP", viewport=viewport)
                    if screen.who in cookies:
                        cookie = {"name": "sessionid", "value": cookies[screen.who], "url": origin}
                        context.add_cookies([cookie])
                    page = context.new_page()
                    page.goto(screen.path.format(**places))
                    page.locator(screen.wait_for).first.wait_for()
                    page.wait_for_load_state("networkidle")
                    target = out / f"{screen.name}-{width}.png"
                    page.screenshot(path=str(target))
                    saved.append(target)
                    context.close()
        finally:
            browser.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNG files")
    parser.add_argument("--only", default="", help="comma-separated screen names (default: all)")
    parser.add_argument("--seed", type=int, help="the demo's random seed (default: the demo's own)")
    args = parser.parse_args(argv)
    wanted = {name for name in args.only.split(",") if name}
    unknown = wanted - {screen.name for screen in SCREENS}
    if unknown:
        parser.error(f"unknown screens: {', '.join(sorted(unknown))}")
    screens = [screen for screen in SCREENS if not wanted or screen.name in wanted]
    if not japanese_font_installed():
        print("warning: no Japanese font found (Debian: apt-get install fonts-noto-cjk)", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="kyoso-screenshots-") as scratch:
        port = free_port()
        env = demo_environment(Path(scratch) / "var", port)
        kyoso(env, "migrate", "--noinput", "-v", "0")
        kyoso(env, "directory", "load")
        kyoso(env, "demo", *(["--seed", str(args.seed)] if args.seed is not None else []))
        places, cookies = demo_places(env)
        with served(env, port) as origin:
            saved = capture(origin, places, cookies, screens, args.out)
    for path in saved:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
