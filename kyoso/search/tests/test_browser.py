"""In a real browser: a member finds 窓口, ＤＸ and 戸籍 and opens the message; the filter
type-ahead works from the keyboard alone."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from kyoso.accounts.models import Member
from kyoso.testing.auth import force_login_verified
from kyoso.testing.factories import make_channel, make_member, make_message, make_organization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_as(page: object, member: Member, live_server: object) -> None:
    client = Client()
    force_login_verified(client, member)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])  # type: ignore[attr-defined]


@pytest.fixture
def seeded() -> dict[str, object]:
    kurume = make_organization("久留米市")
    hanako = make_member(kurume, display_name="久留米 花子")
    taro = make_member(make_organization("八女市"), display_name="八女 太郎")
    desk = make_channel("窓口業務", creator=taro, members=[hanako], slug="madoguchi")
    digital = make_channel("自治体DX", creator=taro, members=[hanako], slug="dx")
    root = make_message(desk, taro, "戸籍の広域交付が始まりました。窓口の流れを共有します。")
    return {
        "hanako": hanako,
        "madoguchi": make_message(desk, taro, "書かない窓口の手順書を作りました", thread=root),
        "dx": make_message(digital, taro, "自治体DXの研修資料です"),
        "koseki": root,
    }


@pytest.mark.parametrize(("query", "key"), [("窓口", "madoguchi"), ("ＤＸ", "dx"), ("戸籍", "koseki")])
def test_member_finds_a_word_and_opens_the_message(page, live_server, seeded, query, key) -> None:
    sign_in_as(page, seeded["hanako"], live_server)
    page.goto("/search/")
    box = page.get_by_label("検索語", exact=True)
    box.fill(query)
    box.press("Enter")
    target = seeded[key]
    hit = page.locator(f'.search-hit__link[href$="-{target.pk}"]')
    hit.locator("mark").first.wait_for()
    assert page.get_by_label("検索語", exact=True).input_value() == query
    assert page.watch.console_errors == []
    hit.click()
    page.wait_for_url(re.compile(rf"\?around=\d+#\w-{target.pk}$"))
    page.locator(f'[data-message-id="{target.pk}"]').last.wait_for()


def test_the_filter_type_ahead_works_by_keyboard(page, live_server, seeded) -> None:
    sign_in_as(page, seeded["hanako"], live_server)
    page.goto("/search/?q=%E7%AA%93%E5%8F%A3")
    box = page.get_by_label("検索語", exact=True)
    box.focus()
    box.press("End")
    box.type(" in")
    listbox = page.get_by_role("listbox")
    listbox.get_by_role("option", name=re.compile("^in:")).wait_for()
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant")
    box.press("Enter")  # takes "in:#" and offers the channels
    listbox.get_by_role("option", name="#窓口業務").wait_for()
    assert box.input_value() == "窓口 in:#"
    box.press("ArrowDown")
    box.press("Enter")
    assert box.input_value() == "窓口 in:#madoguchi "
    assert listbox.is_hidden()
    box.press("Enter")  # nothing highlighted: Enter searches
    page.wait_for_url(re.compile(r"q=%E7%AA%93%E5%8F%A3\+in%3A%23madoguchi"))
    assert page.locator(".search-chip").inner_text().endswith("#窓口業務")
    assert page.locator(".search-hit").count() == 2
    assert page.watch.console_errors == []
