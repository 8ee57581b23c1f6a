"""In the browser: a member in an old session is asked again before changing their address, then
changes the password with the current one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from kyoso.accounts.models import Member
from kyoso.testing.factories import DEFAULT_PASSWORD, make_member, make_organization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def old_session(page: object, live_server: object, member: Member) -> None:
    """A session that has not proved its member lately (force_login notes no sign-in time)."""
    client = Client()
    client.force_login(member)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(  # type: ignore[attr-defined]
        [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]  # type: ignore[attr-defined]
    )


def test_member_is_asked_again_then_changes_the_password(page: object, live_server: object) -> None:
    member = make_member(
        make_organization("久留米市"), email="hanako@city.kurume.lg.jp", password=DEFAULT_PASSWORD
    )
    old_session(page, live_server, member)

    page.goto("/accounts/profile/organization/")  # type: ignore[attr-defined]
    page.wait_for_url("**/accounts/security/confirm/**")  # type: ignore[attr-defined]
    assert "安全のため" in page.content()  # type: ignore[attr-defined]
    page.get_by_label("現在のパスワード").fill("not-my-password")  # type: ignore[attr-defined]
    page.get_by_role("button", name="確認して続ける").click()  # type: ignore[attr-defined]
    page.get_by_text("パスワードまたは確認コードが正しくありません").wait_for()  # type: ignore[attr-defined]
    page.get_by_label("現在のパスワード").fill(DEFAULT_PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="確認して続ける").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/accounts/profile/organization/")  # type: ignore[attr-defined]

    page.goto("/accounts/security/password/")  # type: ignore[attr-defined]
    page.get_by_label("現在のパスワード").fill(DEFAULT_PASSWORD)  # type: ignore[attr-defined]
    page.get_by_label("新しいパスワード", exact=True).fill("a-new-long-password-2026")  # type: ignore[attr-defined]
    page.get_by_label("新しいパスワード(確認用)").fill("a-new-long-password-2026")  # type: ignore[attr-defined]
    page.get_by_role("button", name="パスワードを保存する").click()  # type: ignore[attr-defined]
    page.get_by_text("パスワードを設定しました。").wait_for()  # type: ignore[attr-defined]
    member.refresh_from_db()
    assert member.check_password("a-new-long-password-2026")
    assert page.watch.console_errors == []  # type: ignore[attr-defined]
