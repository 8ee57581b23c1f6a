"""Files are served only to members who can read the message, as downloads the browser cannot run."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from kyoso.accounts.models import Member, MemberStatus
from kyoso.chat import actions
from kyoso.chat.models import Attachment, ChannelKind, Message
from kyoso.chat.tests import filesamples as samples
from kyoso.testing.factories import make_channel, make_member, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: object, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root  # type: ignore[attr-defined]
    return root


def attach(
    message: Message, name: str = "令和7年度 予算.pdf", data: bytes = samples.MINIMAL_PDF
) -> Attachment:
    [attachment] = actions.attach_files(
        uploader=message.author, message=message, files=[SimpleUploadedFile(name, data)]
    )
    return attachment


def url(attachment: Attachment) -> str:
    return f"/channels/files/{attachment.pk}/{quote(attachment.name)}"


def body(response: object) -> bytes:
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


@pytest.fixture
def author() -> Member:
    return make_member()


@pytest.fixture
def public_file(author: Member) -> Attachment:
    channel = make_channel("窓口DX", creator=author)
    return attach(make_message(channel, author, "予算書です"))


@pytest.fixture
def private_file(author: Member) -> Attachment:
    channel = make_channel("運営会議", creator=author, kind=ChannelKind.PRIVATE)
    return attach(make_message(channel, author, "内部資料"))


def test_member_who_can_read_a_public_channel_downloads_its_file(
    client: Client, public_file: Attachment
) -> None:
    client.force_login(make_member())  # not even joined: public channels are readable by every member
    response = client.get(url(public_file))
    assert response.status_code == 200
    assert body(response) == samples.MINIMAL_PDF


def test_download_is_an_attachment_with_the_detected_type_and_no_sniffing(
    client: Client, public_file: Attachment
) -> None:
    client.force_login(make_member())
    response = client.get(url(public_file))
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert response["Cache-Control"].startswith("private")
    assert response["Content-Length"] == str(len(samples.MINIMAL_PDF))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''" + quote("令和7年度 予算.pdf") in disposition


def test_text_file_keeps_its_charset_on_download(client: Client, author: Member) -> None:
    channel = make_channel("統計", creator=author)
    attachment = attach(make_message(channel, author), "名簿.csv", samples.CSV_ROWS.encode("cp932"))
    client.force_login(author)
    response = client.get(url(attachment))
    assert response["Content-Type"] == "text/csv; charset=shift_jis"
    assert body(response).decode("cp932") == samples.CSV_ROWS


def test_member_of_a_private_channel_downloads_its_file(client: Client, private_file: Attachment) -> None:
    client.force_login(private_file.uploaded_by)
    assert client.get(url(private_file)).status_code == 200


def test_member_outside_a_private_channel_gets_404(client: Client, private_file: Attachment) -> None:
    client.force_login(make_member())
    assert client.get(url(private_file)).status_code == 404
    assert client.get(f"/channels/files/{private_file.pk}/thumbnail/").status_code == 404


def test_member_outside_a_direct_message_gets_404(client: Client, author: Member) -> None:
    friend = make_member()
    dm = actions.open_direct_conversation(member=author, others=[friend])
    attachment = attach(make_message(dm, author, "こっそり"))
    client.force_login(friend)
    assert client.get(url(attachment)).status_code == 200
    client.force_login(make_member())
    assert client.get(url(attachment)).status_code == 404


def test_suspended_member_cannot_download_even_from_their_own_channel(
    client: Client, private_file: Attachment
) -> None:
    member = private_file.uploaded_by
    client.force_login(member)
    member.status = MemberStatus.SUSPENDED
    member.save()
    response = client.get(url(private_file))
    # The session ends at once (kyoso.accounts.middleware); the file is never sent.
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")
    assert not getattr(response, "streaming", False)


def test_suspended_member_is_refused_by_the_query_too(private_file: Attachment) -> None:
    from kyoso.chat.errors import AttachmentNotFound
    from kyoso.chat.queries import attachment_for

    member = private_file.uploaded_by
    member.status = MemberStatus.SUSPENDED
    member.save()
    with pytest.raises(AttachmentNotFound):
        attachment_for(member, private_file.pk)


def test_signed_out_visitor_is_sent_to_sign_in(client: Client, public_file: Attachment) -> None:
    response = client.get(url(public_file))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


def test_deleted_messages_file_is_no_longer_served(client: Client, public_file: Attachment) -> None:
    Message.objects.filter(pk=public_file.message_id).update(deleted_at=timezone.now())
    client.force_login(public_file.uploaded_by)
    assert client.get(url(public_file)).status_code == 404


def test_unknown_file_is_404(client: Client) -> None:
    client.force_login(make_member())
    assert client.get("/channels/files/999999/x.pdf").status_code == 404


def test_thumbnail_is_served_inline_with_nosniff_and_a_closed_csp(client: Client, author: Member) -> None:
    channel = make_channel("写真", creator=author)
    attachment = attach(make_message(channel, author), "現場.jpg", samples.image_bytes("JPEG", exif=True))
    client.force_login(make_member())
    response = client.get(f"/channels/files/{attachment.pk}/thumbnail/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert response["Content-Disposition"].startswith("inline")
    # The original image itself still downloads as an attachment.
    assert client.get(url(attachment))["Content-Disposition"].startswith("attachment;")


def test_document_has_no_thumbnail(client: Client, public_file: Attachment) -> None:
    client.force_login(make_member())
    assert client.get(f"/channels/files/{public_file.pk}/thumbnail/").status_code == 404


# Attaching over HTTP


def upload_url(message: Message) -> str:
    return f"/channels/files/messages/{message.pk}/"


@pytest.fixture
def own_message(author: Member) -> Message:
    return make_message(make_channel("窓口DX", creator=author), author, "資料です")


def test_author_attaches_files_to_their_message_over_http(
    client: Client, author: Member, own_message: Message
) -> None:
    client.force_login(author)
    response = client.post(
        upload_url(own_message),
        {
            "files": [
                SimpleUploadedFile("予算.pdf", samples.MINIMAL_PDF),
                SimpleUploadedFile("図.png", samples.image_bytes()),
            ]
        },
    )
    assert response.status_code == 201
    names = [a["name"] for a in response.json()["attachments"]]
    assert names == ["予算.pdf", "図.png"]
    assert own_message.attachments.count() == 2


def test_refused_upload_answers_with_the_named_error_in_japanese(
    client: Client, author: Member, own_message: Message
) -> None:
    client.force_login(author)
    response = client.post(
        upload_url(own_message), {"files": [SimpleUploadedFile("x.pdf", samples.HTML_PAGE)]}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "file_type_not_allowed"
    assert "添付できません" in response.json()["error"]["message"]


def test_upload_needs_a_csrf_token(author: Member, own_message: Message) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(author)
    response = client.post(
        upload_url(own_message), {"files": [SimpleUploadedFile("a.pdf", samples.MINIMAL_PDF)]}
    )
    assert response.status_code == 403
    assert own_message.attachments.count() == 0


def test_others_cannot_attach_to_a_message(client: Client, own_message: Message) -> None:
    client.force_login(make_member())
    response = client.post(
        upload_url(own_message), {"files": [SimpleUploadedFile("a.pdf", samples.MINIMAL_PDF)]}
    )
    assert response.status_code == 403


def test_declared_2gb_body_is_refused_before_it_is_read(
    client: Client, author: Member, own_message: Message, media_root: Path
) -> None:
    client.force_login(author)
    response = client.post(
        upload_url(own_message),
        {"files": [SimpleUploadedFile("a.pdf", samples.MINIMAL_PDF)]},
        CONTENT_LENGTH=str(2 * 1024**3),
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"
    assert own_message.attachments.count() == 0


def test_reading_stops_at_the_first_file_over_the_limit(
    settings: object, client: Client, author: Member, own_message: Message, media_root: Path
) -> None:
    settings.KYOSO_UPLOAD_MAX_BYTES = 1000  # type: ignore[attr-defined]
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # type: ignore[attr-defined]
    client.force_login(author)
    big = SimpleUploadedFile("big.csv", b"a,b\n" * 1000)
    response = client.post(upload_url(own_message), {"files": [big]})
    assert response.status_code == 413
    assert own_message.attachments.count() == 0
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def test_files_are_not_reachable_by_their_storage_path(client: Client, public_file: Attachment) -> None:
    client.force_login(public_file.uploaded_by)
    assert client.get(f"/media/{public_file.storage_path}").status_code == 404
