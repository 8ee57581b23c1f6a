"""Bad input gets a clear error and changes nothing; every character that is fine comes back exactly."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from kyoso.accounts.models import Member
from kyoso.api.tests.conftest import Api, error_code
from kyoso.chat.models import Channel, Message
from kyoso.testing.factories import make_channel, make_member, make_message

pytestmark = pytest.mark.django_db

ApiAs = Callable[[Member], Api]


@pytest.fixture
def me() -> Member:
    return make_member()


@pytest.fixture
def channel(me: Member) -> Channel:
    return make_channel("窓口DX", creator=me)


def assert_refused(response: object, status: int, code: str, channel: Channel) -> None:
    assert response.status_code == status, response.content  # type: ignore[attr-defined]
    assert error_code(response) == code  # type: ignore[arg-type]
    assert response.json()["error"]["message"]  # type: ignore[attr-defined]
    assert not Message.objects.filter(channel=channel).exists()


@pytest.mark.parametrize("text", ["", " ", "\n\t　\n"])
def test_empty_or_blank_messages_are_refused(api_as: ApiAs, me: Member, channel: Channel, text: str) -> None:
    response = api_as(me).post(f"/channels/{channel.pk}/messages", {"text": text})
    assert_refused(response, 400, "empty_message", channel)
    assert response.json()["error"]["message"] == "メッセージが空です。"


def test_a_message_over_the_length_limit_is_refused(
    api_as: ApiAs, me: Member, channel: Channel, settings: object
) -> None:
    settings.KYOSO_MESSAGE_MAX_LENGTH = 20  # type: ignore[attr-defined]
    api = api_as(me)
    assert_refused(
        api.post(f"/channels/{channel.pk}/messages", {"text": "あ" * 21}), 400, "message_too_long", channel
    )
    assert api.post(f"/channels/{channel.pk}/messages", {"text": "あ" * 20}).status_code == 201


def test_an_edit_over_the_length_limit_changes_nothing(
    api_as: ApiAs, me: Member, channel: Channel, settings: object
) -> None:
    message = make_message(channel, me, "初稿")
    settings.KYOSO_MESSAGE_MAX_LENGTH = 20  # type: ignore[attr-defined]
    response = api_as(me).patch(f"/messages/{message.pk}", {"text": "あ" * 21})
    assert (response.status_code, error_code(response)) == (400, "message_too_long")
    message.refresh_from_db()
    assert (message.text, message.edited_at) == ("初稿", None)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"text": "\\ud800"}',  # a lone high surrogate, escaped in otherwise valid JSON
        b'{"text": "abc\\udfff def"}',  # a lone low surrogate
        b'{"text": "\\u0000"}',  # NUL
        b'{"text": "bell \\u0007"}',  # a control character
        b'{"text": "\xed\xa0\x80"}',  # a surrogate encoded as if it were UTF-8 (CESU-8)
    ],
)
def test_broken_unicode_in_json_is_refused(api_as: ApiAs, me: Member, channel: Channel, raw: bytes) -> None:
    response = api_as(me).post(f"/channels/{channel.pk}/messages", raw=raw)
    assert_refused(response, 400, "invalid_text", channel)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"text": "\xff\xfe broken"}',  # not UTF-8
        b'{"text": ',  # not JSON
        b'["text"]',  # JSON, but not an object
    ],
)
def test_a_body_that_is_not_utf8_json_is_refused(
    api_as: ApiAs, me: Member, channel: Channel, raw: bytes
) -> None:
    response = api_as(me).post(f"/channels/{channel.pk}/messages", raw=raw)
    assert_refused(response, 400, "unreadable_body", channel)


def test_broken_unicode_in_an_edit_changes_nothing(api_as: ApiAs, me: Member, channel: Channel) -> None:
    message = make_message(channel, me, "初稿")
    response = api_as(me).call("patch", f"/messages/{message.pk}", raw=b'{"text": "\\ud800"}')
    assert (response.status_code, error_code(response)) == (400, "invalid_text")
    message.refresh_from_db()
    assert message.text == "初稿"


def test_html_and_script_are_kept_as_text_and_rendered_escaped(
    api_as: ApiAs, me: Member, channel: Channel
) -> None:
    text = '<script>alert("x")</script><img src=x onerror=alert(1)> <b>太字</b> [押して](javascript:alert(1))'
    response = api_as(me).post(f"/channels/{channel.pk}/messages", {"text": text})
    assert response.status_code == 201
    posted = response.json()
    assert posted["text"] == text
    html = posted["html"]
    # Every tag the member typed is shown as text; nothing in it is an element or a link.
    assert html.count("<") == html.count("</p>") + html.count("<p>")
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "href" not in html


@pytest.mark.parametrize(
    "text",
    [
        "𠮷野家の𠮷は土の吉",  # outside the BMP (surrogate pair in JSON)
        "葛\U000e0100飾区と葛\U000e0101城市",  # 異体字 with ideographic variation selectors
        "髙橋と高橋、﨑と崎",  # variants within the BMP that NFKC would not fold, and must not
        "👨‍👩‍👧 家族 🙇‍♀️ 🇯🇵",  # emoji ZWJ sequences and a flag
        "が と が",  # precomposed, then か + combining dakuten: neither normalised
        "ｶﾀｶﾅ ＡＢＣ １２３",  # half- and full-width forms kept as typed
    ],
)
def test_variant_characters_emoji_and_combining_marks_come_back_exactly(
    api_as: ApiAs, me: Member, channel: Channel, text: str
) -> None:
    api = api_as(me)
    posted = api.post(f"/channels/{channel.pk}/messages", {"text": text}).json()
    assert posted["text"] == text
    again = api.get(f"/messages/{posted['id']}").json()
    assert again["text"] == text
    assert unicodedata.normalize("NFC", again["text"]) == unicodedata.normalize("NFC", text)
    assert Message.objects.get(pk=posted["id"]).text == text


def test_a_multipart_message_keeps_variant_characters_too(
    api_as: ApiAs, me: Member, channel: Channel
) -> None:
    text = "葛\U000e0100飾区の𠮷田です 🙇"
    posted = api_as(me).multipart(f"/channels/{channel.pk}/messages", {"text": text}).json()
    assert posted["text"] == text


def test_validation_errors_name_the_field(api_as: ApiAs, me: Member, channel: Channel) -> None:
    response = api_as(me).post(f"/channels/{channel.pk}/messages", {"text": "x", "thread_root_id": "abc"})
    assert_refused(response, 400, "invalid_input", channel)
    fields = [f["field"] for f in response.json()["error"]["fields"]]
    assert any(f.endswith("thread_root_id") for f in fields)


def test_error_messages_follow_the_members_language_cookie_not_accept_language(
    me: Member, channel: Channel
) -> None:
    from kyoso.api.tests.conftest import token_for

    secret = token_for(me)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    url = f"/api/v1/channels/{channel.pk}/messages"
    japanese = client.post(url, data=json.dumps({"text": " "}), content_type="application/json", **headers)
    assert japanese.json()["error"]["message"] == "メッセージが空です。"
    client.cookies["django_language"] = "en"
    english = client.post(
        url, data=json.dumps({"text": "x" * 10_001}), content_type="application/json", **headers
    )
    assert english.json()["error"] == {"code": "message_too_long", "message": "The message is too long."}
