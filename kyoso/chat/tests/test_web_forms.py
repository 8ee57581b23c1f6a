"""The chat UI's forms, through Django's test client: each works as a plain HTML form (redirect and a
notice, or the page again with the reason and the draft) and, sent by chat.js with
``X-Kyoso-Fragment: 1``, answers JSON with the changed piece of the page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kyoso.accounts.models import Member, Role
from kyoso.chat import actions
from kyoso.chat.models import (
    Attachment,
    Channel,
    Message,
    PostingPolicy,
    Reaction,
)
from kyoso.chat.tests import filesamples as samples
from kyoso.chat.tests.web import FRAGMENT, csrf_token, page, stream, textarea, url
from kyoso.testing.auth import force_login_verified
from kyoso.testing.factories import (
    make_channel,
    make_member,
    make_message,
    make_reaction,
    stamp_named,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: object, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root  # type: ignore[attr-defined]
    return root


# Posting


def test_posting_without_javascript_redirects_to_the_new_message(client: Client, channel: Channel) -> None:
    response = client.post(url("post", channel), {"text": "書かない窓口を始めました"})

    message = Message.objects.get(channel=channel)
    assert message.text == "書かない窓口を始めました"
    assert response.status_code == 302
    assert response["Location"] == f"{url('channel', channel)}#m-{message.pk}"
    body = page(client.get(response["Location"]))
    assert f'id="m-{message.pk}"' in stream(body)
    assert "書かない窓口を始めました" in body


def test_posting_with_javascript_answers_201_with_the_rendered_message(
    client: Client, channel: Channel
) -> None:
    response = client.post(url("post", channel), {"text": "**太字**の相談です"}, headers=FRAGMENT)

    assert response.status_code == 201
    data = response.json()
    message = Message.objects.get(channel=channel)
    assert data["ok"] is True and data["id"] == message.pk and data["thread_root_id"] is None
    assert data["html"].lstrip().startswith('<li class="message')
    assert f'id="m-{message.pk}"' in data["html"]
    assert "<strong>太字</strong>の相談です" in data["html"]


def test_reply_lands_in_the_thread_and_not_in_the_channel(
    client: Client, hanako: Member, channel: Channel
) -> None:
    root = make_message(channel, make_member(), "マイナンバーカードの交付予約、どうしていますか")

    response = client.post(url("post", channel), {"text": "うちはオンライン予約です", "thread": root.pk})

    reply = Message.objects.get(thread_root=root)
    assert response["Location"] == f"{url('thread', channel, root.pk)}#t-{reply.pk}"
    assert "うちはオンライン予約です" not in stream(page(client.get(url("channel", channel))))
    thread = page(client.get(response["Location"]))
    assert f'id="t-{reply.pk}"' in thread and "うちはオンライン予約です" in thread
    root.refresh_from_db()
    assert root.reply_count == 1


def test_reply_also_sent_to_the_channel_shows_in_both(client: Client, channel: Channel) -> None:
    root = make_message(channel, make_member(), "土曜開庁していますか")

    response = client.post(
        url("post", channel),
        {"text": "月に一度しています", "thread": root.pk, "also_in_channel": "1"},
        headers=FRAGMENT,
    )

    assert response.status_code == 201
    assert response.json()["thread_root_id"] == root.pk
    listed = stream(page(client.get(url("channel", channel))))
    assert "月に一度しています" in listed
    assert "スレッドへの返信" in listed


def test_posting_with_files_stores_them_with_the_message(
    client: Client, channel: Channel, media_root: Path
) -> None:
    files = [
        SimpleUploadedFile("令和7年度 予算.pdf", samples.MINIMAL_PDF),
        SimpleUploadedFile("窓口の写真.png", samples.image_bytes()),
    ]

    response = client.post(url("post", channel), {"text": "資料です", "files": files}, headers=FRAGMENT)

    assert response.status_code == 201
    message = Message.objects.get(channel=channel)
    stored = list(Attachment.objects.filter(message=message).order_by("id"))
    assert [(a.name, a.content_type) for a in stored] == [
        ("令和7年度 予算.pdf", "application/pdf"),
        ("窓口の写真.png", "image/png"),
    ]
    assert all((media_root / a.storage_path).is_file() for a in stored)
    assert "令和7年度 予算.pdf" in response.json()["html"]
    assert "窓口の写真.png" in page(client.get(url("channel", channel)))


@pytest.mark.parametrize("fragment", [False, True])
def test_disguised_file_is_refused_and_nothing_is_saved(
    client: Client, channel: Channel, media_root: Path, fragment: bool
) -> None:
    disguised = SimpleUploadedFile("申請書.pdf", samples.WINDOWS_EXECUTABLE)

    response = client.post(
        url("post", channel),
        {"text": "申請書を添付します", "files": [disguised]},
        headers=FRAGMENT if fragment else {},
    )

    assert response.status_code == 400
    if fragment:
        assert response.json()["error"]["code"] == "file_type_not_allowed"
    else:
        assert "このファイル形式は添付できません" in page(response)
        assert textarea(page(response)) == "申請書を添付します"
    assert not Message.objects.filter(channel=channel).exists()
    assert not Attachment.objects.exists()
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


@pytest.mark.parametrize("where", ["channel", "thread"])
def test_file_over_the_size_limit_is_refused_with_the_draft_still_in_the_box(
    client: Client, channel: Channel, settings: object, where: str
) -> None:
    settings.KYOSO_UPLOAD_MAX_BYTES = 1_000  # type: ignore[attr-defined]
    root = make_message(channel, make_member(), "資料をください")
    big = SimpleUploadedFile("大きな資料.pdf", samples.MINIMAL_PDF + b"%" * 5_000)
    form = {"thread": root.pk} if where == "thread" else {}

    response = client.post(url("post", channel), {**form, "text": "資料を送ります", "files": [big]})

    assert response.status_code == 413
    body = page(response)
    assert "ファイルが大きすぎるため添付できません。" in body
    assert textarea(body, "thread-reply" if where == "thread" else "composer") == "資料を送ります"
    assert Message.objects.filter(channel=channel).count() == 1
    assert not Attachment.objects.exists()


def test_file_over_the_size_limit_from_javascript_is_a_413_json_error(
    client: Client, channel: Channel, settings: object
) -> None:
    settings.KYOSO_UPLOAD_MAX_BYTES = 1_000  # type: ignore[attr-defined]
    big = SimpleUploadedFile("大きな資料.pdf", samples.MINIMAL_PDF + b"%" * 5_000)

    response = client.post(url("post", channel), {"text": "資料を送ります", "files": [big]}, headers=FRAGMENT)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"
    assert not Message.objects.filter(channel=channel).exists()


REFUSED_TEXTS = [
    pytest.param("", "empty_message", "メッセージが空です。", id="empty"),
    pytest.param("  \n\t ", "empty_message", "メッセージが空です。", id="whitespace"),
    pytest.param("あ" * 11, "message_too_long", "メッセージが長すぎます。", id="over-length"),
    pytest.param("下書き\x00です", "invalid_text", "メッセージに使えない文字が含まれています。", id="nul"),
    pytest.param(
        "ベル\x07が鳴る", "invalid_text", "メッセージに使えない文字が含まれています。", id="control"
    ),
]


@pytest.mark.parametrize(("text", "code", "reason"), REFUSED_TEXTS)
def test_refused_message_comes_back_with_the_reason_and_the_draft_still_in_the_box(
    client: Client, channel: Channel, settings: object, text: str, code: str, reason: str
) -> None:
    settings.KYOSO_MESSAGE_MAX_LENGTH = 10  # type: ignore[attr-defined]

    response = client.post(url("post", channel), {"text": text})

    assert response.status_code == 400
    body = page(response)
    assert re.search(
        rf'class="composer__error" role="alert" data-composer-error>{re.escape(reason)}</p>', body
    )
    assert textarea(body) == text
    assert not Message.objects.filter(channel=channel).exists()


@pytest.mark.parametrize(("text", "code", "reason"), REFUSED_TEXTS)
def test_refused_message_from_javascript_is_a_json_error(
    client: Client, channel: Channel, settings: object, text: str, code: str, reason: str
) -> None:
    settings.KYOSO_MESSAGE_MAX_LENGTH = 10  # type: ignore[attr-defined]

    response = client.post(url("post", channel), {"text": text}, headers=FRAGMENT)

    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": {"code": code, "message": reason}}
    assert not Message.objects.filter(channel=channel).exists()


def test_refused_reply_comes_back_in_the_thread_pane_with_its_draft(
    client: Client, channel: Channel, settings: object
) -> None:
    settings.KYOSO_MESSAGE_MAX_LENGTH = 10  # type: ignore[attr-defined]
    root = make_message(channel, make_member(), "相談です")

    response = client.post(url("post", channel), {"text": "返信" * 6, "thread": root.pk})

    assert response.status_code == 400
    body = page(response)
    assert textarea(body, "thread-reply") == "返信" * 6
    assert textarea(body, "composer") == ""
    assert "メッセージが長すぎます。" in body
    assert not Message.objects.filter(thread_root=root).exists()


def test_refused_draft_cannot_break_out_of_the_message_box(
    client: Client, channel: Channel, settings: object
) -> None:
    settings.KYOSO_MESSAGE_MAX_LENGTH = 20  # type: ignore[attr-defined]
    draft = "</textarea><script>alert(1)</script>" + "あ" * 20

    body = page(client.post(url("post", channel), {"text": draft}))

    assert "<script>alert(1)" not in body
    assert textarea(body) == draft


def test_html_in_a_message_is_shown_as_text(client: Client, channel: Channel) -> None:
    text = "<script>alert('x')</script><img src=x onerror=alert(1)> と <b>太字</b>"

    fragment = client.post(url("post", channel), {"text": text}, headers=FRAGMENT).json()["html"]
    body = page(client.get(url("channel", channel)))

    for rendered in (fragment, stream(body)):
        assert "<script>alert" not in rendered
        assert "<img" not in rendered
        assert "<b>太字</b>" not in rendered
        assert "&lt;script&gt;alert" in rendered


def test_html_in_names_and_messages_is_escaped_on_every_page(client: Client, hanako: Member) -> None:
    author = make_member(display_name="<img src=x onerror=alert(1)>")
    room = make_channel("<b>窓口</b>", creator=author, members=[hanako], purpose="<script>alert(2)</script>")
    message = make_message(room, author, f"<script>alert(3)</script> @[花子](member:{hanako.pk})")
    make_message(room, hanako, "返信", thread=message)
    make_reaction(message, author)
    actions.save_message(member=hanako, message=message)

    for path in (
        url("channel", room),
        url("thread", room, message.pk),
        url("reactions", room, message.pk),
        url("pinned", room),
        "/mentions/",
        "/saved/",
        "/threads/",
    ):
        body = page(client.get(path))
        for raw in ("<img src=x", "<script>alert", "<b>窓口</b>"):
            assert raw not in body, f"{raw} unescaped on {path}"


def test_posting_needs_the_csrf_token(hanako: Member, channel: Channel) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(hanako)

    refused = browser.post(url("post", channel), {"text": "偽のフォームから"})
    assert refused.status_code == 403
    assert not Message.objects.filter(channel=channel).exists()

    token = csrf_token(browser, url("channel", channel))
    accepted = browser.post(
        url("post", channel), {"text": "本物のフォームから", "csrfmiddlewaretoken": token}
    )
    assert accepted.status_code == 302
    assert Message.objects.get(channel=channel).text == "本物のフォームから"


@pytest.mark.parametrize("action", ["edit", "delete", "stamp", "pin", "save", "follow"])
def test_message_actions_need_the_csrf_token(hanako: Member, channel: Channel, action: str) -> None:
    message = make_message(channel, hanako, "元の文")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(hanako)

    response = browser.post(
        url(action, channel, message.pk), {"text": "書き換え", "stamp": stamp_named().pk}, headers=FRAGMENT
    )

    assert response.status_code == 403
    message.refresh_from_db()
    assert (message.text, message.deleted_at, message.pinned_at) == ("元の文", None, None)
    assert not Reaction.objects.exists()


# Who may write where


def test_non_member_of_a_public_channel_sees_a_join_button_instead_of_the_composer(
    client: Client, hanako: Member
) -> None:
    public = make_channel("子育て支援", creator=make_member())

    body = page(client.get(url("channel", public)))

    assert f'action="{url("join", public)}"' in body
    assert "#子育て支援 に参加" in body
    assert "data-composer" not in body


def test_non_member_joins_a_public_channel_and_then_posts(client: Client, hanako: Member) -> None:
    public = make_channel("子育て支援", creator=make_member())

    before = client.post(url("post", public), {"text": "参加前の投稿"}, headers=FRAGMENT)
    assert before.status_code == 403
    assert before.json()["error"]["code"] == "not_allowed_to_post"

    joined = client.post(url("join", public))
    assert joined.status_code == 302 and joined["Location"] == url("channel", public)
    body = page(client.get(joined["Location"]))
    assert "#子育て支援 に参加しました。" in body
    assert "data-composer" in body

    assert client.post(url("post", public), {"text": "参加後の投稿"}).status_code == 302
    assert [m.text for m in Message.objects.filter(channel=public)] == ["参加後の投稿"]


@pytest.fixture
def announcements(hanako: Member) -> Channel:
    operator = make_member(role=Role.OPERATOR)
    news = make_channel(
        "お知らせ", creator=operator, posting_policy=PostingPolicy.OPERATORS, members=[hanako]
    )
    make_message(news, operator, "メンテナンスのお知らせ")
    return news


def test_announcement_channel_refuses_a_members_post(client: Client, announcements: Channel) -> None:
    body = page(client.get(url("channel", announcements)))
    assert "お知らせチャンネルです。投稿できるのは運営だけです。" in body
    assert 'id="composer"' not in body

    assert client.post(url("post", announcements), {"text": "質問です"}, headers=FRAGMENT).status_code == 403
    assert client.post(url("post", announcements), {"text": "質問です"}).status_code == 403
    assert not Message.objects.filter(channel=announcements, text="質問です").exists()


def test_operator_posts_in_an_announcement_channel(announcements: Channel) -> None:
    operator = announcements.created_by
    assert operator is not None
    browser = Client()
    force_login_verified(browser, operator)
    assert browser.post(url("post", announcements), {"text": "来週の勉強会"}).status_code == 302
    assert Message.objects.filter(channel=announcements, text="来週の勉強会").exists()


def test_announcement_thread_pane_offers_a_reply_box_only_if_the_reply_is_accepted(
    client: Client, announcements: Channel
) -> None:
    root = Message.objects.get(channel=announcements)
    offers_reply_box = 'id="thread-reply"' in page(client.get(url("thread", announcements, root.pk)))

    response = client.post(
        url("post", announcements), {"text": "質問です", "thread": root.pk}, headers=FRAGMENT
    )

    assert offers_reply_box == (response.status_code == 201), (
        f"the thread pane {'offers' if offers_reply_box else 'hides'} a reply box, "
        f"but a reply is answered {response.status_code}"
    )


def test_archived_channel_refuses_posts(client: Client, hanako: Member, channel: Channel) -> None:
    actions.archive_channel(member=hanako, channel=channel)

    body = page(client.get(url("channel", channel)))
    assert "このチャンネルはアーカイブされています。読むことはできますが、投稿はできません。" in body
    assert 'id="composer"' not in body

    response = client.post(url("post", channel), {"text": "まだ書けますか"}, headers=FRAGMENT)
    # One status table for pages and the API: an archived channel is a conflict with its state.
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "channel_archived"
    assert not Message.objects.filter(channel=channel).exists()


@pytest.mark.parametrize("where", ["announcement", "archived", "not joined"])
def test_refused_post_without_javascript_says_why_even_where_the_page_has_no_message_box(
    client: Client, hanako: Member, announcements: Channel, where: str
) -> None:
    if where == "announcement":
        target = announcements
    elif where == "archived":
        target = make_channel("旧チャンネル", creator=hanako)
        actions.archive_channel(member=hanako, channel=target)
    else:
        target = make_channel("子育て支援", creator=make_member())

    response = client.post(url("post", target), {"text": "書けますか"})

    assert response.status_code in (403, 409)
    reason = {"archived": "このチャンネルはアーカイブされています。"}.get(
        where, "このチャンネルには投稿できません。"
    )
    shown = re.search(rf'role="alert"[^>]*>\s*{re.escape(reason)}', page(response))
    assert shown, "the page refuses the post without saying why"
