"""In a real browser: a member edits the profile and sees the new department on their post."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client

from kyoso.accounts.models import Member
from kyoso.testing.factories import make_channel, make_member, make_message, make_organization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_with_session_cookie(page: object, live_server: object, member: Member) -> None:
    """Sign in through Django's test client and hand the session cookie to the browser."""
    client = Client()
    client.force_login(member)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(  # type: ignore[attr-defined]
        [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]  # type: ignore[attr-defined]
    )


def test_member_edits_the_department_and_sees_it_on_their_post(page: object, live_server: object) -> None:
    member = make_member(make_organization("久留米市"), display_name="久留米 花子", department="市民課")
    channel = make_channel("窓口業務", creator=member)
    make_message(channel, member, "書かない窓口を始めました。")
    sign_in_with_session_cookie(page, live_server, member)

    page.goto("/accounts/profile/")  # type: ignore[attr-defined]
    page.get_by_label("部署名").fill("子育て支援課")  # type: ignore[attr-defined]
    page.get_by_label("自己紹介").fill("窓口のDXに取り組んでいます。")  # type: ignore[attr-defined]
    page.get_by_role("button", name="保存する").click()  # type: ignore[attr-defined]
    page.get_by_text("プロフィールを保存しました。").wait_for()  # type: ignore[attr-defined]

    page.goto(f"/channels/{quote(channel.slug)}/")  # type: ignore[attr-defined]
    post = page.locator(".message").first  # type: ignore[attr-defined]
    assert post.locator(".message__affiliation").inner_text() == "久留米市 · 子育て支援課"

    post.locator(".message__author").click()
    page.wait_for_url(f"**/accounts/members/{member.pk}/")  # type: ignore[attr-defined]
    assert page.get_by_text("窓口のDXに取り組んでいます。").is_visible()  # type: ignore[attr-defined]
    assert page.watch.console_errors == []  # type: ignore[attr-defined]
