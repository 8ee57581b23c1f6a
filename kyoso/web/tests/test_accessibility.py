"""Accessibility as a test: axe-core finds nothing on any page or state, at 1280×800 and on a 360×740
phone, and nothing scrolls sideways at 200 % zoom.

Each state is reached the way a member reaches it (a popover opened by keyboard, a form sent with
mistakes), then axe runs on the page as it stands. On failure the message lists every rule broken and
the elements that break it, so it can be fixed from the test output alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest

from kyoso.web.tests.axe import report, violations
from kyoso.web.tests.conftest import Community, channel_url, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
SIZES = {"1280×800": DESKTOP, "360×740": PHONE}

# ---- The pages and states ------------------------------------------------------------------------
# Each takes the page (at its size) and the community, and leaves the page in the state to check.


def signed_out_home(page: Any, community: Community) -> None:
    page.goto("/")


def sign_in_page(page: Any, community: Community) -> None:
    page.goto("/accounts/sign-in/")
    page.get_by_text("パスワードでサインイン", exact=True).first.click()


def sign_in_refused(page: Any, community: Community) -> None:
    sign_in_page(page, community)
    form = page.locator("#password-sign-in")
    form.get_by_label("メールアドレス").fill("hanako@city.kurume.fukuoka.jp")
    form.get_by_label("パスワード").fill("まちがい")
    form.get_by_role("button", name="パスワードでサインイン").click()
    page.wait_for_load_state("load")


def registration(page: Any, community: Community) -> None:
    page.goto("/accounts/register/")


def registration_with_mistakes(page: Any, community: Community) -> None:
    """The form sent empty past the browser's own checks: the server's messages beside each field."""
    page.goto("/accounts/register/")
    form = page.locator("form:has([name=email])").first
    with page.expect_navigation():  # the answer to the POST, not the page it was sent from
        form.evaluate("(form) => { form.noValidate = true; form.requestSubmit(); }")
    page.wait_for_load_state("load")


def registration_sent(page: Any, community: Community) -> None:
    page.goto("/accounts/register/sent/")


def member_home(page: Any, community: Community) -> None:
    page.goto("/")


def channel(page: Any, community: Community) -> None:
    page.goto(channel_url(community.desk))
    page.locator("[data-stream] .message").first.wait_for()


def thread_open(page: Any, community: Community) -> None:
    page.goto(f"{channel_url(community.desk)}threads/{community.question.pk}/")
    page.locator(".chat__thread .message").first.wait_for()


def stamp_picker_open(page: Any, community: Community) -> None:
    channel(page, community)
    page.locator(f"#m-{community.question.pk} [data-stamp-picker]").first.focus()
    page.keyboard.press("Enter")
    page.locator(f"#m-{community.question.pk} .stamp-picker__stamp").first.wait_for()


def message_menu_open(page: Any, community: Community) -> None:
    channel(page, community)
    page.locator(f"#m-{community.question.pk} [data-message-menu]").first.focus()
    page.keyboard.press("Enter")
    page.locator(f"#m-{community.question.pk} .popover").first.wait_for()


def search_results(page: Any, community: Community) -> None:
    page.goto("/search/?q=" + quote("窓口"))
    page.locator("main").get_by_text("おくやみ窓口").first.wait_for()


def channel_directory(page: Any, community: Community) -> None:
    page.goto("/channels/")


def member_page(page: Any, community: Community) -> None:
    page.goto(f"/accounts/members/{community.taro.pk}/")


def mentions_page(page: Any, community: Community) -> None:
    page.goto("/mentions/")


def threads_page(page: Any, community: Community) -> None:
    page.goto("/threads/")


def notifications_page(page: Any, community: Community) -> None:
    """The bell's page: the member's has an unread mention (the community's fixture); the operator's
    is empty."""
    page.goto("/notifications/")


def profile_settings(page: Any, community: Community) -> None:
    page.goto("/accounts/profile/")


def security_settings(page: Any, community: Community) -> None:
    page.goto("/accounts/security/")


def notification_settings(page: Any, community: Community) -> None:
    page.goto("/notifications/settings/")


def notification_settings_with_mistakes(page: Any, community: Community) -> None:
    page.goto("/notifications/settings/")
    page.get_by_label("開始（日本時間）").fill("22:00")
    page.get_by_role("button", name="保存する").click()
    page.get_by_role("alert").first.wait_for()


def unsubscribe_confirmation(page: Any, community: Community) -> None:
    from kyoso.notify.models import NotificationSettings
    from kyoso.notify.unsubscribe_links import unsubscribe_token

    # Signed without the database: hanako has no settings row, so any key of hers is accepted.
    token = unsubscribe_token(NotificationSettings(member_id=community.hanako.pk, unsubscribe_key="a11y"))
    page.goto(f"/notifications/unsubscribe/{token}/")


def password_settings(page: Any, community: Community) -> None:
    page.goto("/accounts/security/password/")


def access_tokens(page: Any, community: Community) -> None:
    page.goto("/accounts/tokens/")


def two_factor_setup(page: Any, community: Community) -> None:
    page.goto("/accounts/security/two-factor/")


def review_queue(page: Any, community: Community) -> None:
    page.goto("/accounts/review/")
    page.get_by_text("筑後 次郎").first.wait_for()


def admin_index(page: Any, community: Community) -> None:
    page.goto("/admin/")


def admin_changelist(page: Any, community: Community) -> None:
    page.goto("/admin/accounts/member/")


# Who looks at the page: nobody, a member, an operator before or after the second factor.
SIGNED_OUT, MEMBER, OPERATOR, OPERATOR_BEFORE_2FA = "signed out", "member", "operator", "operator, no 2FA"

STATES: list[tuple[str, str, Callable[[Any, Community], None]]] = [
    ("home, signed out", SIGNED_OUT, signed_out_home),
    ("sign-in", SIGNED_OUT, sign_in_page),
    ("sign-in refused", SIGNED_OUT, sign_in_refused),
    ("registration", SIGNED_OUT, registration),
    ("registration with mistakes", SIGNED_OUT, registration_with_mistakes),
    ("registration mail sent", SIGNED_OUT, registration_sent),
    ("home", MEMBER, member_home),
    ("channel", MEMBER, channel),
    ("thread open", MEMBER, thread_open),
    ("stamp picker open", MEMBER, stamp_picker_open),
    ("message menu open", MEMBER, message_menu_open),
    ("search with results", MEMBER, search_results),
    ("channel directory", MEMBER, channel_directory),
    ("member page", MEMBER, member_page),
    ("mentions", MEMBER, mentions_page),
    ("threads", MEMBER, threads_page),
    ("notifications", MEMBER, notifications_page),
    ("notifications, empty", OPERATOR, notifications_page),
    ("profile settings", MEMBER, profile_settings),
    ("security settings", MEMBER, security_settings),
    ("notification settings", MEMBER, notification_settings),
    ("notification settings with mistakes", MEMBER, notification_settings_with_mistakes),
    ("unsubscribe confirmation", SIGNED_OUT, unsubscribe_confirmation),
    ("password", MEMBER, password_settings),
    ("access tokens", MEMBER, access_tokens),
    ("two-factor setup", OPERATOR_BEFORE_2FA, two_factor_setup),
    ("review queue", OPERATOR, review_queue),
    ("admin index", OPERATOR, admin_index),
    ("admin changelist", OPERATOR, admin_changelist),
]


def open_as(page: Any, live_server: Any, community: Community, who: str) -> None:
    if who == MEMBER:
        sign_in_as(page, community.hanako, live_server)
    elif who == OPERATOR:
        sign_in_as(page, community.operator, live_server)
    elif who == OPERATOR_BEFORE_2FA:
        sign_in_as(page, community.operator, live_server, second_factor=False)


@pytest.mark.parametrize(("state", "who", "reach"), STATES, ids=[state for state, _who, _reach in STATES])
def test_axe_finds_no_violation_at_desktop_and_phone_size(
    page: Any,
    live_server: Any,
    community: Community,
    state: str,
    who: str,
    reach: Callable[[Any, Community], None],
) -> None:
    open_as(page, live_server, community, who)
    found: dict[str, list[dict[str, Any]]] = {}
    for size_name, size in SIZES.items():
        page.set_viewport_size(size)
        reach(page, community)
        found[size_name] = violations(page)
    failures = "\n".join(
        f"{state} at {size_name}, {page.url}:\n{report(listed)}"
        for size_name, listed in found.items()
        if listed
    )
    assert not failures, f"axe found violations:\n{failures}"
    assert page.watch.console_errors == []
