"""参加登録 in a real browser: from the home page to the first page as a member, and the review path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache

from kyoso.accounts.actions.security import SECOND_FACTOR_VERIFIED
from kyoso.accounts.models import Application, ApplicationStatus, Member, MemberStatus, Role
from kyoso.accounts.tests.registration_support import Directory, make_directory
from kyoso.testing.factories import make_member

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server: object, settings: object) -> Iterator[Directory]:
    cache.clear()
    settings.KYOSO_OUTBOX = True  # type: ignore[attr-defined]
    settings.KYOSO_SITE_URL = live_server.url  # type: ignore[attr-defined]
    yield make_directory()
    cache.clear()


def fill_in_the_form(page: Page, email: str) -> None:
    page.locator("#id_email").fill(email)
    page.locator("#id_full_name").fill("久留米 花子")
    page.locator("#id_display_name").fill("はなこ")
    combobox = page.get_by_role("combobox", name="所属団体")
    # Both addresses belong to one organisation each, which the form fills in as soon as the address is left.
    page.get_by_text("メールアドレスから推定しました").wait_for()
    combobox.fill("")
    combobox.press_sequentially("くるめ", delay=30)
    option = page.get_by_role("option", name="福岡県久留米市")
    option.wait_for()
    assert combobox.get_attribute("aria-expanded") == "true"
    combobox.press("ArrowDown")
    assert combobox.get_attribute("aria-activedescendant") == option.get_attribute("id")
    combobox.press("Enter")
    assert combobox.input_value() == "福岡県久留米市"
    assert combobox.get_attribute("aria-expanded") == "false"
    page.locator("#id_department").fill("市民課")
    page.get_by_role("button", name="次へ（参加するチャンネル）").click()
    assert page.get_by_label("窓口DX").is_checked()  # suggested for 市民課
    page.get_by_role("button", name="次へ（規約と確認）").click()
    page.get_by_label("利用規約と行動規範に同意します").check()
    page.get_by_role("button", name="確認メールを送る").click()
    page.get_by_role("heading", name="確認メールを送りました").wait_for()


def open_the_link_from_the_outbox(page: Page) -> None:
    page.goto("/outbox/")
    page.get_by_role("link", name="/accounts/register/verify/").first.click()
    page.get_by_role("button", name="メールアドレスを確認して登録する").click()


def test_a_newcomer_registers_with_a_city_address_and_lands_in_the_community(
    page: Page, site: Directory
) -> None:
    page.set_default_timeout(5000)
    page.goto("/")
    page.get_by_role("main").get_by_role("link", name="参加登録").click()
    fill_in_the_form(page, "hanako@city.kurume.fukuoka.jp")

    open_the_link_from_the_outbox(page)

    page.get_by_role("heading", name="ようこそ、はなこさん").wait_for()
    assert urlparse(page.url).path == "/"
    assert "参加登録が完了しました" in page.get_by_role("status").inner_text()
    assert page.get_by_role("link", name="窓口DX").count() >= 1
    assert Member.objects.get(email="hanako@city.kurume.fukuoka.jp").status == MemberStatus.ACTIVE
    assert page.watch.console_errors == []  # type: ignore[attr-defined]


def sign_in_as(page: Page, member: Member, base_url: str) -> None:
    """A signed-in session with the second factor done, set in the browser as a cookie."""
    session = SessionStore()
    session[SESSION_KEY] = str(member.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = member.get_session_auth_hash()
    session[SECOND_FACTOR_VERIFIED] = True
    session.create()
    assert session.session_key is not None
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": base_url}]
    )


def test_a_mismatched_address_waits_and_an_operator_approves_it_from_the_queue(
    page: Page, site: Directory, live_server: object
) -> None:
    page.set_default_timeout(5000)
    page.goto("/accounts/register/")
    fill_in_the_form(page, "hanako@pref.fukuoka.lg.jp")
    open_the_link_from_the_outbox(page)
    page.get_by_role("heading", name="運営の確認をお待ちください").wait_for()
    assert not Member.objects.filter(email="hanako@pref.fukuoka.lg.jp").exists()

    operator = make_member(site.fukuoka, email="unei@pref.fukuoka.lg.jp", role=Role.OPERATOR)
    sign_in_as(page, operator, live_server.url)  # type: ignore[attr-defined]
    page.goto("/")
    page.get_by_role("link", name="参加申請の審査").click()
    page.get_by_text("pref.fukuoka.lg.jp — 福岡県のドメイン").wait_for()
    page.get_by_role("button", name="久留米 花子さんを承認").click()
    page.get_by_text("久留米 花子さんの参加を承認しました").wait_for()
    assert page.get_by_text("審査を待っている申請はありません").is_visible()

    member = Member.objects.get(email="hanako@pref.fukuoka.lg.jp")
    assert member.status == MemberStatus.ACTIVE
    assert Application.objects.get(email=member.email).status == ApplicationStatus.APPROVED
    page.goto("/outbox/")
    page.get_by_role("heading", name="【kyoso】参加申請が承認されました").wait_for()
