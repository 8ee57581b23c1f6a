"""In a browser: B, away, receives one mail for A's mention, and its link opens the message; the mail's
unsubscribe link asks before it acts; the settings page is reached from the account menu on a phone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import time, timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from kyoso.core.tests.smtp import Inbox, smtp_server, smtp_settings
from kyoso.notify.models import Digest, NotificationSettings
from kyoso.notify.tests.mail_support import GRACE, mention, plain, run_job
from kyoso.testing.factories import make_channel, make_member, make_message, make_organization
from kyoso.web.tests.conftest import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def inbox(live_server: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    with smtp_server(inbox) as port, override_settings(**smtp_settings(port), KYOSO_SITE_URL=live_server.url):
        yield inbox


def test_an_away_member_gets_one_mail_whose_link_opens_the_message_and_can_unsubscribe(
    page: Any, live_server: Any, inbox: Inbox
) -> None:
    hanako = make_member(make_organization("久留米市"), display_name="久留米 花子")
    taro = make_member(make_organization("八女市"), display_name="八女 太郎")
    desk = make_channel("窓口業務", creator=taro, members=[hanako])
    written = timezone.now() - GRACE - timedelta(minutes=1)
    for i in range(60):  # older posts, so the link has to scroll the history to the message
        make_message(desk, taro, f"過去の投稿{i}", at=written - timedelta(hours=1, minutes=i))
    message = make_message(desk, taro, f"{mention(hanako)} 転入届の様式を共有します", at=written)

    assert run_job(timezone.now()) == 1
    assert run_job(timezone.now() + timedelta(minutes=5)) == 0  # exactly one mail
    [received] = inbox.messages
    text = plain(received)
    [link] = re.findall(rf"{re.escape(live_server.url)}/channels/\S+#m-{message.pk}", text)

    sign_in_as(page, hanako, live_server)
    page.goto(link)
    target = page.locator(f"#m-{message.pk}")
    target.wait_for()
    assert "転入届の様式を共有します" in target.inner_text()
    assert target.is_visible()

    # The footer's unsubscribe link, opened signed out: it asks first, then acts on the button.
    unsubscribe = str(received["List-Unsubscribe"]).strip().strip("<>")
    assert unsubscribe in text
    page.context.clear_cookies()
    page.goto(unsubscribe)
    assert page.get_by_role("heading", name="通知メールの配信停止").is_visible()
    assert NotificationSettings.objects.get(member=hanako).email_missed is True
    page.get_by_role("button", name="配信を停止する").click()
    page.get_by_role("heading", name="配信を停止しました").wait_for()
    row = NotificationSettings.objects.get(member=hanako)
    assert (row.email_missed, row.digest) == (False, Digest.OFF)
    assert page.watch.console_errors == []


def test_a_member_sets_quiet_hours_from_the_account_menu_on_a_phone(page: Any, live_server: Any) -> None:
    hanako = make_member(make_organization("久留米市"), display_name="久留米 花子")
    page.set_viewport_size(PHONE)
    sign_in_as(page, hanako, live_server)
    page.goto("/")
    page.get_by_role("button", name="メニュー").click()  # the phone's menu holds the account's links
    page.get_by_role("link", name="通知の設定").click()
    page.get_by_role("heading", name="通知の設定").wait_for()

    page.get_by_label("開始（日本時間）").fill("22:00")
    page.get_by_role("button", name="保存する").click()
    error = page.get_by_text("終了の時刻も入力してください")
    error.wait_for()
    described = page.get_by_label("終了（日本時間）").get_attribute("aria-describedby") or ""
    assert described and page.locator(f"#{described.split()[0]}").count() == 1

    page.get_by_label("終了（日本時間）").fill("07:00")
    page.get_by_label("メールに投稿の本文を載せない").check()
    page.get_by_role("button", name="保存する").click()
    page.get_by_text("通知の設定を保存しました。").wait_for()
    row = NotificationSettings.objects.get(member=hanako)
    assert (row.quiet_from, row.quiet_until) == (time(22, 0), time(7, 0))
    assert row.hide_content is True
    # Nothing scrolls sideways at 360 px.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.watch.console_errors == []
