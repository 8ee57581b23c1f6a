"""The base layout and the home page, through Django's test client."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import Client

from kyoso.chat.models import ChannelKind
from kyoso.testing.factories import make_channel, make_member, make_message, make_organization

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    # The public numbers are cached for a minute; each test counts its own rows.
    cache.clear()


def html_lang(response: object) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())  # type: ignore[attr-defined]
    assert match, "no <html lang>"
    return match.group(1)


def test_pages_are_in_japanese_by_default(client: Client) -> None:
    response = client.get("/")
    assert html_lang(response) == "ja"
    assert "ホーム" in response.content.decode()


def test_an_english_browser_still_gets_japanese_until_the_member_switches(client: Client) -> None:
    response = client.get("/", headers={"accept-language": "en-US,en;q=0.9"})
    assert html_lang(response) == "ja"
    assert response.headers["Content-Language"] == "ja"


def test_switching_language_to_english_changes_html_lang_and_text(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    response = client.get("/")
    assert html_lang(response) == "en"
    body = response.content.decode()
    assert "Home" in body
    assert "ホーム" not in body


def test_every_page_has_a_skip_link_and_landmarks(client: Client) -> None:
    body = client.get("/").content.decode()
    skip = re.search(r'<a class="skip-link" href="#main">', body)
    assert skip, "skip link missing"
    # The skip link is the first thing a keyboard reaches: nothing focusable comes before it.
    before = body[: skip.start()]
    assert "<a " not in before.split("<body", 1)[1]
    assert '<main id="main"' in body
    for landmark in ("<header", "<nav", "<footer"):
        assert landmark in body
    assert 'role="status"' in body


def test_pages_send_a_strict_content_security_policy(client: Client) -> None:
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "default-src 'self'" in policy


def test_pages_have_no_inline_styles_or_scripts(client: Client) -> None:
    member = make_member()
    client.force_login(member)
    body = client.get("/").content.decode()
    assert " style=" not in body
    assert "<style" not in body
    for script in re.findall(r"<script[^>]*>", body):
        assert 'src="' in script


def test_signed_out_home_explains_kyoso_and_shows_public_numbers(client: Client) -> None:
    city = make_organization("久留米市")
    ward = make_organization("横浜市中区")
    author = make_member(city)
    make_member(ward)
    make_member(ward, status="pending")  # not counted: not yet approved
    public = make_channel("窓口業務", creator=author)
    make_message(public, author, "住民票の郵送請求について")
    secret = make_channel("運営会議", creator=author, kind=ChannelKind.PRIVATE)
    make_message(secret, author, "非公開の話")

    body = client.get("/").content.decode()

    assert "共創" in body
    # What it offers, and only what exists (no study sessions yet).
    assert "日本語で探せる" in body
    assert "勉強会" not in body
    assert 'href="/accounts/sign-in/"' in body
    found = re.search(r'<dl class="stats">(.*?)</dl>', body, re.S)
    assert found is not None
    stats = found.group(1)
    numbers = re.findall(r'<span class="stats__number">(\d+)</span>', stats)
    assert numbers == ["2", "2", "1", "1"]  # members, organisations, public channels, messages


def test_signed_in_home_welcomes_the_member_with_channels_and_recent_activity(client: Client) -> None:
    city = make_organization("久留米市")
    me = make_member(city, display_name="久留米 花子")
    other = make_member(make_organization("八女市"))
    channel = make_channel("子育て支援", creator=other, members=[me])
    make_message(channel, other, "児童手当の現況届、今年はどうしていますか")
    make_message(channel, other, "オンライン申請の導入事例を探しています")
    secret = make_channel("幹事会", creator=other, kind=ChannelKind.PRIVATE)
    make_message(secret, other, "これは見えてはいけない")
    client.force_login(me)

    body = client.get("/").content.decode()

    assert "ようこそ、久留米 花子さん" in body
    assert "子育て支援" in body
    assert re.search(r'<span class="badge" data-unread-count="2"><span aria-hidden="true">2</span>', body)
    assert "オンライン申請の導入事例を探しています" in body
    assert "これは見えてはいけない" not in body


def test_header_shows_the_member_name_and_affiliation_and_a_sign_out_form(client: Client) -> None:
    me = make_member(make_organization("久留米市"), display_name="久留米 花子", department="市民課")
    client.force_login(me)
    body = client.get("/").content.decode()
    assert "久留米 花子" in body
    assert "久留米市 · 市民課" in body
    assert re.search(r'<form action="/accounts/sign-out/" method="post">', body)


def test_not_found_page_is_in_japanese_and_uses_the_layout(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "ページが見つかりません" in body
    assert 'class="skip-link"' in body


@pytest.mark.django_db(databases=[])
def test_server_error_page_renders_without_the_database() -> None:
    # Rendered as Django's server_error does: no request, no context processors.
    body = render_to_string("500.html")
    assert "サーバーでエラーが発生しました" in body
    assert '<main id="main"' in body
    assert "csrfmiddlewaretoken" not in body
