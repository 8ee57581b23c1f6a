"""Recovery codes (回復コード) as a .txt file: once, right after they were made, to their owner only,
never stored by a cache; and the calm, grouped two-factor setup page."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client

from kyoso.accounts.actions.recovery_download import RECOVERY_CODES_DOWNLOAD
from kyoso.accounts.actions.security import PENDING_TOTP_SECRET, accept_recovery_code
from kyoso.accounts.models import Member, Role
from kyoso.accounts.tests.security_support import fresh_login
from kyoso.accounts.tests.test_two_factor import enrol
from kyoso.testing.auth import totp_code
from kyoso.testing.factories import DEFAULT_PASSWORD, make_member

pytestmark = pytest.mark.django_db

DOWNLOAD = "/accounts/security/two-factor/recovery-codes/download/"
REGENERATE = "/accounts/security/two-factor/recovery-codes/"
ENROL = "/accounts/security/two-factor/"


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def enrolled(client: Client, *, email: str | None = None) -> tuple[Member, list[str]]:
    member = make_member(email=email, password=DEFAULT_PASSWORD)
    fresh_login(client, member)
    _secret, codes = enrol(client)
    assert len(codes) == 10
    return member, codes


def assert_refused(client: Client) -> None:
    response = client.post(DOWNLOAD, follow=True)
    assert response.redirect_chain[0] == ("/accounts/security/", 302)
    assert "Content-Disposition" not in response
    assert "一度だけダウンロードできます" in response.content.decode()


def test_codes_just_made_download_once_as_a_text_attachment_that_no_cache_keeps(client: Client) -> None:
    _member, codes = enrolled(client, email="hanako@city.kurume.lg.jp")

    response = client.post(DOWNLOAD)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="kyoso-recovery-codes.txt"'
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    # One code a line, CRLF for Notepad.
    assert re.findall(r"^([0-9a-f]{5}-[0-9a-f]{5})\r$", text, re.MULTILINE) == codes
    assert "hanako@city.kurume.lg.jp" in text and "一度だけ使えます" in text
    # Taken out of the session by the first download.
    assert RECOVERY_CODES_DOWNLOAD not in client.session
    assert_refused(client)


def test_the_page_showing_the_codes_is_never_stored_and_offers_copy_and_download(client: Client) -> None:
    member = make_member(password=DEFAULT_PASSWORD)
    fresh_login(client, member)
    client.get(ENROL)

    page = client.post(ENROL, {"code": totp_code(client.session[PENDING_TOTP_SECRET], at=time.time() - 30)})
    body = page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert 'data-copy-target="recovery-codes"' in body
    assert f'action="{DOWNLOAD}"' in body
    # The session keeps the list encrypted, never in clear.
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", body)
    kept = str(client.session[RECOVERY_CODES_DOWNLOAD])
    assert codes and not any(code in kept for code in codes)


def test_a_list_with_a_used_code_is_not_served(client: Client) -> None:
    member, codes = enrolled(client)
    assert accept_recovery_code(member, codes[3])
    assert_refused(client)


def test_new_codes_replace_the_old_list_and_only_the_new_one_downloads(client: Client) -> None:
    _member, old_codes = enrolled(client)
    page = client.post(REGENERATE).content.decode()
    new_codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", page)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)

    text = client.post(DOWNLOAD).content.decode()
    assert all(code in text for code in new_codes)
    assert not any(code in text for code in old_codes)


def test_another_members_list_is_refused_even_with_their_session_data(client: Client) -> None:
    _owner, codes = enrolled(client)
    stolen = client.session[RECOVERY_CODES_DOWNLOAD]

    other_client = Client()
    enrolled(other_client)
    session = other_client.session
    session[RECOVERY_CODES_DOWNLOAD] = stolen
    session.save()

    response = other_client.post(DOWNLOAD)
    assert response.status_code == 302
    assert not any(code in response.content.decode() for code in codes)


def test_the_download_closes_after_its_window(client: Client) -> None:
    enrolled(client)
    session = client.session
    session[RECOVERY_CODES_DOWNLOAD] = {**session[RECOVERY_CODES_DOWNLOAD], "until": int(time.time()) - 1}
    session.save()
    assert_refused(client)


def test_download_without_codes_made_here_is_refused_and_get_is_not_allowed(client: Client) -> None:
    member = make_member(password=DEFAULT_PASSWORD)
    fresh_login(client, member)
    assert client.get(DOWNLOAD).status_code == 405
    assert_refused(client)


def test_signed_out_people_are_sent_to_sign_in(client: Client) -> None:
    response = client.post(DOWNLOAD)
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


# ---- The setup page ----------------------------------------------------------------------------


def test_setup_page_groups_the_key_in_blocks_of_four_and_keeps_it_whole_for_copying(client: Client) -> None:
    fresh_login(client, make_member(password=DEFAULT_PASSWORD))
    response = client.get(ENROL)
    body = response.content.decode()
    secret = client.session[PENDING_TOTP_SECRET]

    shown = re.search(r'<code class="setup-key__value" id="totp-secret"[^>]*>(.*?)</code>', body, re.DOTALL)
    assert shown is not None
    groups = re.findall(r"<span>([A-Z2-7]+)</span>", shown.group(1))
    assert "".join(groups) == secret
    assert all(len(group) == 4 for group in groups[:-1]) and 0 < len(groups[-1]) <= 4
    assert f'data-copy-text="{secret}"' in body
    # Three steps, in order.
    steps = re.findall(r'<h2 class="setup-step__title">(.*?)</h2>', body)
    assert steps == ["認証アプリを用意する", "kyoso をアプリに追加する", "確認コードを入力する"]
    assert "no-store" in response["Cache-Control"]


def test_an_operator_is_sent_to_setup_with_a_calm_notice_not_an_error(client: Client) -> None:
    operator = make_member(password=DEFAULT_PASSWORD, role=Role.OPERATOR)
    signed_in = client.post("/accounts/sign-in/", {"username": operator.email, "password": DEFAULT_PASSWORD})
    assert signed_in["Location"] == ENROL

    body = client.get(ENROL).content.decode()
    assert '<p class="notice notice--info" data-two-factor-required>' in body
    assert "notice--warning" not in body and "notice--error" not in body


def test_a_member_who_may_skip_setup_is_shown_the_way_back_not_a_sign_out(client: Client) -> None:
    fresh_login(client, make_member(password=DEFAULT_PASSWORD))
    body = client.get(ENROL).content.decode()
    assert "data-two-factor-required" not in body
    assert 'href="/accounts/security/"' in body
