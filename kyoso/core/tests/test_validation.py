"""Ids and bodies a member sends are refused with a 4xx at every edge, never a 500.

Security findings 4 (huge ids, deeply nested JSON, an unreadable multipart body) and 11 (a thread's
read position past its newest reply).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from kyoso.accounts.models import Member
from kyoso.api.tests.conftest import Api, error_code, token_for
from kyoso.chat import actions
from kyoso.chat.models import Channel, ChannelMembership, Message, ThreadFollow
from kyoso.core.validation import (
    MAX_ID,
    InvalidId,
    TooDeeplyNested,
    check_json_depth,
    parse_id,
)
from kyoso.testing.auth import force_login_verified
from kyoso.testing.factories import make_channel, make_member, make_message

ApiAs = Callable[[Member], Api]
Thread = tuple[Member, Member, Message]
HUGE = "99999999999999999999999"


# ---- The layer itself ---------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["1", "42", str(MAX_ID)])
def test_parse_id_reads_ids_of_the_database(raw: str) -> None:
    assert parse_id(raw, field="id") == int(raw)


@pytest.mark.parametrize(
    "raw", ["", "0", "-1", "+1", " 1", "1.0", "１２", "٣", str(MAX_ID + 1), HUGE, "9" * 5000]
)
def test_parse_id_refuses_anything_else(raw: str) -> None:
    with pytest.raises(InvalidId) as refused:
        parse_id(raw, field="id")
    assert (refused.value.status, refused.value.code) == (400, "invalid_id")


def test_parse_id_takes_zero_as_a_position() -> None:
    assert parse_id("0", field="after", minimum=0) == 0


def test_json_depth_counts_brackets_outside_strings_only() -> None:
    check_json_depth(json.dumps({"text": "[" * 1000, "a": [[[1]]]}))
    check_json_depth("[" * 32 + "]" * 32)
    with pytest.raises(TooDeeplyNested):
        check_json_depth("[" * 33 + "]" * 33)
    with pytest.raises(TooDeeplyNested):
        check_json_depth(b'{"a":' * 100_000)


# ---- The API -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def clean_cache() -> Iterator[None]:
    # Rate-limit budgets live in the cache: one test's refusals must not refuse the next test's calls.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_as() -> ApiAs:
    return lambda member: Api(Client(), token_for(member))


@pytest.fixture
def me(db: object) -> Member:
    return make_member()


@pytest.fixture
def channel(me: Member) -> Channel:
    return make_channel("窓口DX", creator=me)


def assert_client_error(response: object, status: int = 400) -> None:
    assert response.status_code == status, response.content  # type: ignore[attr-defined]
    assert response.json()["error"]["message"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "path",
    [
        f"/messages/{HUGE}",
        f"/messages/{HUGE}/thread",
        f"/channels/{HUGE}",
        f"/channels/{HUGE}/messages",
        f"/files/{HUGE}",
        f"/members?channel_id={HUGE}",
    ],
)
def test_api_refuses_huge_ids_in_paths_and_queries(api_as: ApiAs, me: Member, path: str) -> None:
    api = api_as(me)
    response = api.client.get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {api.secret}")
    assert_client_error(response)


def test_api_refuses_huge_history_cursors(api_as: ApiAs, me: Member, channel: Channel) -> None:
    assert_client_error(api_as(me).get(f"/channels/{channel.pk}/messages", before=HUGE))
    assert_client_error(api_as(me).get(f"/channels/{channel.pk}/messages", after=HUGE))


def test_api_refuses_huge_ids_in_bodies(api_as: ApiAs, me: Member, channel: Channel) -> None:
    api = api_as(me)
    reply = api.post(f"/channels/{channel.pk}/messages", {"text": "返信", "thread_root_id": int(HUGE)})
    assert_client_error(reply)
    assert_client_error(api.post(f"/channels/{channel.pk}/members", {"member_id": int(HUGE)}))
    assert_client_error(api.post(f"/channels/{channel.pk}/read", {"up_to": int(HUGE)}))
    root = make_message(channel, me, "スレッド")
    assert_client_error(api.post(f"/messages/{root.pk}/thread/read", {"up_to": int(HUGE)}))


@pytest.mark.parametrize("depth", [100, 100_000])
def test_api_refuses_deeply_nested_json(api_as: ApiAs, me: Member, channel: Channel, depth: int) -> None:
    body = ('{"text": ' * depth + '"x"' + "}" * depth).encode()
    api = api_as(me)
    for path in (f"/channels/{channel.pk}/messages", f"/channels/{channel.pk}/read"):
        response = api.post(path, raw=body)
        assert_client_error(response)
        assert error_code(response) == "too_deeply_nested"


def _multipart_with_a_long_file_name() -> tuple[bytes, str]:
    boundary = "kyosoBoundary"
    name = "あ" * 3000 + ".txt"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="text"\r\n\r\n本文\r\n'
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="files"; filename="{name}"\r\n'
        "Content-Type: text/plain\r\n\r\nhello\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_api_refuses_an_unreadable_multipart_body(api_as: ApiAs, me: Member, channel: Channel) -> None:
    api = api_as(me)
    body, content_type = _multipart_with_a_long_file_name()
    response = api.client.post(
        f"/api/v1/channels/{channel.pk}/messages",
        data=body,
        content_type=content_type,
        HTTP_AUTHORIZATION=f"Bearer {api.secret}",
    )
    assert_client_error(response)
    assert error_code(response) == "unreadable_upload"


# ---- Pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("enforce_csrf", [False, True])
def test_pages_refuse_an_unreadable_multipart_body(me: Member, channel: Channel, enforce_csrf: bool) -> None:
    # With the CSRF check on, Django reads the form before any view runs; without, the view does.
    client = Client(enforce_csrf_checks=enforce_csrf)
    force_login_verified(client, me)
    client.cookies[settings.CSRF_COOKIE_NAME] = "k" * 32  # a cookie, so the check goes on to the form
    body, content_type = _multipart_with_a_long_file_name()
    url = reverse("chat:post", args=[channel.slug])
    page = client.post(url, data=body, content_type=content_type)
    assert page.status_code == 400
    script = client.post(url, data=body, content_type=content_type, HTTP_X_KYOSO_FRAGMENT="1")
    assert script.status_code == 400
    assert script.json()["error"]["code"] == "unreadable_upload"


def test_web_read_marker_refuses_a_huge_up_to(client: Client, me: Member, channel: Channel) -> None:
    force_login_verified(client, me)
    make_message(channel, me, "既読")
    url = reverse("chat:read", args=[channel.slug])
    for up_to in (HUGE, str(MAX_ID + 1)):
        response = client.post(url, {"up_to": up_to}, HTTP_X_KYOSO_FRAGMENT="1")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_id"
    # The largest id there is clamps to the newest message, as any id past it does.
    response = client.post(url, {"up_to": str(MAX_ID)}, HTTP_X_KYOSO_FRAGMENT="1")
    assert response.status_code == 200


def test_search_refuses_a_huge_cursor(client: Client, me: Member, channel: Channel, api_as: ApiAs) -> None:
    make_message(channel, me, "予約の窓口")
    force_login_verified(client, me)
    for params in ({"cursor": HUGE}, {"cursor": f"1.5_{HUGE}", "sort": "relevance"}):
        page = client.get("/search/", {"q": "予約", **params})
        assert page.status_code == 400
        assert_client_error(api_as(me).get("/search/messages", q="予約", **params))


# ---- Finding 11: a thread's read position stays within its replies ------------------------------


@pytest.fixture
def thread(me: Member, channel: Channel) -> Thread:
    other = make_member()
    root = make_message(channel, other, "相談です")
    make_message(channel, other, "補足です", thread=root)
    actions.follow_thread(member=me, thread=root)
    return me, other, root


def _position(member: Member, root: Message) -> int:
    return ThreadFollow.objects.get(member=member, thread_root=root).last_read_reply_id


def test_thread_read_marker_clamps_to_the_newest_reply(thread: Thread, channel: Channel) -> None:
    me, other, root = thread
    newest = actions.mark_thread_read(member=me, thread=root, up_to=10**15)
    later = make_message(channel, other, "その後の返信", thread=root)
    assert _position(me, root) == newest < later.pk
    # The channel's marker already did the same.
    assert actions.mark_channel_read(member=me, channel=channel, up_to=10**15) < 10**15
    assert ChannelMembership.objects.get(member=me, channel=channel).last_read_message_id < 10**15


def test_api_thread_read_marker_clamps_to_the_newest_reply(
    thread: Thread, channel: Channel, api_as: ApiAs
) -> None:
    me, other, root = thread
    response = api_as(me).post(f"/messages/{root.pk}/thread/read", {"up_to": 10**15})
    assert response.status_code == 200, response.content
    later = make_message(channel, other, "その後の返信", thread=root)
    assert response.json()["last_read_reply_id"] == _position(me, root) < later.pk
    thread_page = api_as(me).get(f"/messages/{root.pk}/thread")
    assert thread_page.status_code == 200


def test_web_thread_page_marks_the_thread_read_up_to_its_newest_reply(
    client: Client, thread: Thread, channel: Channel
) -> None:
    me, other, root = thread
    later = make_message(channel, other, "その後の返信", thread=root)
    force_login_verified(client, me)
    assert client.get(reverse("chat:thread", args=[channel.slug, root.pk])).status_code == 200
    assert _position(me, root) == later.pk


@pytest.mark.parametrize(
    "path",
    [
        f"/channels/somewhere/threads/{HUGE}/",
        f"/channels/somewhere/messages/{HUGE}/actions/",
        f"/channels/files/{HUGE}/thumbnail/",
        f"/channels/stamps/{HUGE}/image/",
    ],
)
def test_pages_answer_404_for_huge_ids_in_the_path(client: Client, me: Member, path: str) -> None:
    force_login_verified(client, me)
    assert client.get(path).status_code == 404
