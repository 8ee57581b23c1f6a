"""Files through the API: posting with files, attaching, metadata and the bytes, all checked."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kyoso.accounts.models import Member
from kyoso.api.tests.conftest import Api, error_code
from kyoso.chat.models import Attachment, Message
from kyoso.chat.tests import filesamples as samples
from kyoso.testing.factories import make_channel, make_member, make_message

pytestmark = pytest.mark.django_db

ApiAs = Callable[[Member], Api]


def pdf(name: str = "令和7年度 予算.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, samples.MINIMAL_PDF, content_type="application/octet-stream")


def body(response: object) -> bytes:
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_post_a_message_with_files_in_one_multipart_request(api_as: ApiAs) -> None:
    me = make_member()
    channel = make_channel("窓口DX", creator=me)
    image = SimpleUploadedFile("写真.png", samples.image_bytes("PNG", (40, 30)))
    response = api_as(me).multipart(
        f"/channels/{channel.pk}/messages", {"text": "資料です", "files": [pdf(), image]}
    )
    assert response.status_code == 201
    posted = response.json()
    assert posted["text"] == "資料です"
    names = [(a["name"], a["content_type"]) for a in posted["attachments"]]
    assert names == [("令和7年度 予算.pdf", "application/pdf"), ("写真.png", "image/png")]
    assert posted["attachments"][1]["thumbnail_url"] is not None
    assert (posted["attachments"][1]["width"], posted["attachments"][1]["height"]) == (40, 30)


def test_a_refused_file_means_no_message_either(api_as: ApiAs) -> None:
    me = make_member()
    channel = make_channel("窓口DX", creator=me)
    program = SimpleUploadedFile("請求書.pdf", samples.WINDOWS_EXECUTABLE)
    response = api_as(me).multipart(
        f"/channels/{channel.pk}/messages", {"text": "資料です", "files": [program]}
    )
    assert (response.status_code, error_code(response)) == (400, "file_type_not_allowed")
    assert not Message.objects.filter(channel=channel).exists()
    assert not Attachment.objects.exists()


def test_attach_files_to_ones_own_message_then_read_metadata_and_download(api_as: ApiAs) -> None:
    me = make_member()
    message = make_message(make_channel("窓口DX", creator=me), me, "あとで資料を付けます")
    api = api_as(me)
    added = api.multipart(f"/messages/{message.pk}/files", {"files": [pdf()]})
    assert added.status_code == 201
    [attachment] = added.json()
    meta = api.get(f"/files/{attachment['id']}").json()
    assert meta == attachment
    assert meta["size"] == len(samples.MINIMAL_PDF)
    download = api.client.get(meta["download_url"], HTTP_AUTHORIZATION=f"Bearer {api.secret}")
    assert download.status_code == 200
    assert body(download) == samples.MINIMAL_PDF
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")


def test_someone_else_cannot_attach_to_my_message(api_as: ApiAs) -> None:
    me, other = make_member(), make_member()
    message = make_message(make_channel("窓口DX", creator=me, members=[other]), me, "私の投稿")
    response = api_as(other).multipart(f"/messages/{message.pk}/files", {"files": [pdf()]})
    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_thumbnail_of_an_image(api_as: ApiAs) -> None:
    me = make_member()
    channel = make_channel("窓口DX", creator=me)
    image = SimpleUploadedFile("写真.jpg", samples.image_bytes("JPEG", (800, 600)))
    posted = (
        api_as(me).multipart(f"/channels/{channel.pk}/messages", {"text": "現場", "files": [image]}).json()
    )
    attachment_id = posted["attachments"][0]["id"]
    response = api_as(me).get(f"/files/{attachment_id}/thumbnail")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    not_an_image = api_as(me).multipart(f"/messages/{posted['id']}/files", {"files": [pdf()]}).json()[0]
    assert api_as(me).get(f"/files/{not_an_image['id']}/thumbnail").status_code == 404


def test_unknown_file_ids_answer_404(api_as: ApiAs) -> None:
    api = api_as(make_member())
    for path in ("/files/999999", "/files/999999/download", "/files/999999/thumbnail"):
        response = api.get(path)
        assert (response.status_code, error_code(response)) == (404, "attachment_not_found")
