"""Attaching files: checked from the content, stored under random paths, thumbnails without metadata."""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO, cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from kyoso.accounts.models import Member
from kyoso.chat import actions, events
from kyoso.chat.errors import (
    ChannelArchived,
    EmptyFile,
    FileTooLarge,
    FileTypeNotAllowed,
    ImageTooLarge,
    MessageNotFound,
    NotAllowedToPost,
    TooManyFiles,
    UnreadableImage,
)
from kyoso.chat.models import Attachment, Message
from kyoso.chat.tests import filesamples as samples
from kyoso.testing.factories import make_channel, make_member, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: object, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root  # type: ignore[attr-defined]
    return root


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture
def author() -> Member:
    return make_member()


@pytest.fixture
def message(author: Member) -> Message:
    channel = make_channel("窓口DX", creator=author)
    return make_message(channel, author, "資料を共有します")


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("予算書.pdf", samples.MINIMAL_PDF, "application/pdf"),
        ("写真.png", samples.image_bytes("PNG"), "image/png"),
        ("写真.jpg", samples.image_bytes("JPEG"), "image/jpeg"),
        ("図.gif", samples.image_bytes("GIF"), "image/gif"),
        ("図.webp", samples.image_bytes("WEBP"), "image/webp"),
        (
            "要綱.docx",
            samples.office_open_xml("word/document.xml"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "集計.xlsx",
            samples.office_open_xml("xl/workbook.xml"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "説明会.pptx",
            samples.office_open_xml("ppt/presentation.xml"),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        ("旧様式.xls", samples.ole2("Root Entry", "Workbook"), "application/vnd.ms-excel"),
        ("名簿.csv", samples.CSV_ROWS.encode("utf-8"), "text/csv; charset=utf-8"),
        ("名簿_sjis.csv", samples.CSV_ROWS.encode("cp932"), "text/csv; charset=shift_jis"),
    ],
)
def test_each_allowed_type_is_attached_with_its_detected_type(
    author: Member, message: Message, media_root: Path, name: str, data: bytes, content_type: str
) -> None:
    [attachment] = actions.attach_files(uploader=author, message=message, files=[upload(name, data)])

    attachment.refresh_from_db()
    assert attachment.message == message
    assert attachment.uploaded_by == author
    assert attachment.name == name
    assert attachment.content_type == content_type
    assert attachment.size == len(data)
    assert (media_root / attachment.storage_path).read_bytes() == data
    import hashlib

    assert attachment.sha256 == hashlib.sha256(data).hexdigest()


def test_storage_path_is_random_and_never_contains_the_members_file_name(
    author: Member, message: Message
) -> None:
    files = [upload("予算書.pdf", samples.MINIMAL_PDF), upload("予算書.pdf", samples.MINIMAL_PDF)]
    first, second = actions.attach_files(uploader=author, message=message, files=files)

    assert first.storage_path != second.storage_path
    for attachment in (first, second):
        assert "予算書" not in attachment.storage_path
        assert attachment.storage_path.startswith("attachments/")
        assert attachment.storage_path.endswith(".pdf")


def test_renamed_executable_is_refused_and_nothing_is_stored(
    author: Member, message: Message, media_root: Path
) -> None:
    with pytest.raises(FileTypeNotAllowed):
        actions.attach_files(
            uploader=author, message=message, files=[upload("予算書.pdf", samples.WINDOWS_EXECUTABLE)]
        )
    assert Attachment.objects.count() == 0
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    ("name", "data"), [("案内.html", samples.HTML_PAGE), ("logo.svg", samples.SVG_IMAGE)]
)
def test_html_and_svg_are_refused(author: Member, message: Message, name: str, data: bytes) -> None:
    with pytest.raises(FileTypeNotAllowed) as refused:
        actions.attach_files(uploader=author, message=message, files=[upload(name, data)])
    assert "添付できません" in str(refused.value)


def test_one_refused_file_refuses_the_whole_batch(author: Member, message: Message, media_root: Path) -> None:
    files = [upload("ok.pdf", samples.MINIMAL_PDF), upload("bad.pdf", samples.WINDOWS_EXECUTABLE)]
    with pytest.raises(FileTypeNotAllowed):
        actions.attach_files(uploader=author, message=message, files=files)
    assert Attachment.objects.count() == 0
    assert stored_files(media_root) == []


def test_file_over_the_size_limit_is_refused_and_nothing_is_stored(
    settings: object, author: Member, message: Message, media_root: Path
) -> None:
    settings.KYOSO_UPLOAD_MAX_BYTES = 100  # type: ignore[attr-defined]
    with pytest.raises(FileTooLarge):
        actions.attach_files(uploader=author, message=message, files=[upload("big.csv", b"a,b\n" * 26)])
    actions.attach_files(uploader=author, message=message, files=[upload("ok.csv", b"a,b\n" * 25)])
    assert Attachment.objects.count() == 1


class HugeUpload(io.RawIOBase):
    """A 2 GB upload as Django describes it: its size is known, and reading it would be the mistake."""

    name = "巨大.pdf"
    size = 2 * 1024**3

    def read(self, *args: object) -> bytes:
        raise AssertionError("a file over the limit must be refused without being read")


def test_a_2gb_upload_is_refused_from_its_size_without_being_read(
    author: Member, message: Message, media_root: Path
) -> None:
    with pytest.raises(FileTooLarge) as refused:
        actions.attach_files(uploader=author, message=message, files=[cast(IO[bytes], HugeUpload())])
    assert "大きすぎる" in str(refused.value)
    assert stored_files(media_root) == []


def test_empty_files_and_empty_batches_are_refused(author: Member, message: Message) -> None:
    with pytest.raises(EmptyFile):
        actions.attach_files(uploader=author, message=message, files=[upload("empty.csv", b"")])
    with pytest.raises(EmptyFile):
        actions.attach_files(uploader=author, message=message, files=[])


def test_too_many_files_on_one_message_are_refused(
    settings: object, author: Member, message: Message
) -> None:
    settings.KYOSO_UPLOAD_MAX_FILES = 2  # type: ignore[attr-defined]
    actions.attach_files(uploader=author, message=message, files=[upload("1.pdf", samples.MINIMAL_PDF)])
    files = [upload("2.pdf", samples.MINIMAL_PDF), upload("3.pdf", samples.MINIMAL_PDF)]
    with pytest.raises(TooManyFiles):
        actions.attach_files(uploader=author, message=message, files=files)
    assert message.attachments.count() == 1


def test_image_gets_a_thumbnail_at_most_400px_without_exif(
    author: Member, message: Message, media_root: Path
) -> None:
    photo = samples.image_bytes("JPEG", size=(1600, 1200), exif=True)
    assert Image.open(io.BytesIO(photo)).getexif()  # the original carries camera and GPS data

    [attachment] = actions.attach_files(uploader=author, message=message, files=[upload("現場.jpg", photo)])

    assert (attachment.width, attachment.height) == (1600, 1200)
    assert attachment.is_image
    assert "現場" not in attachment.thumbnail_path
    thumbnail = Image.open(media_root / attachment.thumbnail_path)
    assert thumbnail.format == "JPEG"
    assert thumbnail.size == (400, 300)
    assert not thumbnail.getexif()
    assert "exif" not in thumbnail.info


def test_transparent_image_thumbnail_is_png(author: Member, message: Message, media_root: Path) -> None:
    logo = samples.image_bytes("PNG", size=(100, 50), mode="RGBA")
    [attachment] = actions.attach_files(uploader=author, message=message, files=[upload("logo.png", logo)])
    thumbnail = Image.open(media_root / attachment.thumbnail_path)
    assert thumbnail.format == "PNG"
    assert thumbnail.size == (100, 50)


def test_documents_have_no_thumbnail(author: Member, message: Message) -> None:
    [attachment] = actions.attach_files(
        uploader=author, message=message, files=[upload("a.pdf", samples.MINIMAL_PDF)]
    )
    assert attachment.thumbnail_path == ""
    assert not attachment.is_image


def test_decompression_bomb_is_refused(author: Member, message: Message, media_root: Path) -> None:
    with pytest.raises(ImageTooLarge) as refused:
        actions.attach_files(uploader=author, message=message, files=[upload("bomb.png", samples.png_bomb())])
    assert "画素数" in str(refused.value)
    assert stored_files(media_root) == []


def test_image_over_the_pixel_setting_is_refused(settings: object, author: Member, message: Message) -> None:
    settings.KYOSO_UPLOAD_MAX_IMAGE_PIXELS = 10_000  # type: ignore[attr-defined]
    with pytest.raises(ImageTooLarge):
        actions.attach_files(
            uploader=author, message=message, files=[upload("a.png", samples.image_bytes(size=(101, 100)))]
        )


def test_truncated_image_is_refused(author: Member, message: Message) -> None:
    broken = samples.image_bytes("PNG", size=(300, 300))[:200]
    with pytest.raises(UnreadableImage):
        actions.attach_files(uploader=author, message=message, files=[upload("broken.png", broken)])


def test_only_the_author_may_attach_to_a_message(message: Message) -> None:
    other = make_member()
    with pytest.raises(NotAllowedToPost):
        actions.attach_files(uploader=other, message=message, files=[upload("a.pdf", samples.MINIMAL_PDF)])


def test_cannot_attach_to_a_message_in_an_archived_channel(author: Member, message: Message) -> None:
    from django.utils import timezone

    message.channel.archived_at = timezone.now()
    message.channel.save()
    with pytest.raises(ChannelArchived):
        actions.attach_files(uploader=author, message=message, files=[upload("a.pdf", samples.MINIMAL_PDF)])


def test_cannot_attach_to_a_deleted_message(author: Member, message: Message) -> None:
    from django.utils import timezone

    Message.objects.filter(pk=message.pk).update(deleted_at=timezone.now())
    with pytest.raises(MessageNotFound):
        actions.attach_files(uploader=author, message=message, files=[upload("a.pdf", samples.MINIMAL_PDF)])


def test_post_message_with_files_posts_both_or_neither(author: Member, media_root: Path) -> None:
    channel = make_channel("子育て支援", creator=author)

    message, [attachment] = actions.post_message_with_files(
        author=author,
        channel=channel,
        text="様式です",
        files=[upload("様式.docx", samples.office_open_xml("word/document.xml"))],
    )
    assert attachment.message == message

    with pytest.raises(FileTypeNotAllowed):
        actions.post_message_with_files(
            author=author, channel=channel, text="もう一つ", files=[upload("x.pdf", samples.HTML_PAGE)]
        )
    assert Message.objects.filter(channel=channel).count() == 1
    assert len(stored_files(media_root)) == 1


def test_a_post_with_two_files_is_one_created_event_that_lists_them(
    author: Member, django_capture_on_commit_callbacks: object
) -> None:
    channel = make_channel("子育て支援", creator=author)
    heard: list[tuple[str, dict]] = []
    unsubscribe = events.subscribe(lambda audience, event: heard.append((audience, event)))
    try:
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            message, attachments = actions.post_message_with_files(
                author=author,
                channel=channel,
                text="様式と写真です",
                files=[upload("様式.pdf", samples.MINIMAL_PDF), upload("写真.png", samples.image_bytes())],
            )
    finally:
        unsubscribe()

    about_message = [(a, e) for a, e in heard if e["type"].startswith("message.")]
    [(audience, event)] = about_message
    assert event["type"] == "message.created"
    assert audience == events.channel_audience(channel.pk)
    assert event["data"]["id"] == message.pk
    assert [(f["id"], f["name"]) for f in event["data"]["attachments"]] == [
        (attachments[0].pk, "様式.pdf"),
        (attachments[1].pk, "写真.png"),
    ]
    assert (
        event["data"]["attachments"][1]["thumbnail_url"] == f"/channels/files/{attachments[1].pk}/thumbnail/"
    )


def test_attaching_publishes_the_messages_files_to_the_channel(
    author: Member, message: Message, django_capture_on_commit_callbacks: object
) -> None:
    heard: list[tuple[str, dict]] = []
    unsubscribe = events.subscribe(lambda audience, event: heard.append((audience, event)))
    try:
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            [attachment] = actions.attach_files(
                uploader=author, message=message, files=[upload("写真.png", samples.image_bytes())]
            )
    finally:
        unsubscribe()

    [(audience, event)] = [(a, e) for a, e in heard if e["type"] == "message.updated"]
    assert audience == events.channel_audience(message.channel_id)
    [data] = event["data"]["attachments"]
    assert data["id"] == attachment.pk
    assert data["name"] == "写真.png"
    assert data["content_type"] == "image/png"
    assert data["url"] == f"/channels/files/{attachment.pk}/%E5%86%99%E7%9C%9F.png"
    assert data["thumbnail_url"] == f"/channels/files/{attachment.pk}/thumbnail/"


def test_discarding_a_deleted_messages_files_removes_rows_and_stored_bytes(
    author: Member, message: Message, media_root: Path, django_capture_on_commit_callbacks: object
) -> None:
    actions.attach_files(
        uploader=author,
        message=message,
        files=[upload("名簿.csv", samples.CSV_ROWS.encode()), upload("写真.png", samples.image_bytes())],
    )
    assert len(stored_files(media_root)) == 3  # two files and one thumbnail

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert actions.discard_message_files(message=message) == 2

    assert Attachment.objects.count() == 0
    assert stored_files(media_root) == []


def test_deleting_a_message_removes_its_files(
    author: Member, message: Message, media_root: Path, django_capture_on_commit_callbacks: object
) -> None:
    actions.attach_files(
        uploader=author, message=message, files=[upload("名簿.csv", samples.CSV_ROWS.encode())]
    )
    assert len(stored_files(media_root)) == 1

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        actions.delete_message(member=author, message=message)

    assert Attachment.objects.filter(message=message).count() == 0
    assert stored_files(media_root) == []


def test_rotated_phone_photo_is_measured_and_thumbnailed_the_right_way_up(
    author: Member, message: Message, media_root: Path
) -> None:
    image = Image.new("RGB", (800, 600))
    metadata = Image.Exif()
    metadata[0x0112] = 6  # stored sideways: turn a quarter clockwise to show
    output = io.BytesIO()
    image.save(output, "JPEG", exif=metadata.tobytes())

    [attachment] = actions.attach_files(
        uploader=author, message=message, files=[upload("縦.jpg", output.getvalue())]
    )

    assert (attachment.width, attachment.height) == (600, 800)
    assert Image.open(media_root / attachment.thumbnail_path).size == (300, 400)


def test_an_image_that_would_take_too_much_memory_to_decode_is_refused_from_its_header(
    settings: object, author: Member, message: Message, media_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Under the pixel limit, but 2,000 × 2,000 px decode to 16 MB: over a limit of 8 MB.
    settings.KYOSO_UPLOAD_MAX_DECODE_BYTES = 8 * 1024 * 1024  # type: ignore[attr-defined]
    big = samples.image_bytes("PNG", size=(2000, 2000))
    from PIL import ImageFile

    def no_decoding(self: object) -> None:
        raise AssertionError("the image was decoded before its size was judged")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(ImageTooLarge):
        actions.attach_files(uploader=author, message=message, files=[upload("big.png", big)])
    assert stored_files(media_root) == []


def test_a_large_photo_decodes_at_a_reduced_scale_and_stays_under_the_memory_limit(
    settings: object, author: Member, message: Message
) -> None:
    # JPEG decodes at 1/8 scale for a thumbnail: 2,000 × 2,000 px takes 250 × 250 × 4 bytes.
    settings.KYOSO_UPLOAD_MAX_DECODE_BYTES = 8 * 1024 * 1024  # type: ignore[attr-defined]
    photo = samples.image_bytes("JPEG", size=(2000, 2000))
    [attached] = actions.attach_files(uploader=author, message=message, files=[upload("photo.jpg", photo)])
    assert (attached.width, attached.height) == (2000, 2000)


def test_uploads_past_the_hourly_budget_are_refused_before_they_are_read(
    settings: object, author: Member, message: Message, media_root: Path
) -> None:
    from kyoso.core.errors import RateLimited

    settings.KYOSO_UPLOADS_PER_HOUR = 3  # type: ignore[attr-defined]
    actions.attach_files(uploader=author, message=message, files=[upload("a.pdf", samples.MINIMAL_PDF)] * 2)
    with pytest.raises(RateLimited):
        actions.post_message_with_files(
            author=author,
            channel=message.channel,
            text="もう2つ",
            files=[upload("b.pdf", samples.MINIMAL_PDF), upload("c.pdf", samples.MINIMAL_PDF)],
        )
    assert Message.objects.filter(text="もう2つ").count() == 0
    assert len(stored_files(media_root)) == 2
    # Another member has a budget of their own.
    other = make_member()
    actions.join_channels(members=[other], channel=message.channel)
    actions.post_message_with_files(
        author=other, channel=message.channel, text="別の人", files=[upload("d.pdf", samples.MINIMAL_PDF)]
    )
