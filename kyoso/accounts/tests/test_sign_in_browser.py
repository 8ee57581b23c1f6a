"""In the browser: sign in with the e-mail link, and an operator's first sign-in with two-factor."""

from __future__ import annotations

from collections.abc import Iterator

import pyotp
import pytest
from django.core.cache import cache

from kyoso.accounts.models import Role
from kyoso.core.models import Mail
from kyoso.testing.auth import link_path_from_mail
from kyoso.testing.factories import DEFAULT_PASSWORD, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def test_member_signs_in_with_the_link_from_the_email(page: object) -> None:
    make_member(email="hanako@city.kurume.lg.jp", display_name="久留米 花子")
    page.goto("/accounts/sign-in/")  # type: ignore[attr-defined]
    page.get_by_role("textbox", name="メールアドレス").first.fill("hanako@city.kurume.lg.jp")  # type: ignore[attr-defined]
    page.get_by_role("button", name="サインインリンクを送る").click()  # type: ignore[attr-defined]
    page.get_by_text("登録済みのアドレスであれば、サインイン用のリンクを送りました").wait_for()  # type: ignore[attr-defined]

    mail = Mail.objects.get(to="hanako@city.kurume.lg.jp")
    page.goto(link_path_from_mail(mail.body))  # type: ignore[attr-defined]
    page.get_by_role("button", name="サインインする").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/")  # type: ignore[attr-defined]
    assert "久留米 花子" in page.locator(".account__name").inner_text()  # type: ignore[attr-defined]
    assert page.watch.console_errors == []  # type: ignore[attr-defined]


def test_operator_enrols_two_factor_at_first_sign_in_then_opens_the_admin(page: object) -> None:
    make_member(email="ops@digital.go.jp", role=Role.OPERATOR, password=DEFAULT_PASSWORD)
    page.goto("/admin/")  # type: ignore[attr-defined]
    page.wait_for_url("**/accounts/sign-in/**")  # type: ignore[attr-defined]
    page.get_by_text("パスワードでサインイン", exact=True).first.click()  # type: ignore[attr-defined]
    form = page.locator("#password-sign-in")  # type: ignore[attr-defined]
    form.get_by_label("メールアドレス").fill("ops@digital.go.jp")
    form.get_by_label("パスワード").fill(DEFAULT_PASSWORD)
    form.get_by_role("button", name="パスワードでサインイン").click()

    page.wait_for_url("**/accounts/security/two-factor/")  # type: ignore[attr-defined]
    assert page.locator(".totp-qr svg").count() == 1  # type: ignore[attr-defined]
    # Shown in blocks of four; the app takes it with or without the spaces.
    secret = "".join(page.locator("#totp-secret").inner_text().split())  # type: ignore[attr-defined]
    page.get_by_label("確認コード").fill(pyotp.TOTP(secret).now())  # type: ignore[attr-defined]
    page.get_by_role("button", name="設定を完了する").click()  # type: ignore[attr-defined]
    assert page.locator("#recovery-codes li").count() == 10  # type: ignore[attr-defined]

    page.goto("/admin/")  # type: ignore[attr-defined]
    assert "kyoso 管理画面" in page.content()  # type: ignore[attr-defined]
    page.goto("/admin/moderation/auditentry/")  # type: ignore[attr-defined]
    assert "監査ログ" in page.content()  # type: ignore[attr-defined]
