"""Operator screens in a real browser, at 1280×800 and on a 360×740 phone: the review queue and its
header badge, the two-factor setup (key in blocks of four, copied whole), and recovery codes that
copy to the clipboard and download as a text file. Nothing is wider than the screen, and axe-core
finds nothing."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from kyoso.accounts.models import Member, RecoveryCode, Role, TOTPDevice
from kyoso.accounts.tests.registration_support import Directory, make_directory
from kyoso.accounts.tests.security_support import mark_recently_authenticated
from kyoso.accounts.tests.test_review import in_review
from kyoso.testing.auth import force_login_verified, totp_code
from kyoso.testing.factories import make_member
from kyoso.web.tests.axe import report, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def use_session_of(page: object, live_server: object, client: Client) -> None:
    cookie = client.cookies["sessionid"]
    page.context.add_cookies(  # type: ignore[attr-defined]
        [{"name": "sessionid", "value": cookie.value, "url": live_server.url}]  # type: ignore[attr-defined]
    )


# Any element whose content is wider than its box (it would scroll sideways, or spill out of it).
WIDER_THAN_THEIR_BOX = """() => [...document.querySelectorAll("main, main *")]
  .filter((el) => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).display !== "inline")
  .filter((el) => !el.closest(".visually-hidden") && el.clientWidth > 0)
  .map((el) => `${el.tagName.toLowerCase()}.${el.className}: ${el.scrollWidth} > ${el.clientWidth}`)"""


def fits(page: object, viewport: dict[str, int]) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")  # type: ignore[attr-defined]
    assert width <= viewport["width"], f"the page is {width} px wide on a {viewport['width']} px screen"
    # The frame's panes scroll on their own: the page can be narrow while a pane scrolls sideways.
    assert page.evaluate(WIDER_THAN_THEIR_BOX) == []  # type: ignore[attr-defined]


def no_axe_violations(page: object) -> None:
    found = violations(page)
    assert found == [], report(found)


@VIEWPORTS
def test_review_queue_fits_and_its_badge_stands_apart_from_the_label(
    page: object,
    live_server: object,
    viewport: dict[str, int],
    django_capture_on_commit_callbacks: Callable,
) -> None:
    directory: Directory = make_directory()
    captured = lambda: django_capture_on_commit_callbacks(execute=True)  # noqa: E731
    for n in range(6):
        # Long addresses and names must wrap on a phone, not widen the page.
        in_review(
            directory,
            captured,
            email=f"applicationnumber{n}withaverylongaddressforthephone@pref.fukuoka.lg.jp",
        )
    operator = make_member(directory.fukuoka, email="unei@pref.fukuoka.lg.jp", role=Role.OPERATOR)
    client = Client()
    force_login_verified(client, operator)
    use_session_of(page, live_server, client)
    page.set_viewport_size(viewport)  # type: ignore[attr-defined]

    page.goto("/accounts/review/")  # type: ignore[attr-defined]
    page.get_by_role("heading", name="参加申請の審査", level=1).wait_for()  # type: ignore[attr-defined]
    assert page.locator(".review").count() == 6  # type: ignore[attr-defined]
    fits(page, viewport)

    badge = page.locator("[data-review-waiting]")  # type: ignore[attr-defined]
    if viewport == DESKTOP:
        assert badge.is_visible()
    if badge.is_visible():
        # Where the menu shows it (at 1280 px; on a phone inside the menu): a gap between label and count.
        label = page.locator(".global-nav__label", has_text="参加申請の審査").bounding_box()  # type: ignore[attr-defined]
        count = badge.bounding_box()
        assert count["x"] - (label["x"] + label["width"]) >= 4
    # Read as 「参加申請の審査 6件」: the visible 6 is hidden from screen readers, which hear 「6件」.
    assert badge.locator("[aria-hidden='true']").text_content() == "6"
    assert badge.locator(".visually-hidden").text_content() == "6件"
    if badge.is_visible():
        link = page.locator("a.global-nav__link", has=badge)  # type: ignore[attr-defined]
        assert re.search(r'link "参加申請の審査\s?6件"', link.aria_snapshot())
    no_axe_violations(page)
    assert page.watch.console_errors == []  # type: ignore[attr-defined]


@VIEWPORTS
def test_operator_sets_up_two_factor_copies_the_key_then_copies_and_downloads_the_recovery_codes(
    page: object, live_server: object, viewport: dict[str, int], tmp_path: Path
) -> None:
    operator: Member = make_member(role=Role.OPERATOR, email="unei@city.kurume.lg.jp")
    client = Client()
    client.force_login(operator)
    mark_recently_authenticated(client)
    use_session_of(page, live_server, client)
    page.context.grant_permissions(  # type: ignore[attr-defined]
        ["clipboard-read", "clipboard-write"],
        origin=live_server.url,  # type: ignore[attr-defined]
    )
    page.set_viewport_size(viewport)  # type: ignore[attr-defined]

    # Any page leads an operator without two-factor to the setup, which explains calmly.
    page.goto("/")  # type: ignore[attr-defined]
    page.wait_for_url("**/accounts/security/two-factor/")  # type: ignore[attr-defined]
    assert page.locator(".notice--info[data-two-factor-required]").is_visible()  # type: ignore[attr-defined]
    assert page.locator(".notice--error, .notice--warning").count() == 0  # type: ignore[attr-defined]
    fits(page, viewport)
    no_axe_violations(page)

    key = page.locator("#totp-secret")  # type: ignore[attr-defined]
    blocks = key.locator("span").all_inner_texts()
    assert all(len(block) == 4 for block in blocks[:-1])
    assert "monospace" in key.evaluate("(el) => getComputedStyle(el).fontFamily")
    page.get_by_role("button", name="設定キーをコピー").click()  # type: ignore[attr-defined]
    page.get_by_text("設定キーをコピーしました。").wait_for()  # type: ignore[attr-defined]
    secret = page.evaluate("navigator.clipboard.readText()")  # type: ignore[attr-defined]
    assert secret == "".join(blocks)

    page.get_by_label("確認コード").fill(totp_code(secret, at=time.time() - 30))  # type: ignore[attr-defined]
    page.get_by_role("button", name="設定を完了する").click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="回復コード", level=1).wait_for()  # type: ignore[attr-defined]
    assert TOTPDevice.objects.filter(member=operator, confirmed_at__isnull=False).exists()
    fits(page, viewport)
    no_axe_violations(page)

    codes = page.locator("#recovery-codes code").all_inner_texts()  # type: ignore[attr-defined]
    assert len(codes) == RecoveryCode.objects.filter(member=operator).count() == 10
    page.get_by_role("button", name="すべてコピー").click()  # type: ignore[attr-defined]
    page.get_by_text("回復コードをコピーしました。").wait_for()  # type: ignore[attr-defined]
    copied = page.evaluate("navigator.clipboard.readText()")  # type: ignore[attr-defined]
    assert re.findall(r"[0-9a-f]{5}-[0-9a-f]{5}", copied) == codes

    with page.expect_download() as download_info:  # type: ignore[attr-defined]
        page.get_by_role("button", name="テキストファイルでダウンロード").click()  # type: ignore[attr-defined]
    download = download_info.value
    assert download.suggested_filename == "kyoso-recovery-codes.txt"
    saved = tmp_path / "codes.txt"
    download.save_as(saved)
    assert re.findall(r"[0-9a-f]{5}-[0-9a-f]{5}", saved.read_text(encoding="utf-8")) == codes
    assert page.watch.console_errors == []  # type: ignore[attr-defined]
