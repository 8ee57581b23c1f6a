"""A full disk during an upload: a clean 507 in the member's language, and nothing half-written kept.

The media root is a small tmpfs of the test's own (mounting needs root, as in CI; elsewhere the test
skips and says so). A file larger than the space left fills the disk while it is written: the member
is told the server's storage is full, no file (whole, partial or temporary) is left behind, no row
records it, and what the member stored before is intact.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kyoso.api.tests.conftest import Api, token_for
from kyoso.chat import actions
from kyoso.chat.models import Attachment, Message
from kyoso.chat.tests import filesamples as samples
from kyoso.core.errors import InsufficientStorage
from kyoso.testing.auth import force_login_verified
from kyoso.testing.factories import make_channel, make_member

pytestmark = pytest.mark.django_db

DISK_BYTES = 2 * 1024 * 1024
# Past the disk; one below Django's in-memory limit (read from memory) and one above it (a temporary
# file under /tmp, another file system, so it is copied rather than renamed).
IN_MEMORY_BYTES = 2_300_000
SPOOLED_BYTES = 3 * 1024 * 1024
TRACEBACK_MARKERS = ("Traceback", "OSError", "No space left")


def csv_of(size: int) -> bytes:
    """Whole rows of a CSV file of at least ``size`` bytes (cut mid-character it would not be text)."""
    rows = samples.CSV_ROWS.encode()
    return rows * (size // len(rows) + 1)


@pytest.fixture
def small_disk(tmp_path: Path, settings: object) -> Iterator[Path]:
    """MEDIA_ROOT on a tmpfs of DISK_BYTES, unmounted afterwards."""
    root = tmp_path / "media"
    root.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs as the media root needs root (CI runs the suite as root)")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES},mode=0700", "tmpfs", str(root)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"this machine does not let the test mount a tmpfs: {mounted.stderr.strip()}")
    settings.MEDIA_ROOT = root  # type: ignore[attr-defined]
    try:
        yield root
    finally:
        subprocess.run(["umount", "-l", str(root)], check=False)


def stored_files(root: Path) -> dict[str, bytes]:
    """Every file under the media root, hidden ones too, by path."""
    return {
        str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()
    }


def free_bytes(root: Path) -> int:
    stat = os.statvfs(root)
    return stat.f_bavail * stat.f_frsize


def assert_refused_as_full(response: object, body: dict) -> None:
    assert response.status_code == InsufficientStorage.status == 507  # type: ignore[attr-defined]
    assert body["error"]["code"] == "insufficient_storage"
    assert body["error"]["message"] == str(InsufficientStorage.message)
    assert "保存領域" in body["error"]["message"]
    assert not any(marker in str(body) for marker in TRACEBACK_MARKERS)


@pytest.fixture
def earlier(small_disk: Path) -> Callable[[], None]:
    """A member's message with a file stored before the disk filled up; returns a check it is intact."""
    member = make_member()
    channel = make_channel("窓口DX", creator=member)
    message = actions.post_message(author=member, channel=channel, text="先週の資料です")
    [kept] = actions.attach_files(
        uploader=member, message=message, files=[SimpleUploadedFile("資料.pdf", samples.MINIMAL_PDF)]
    )
    files_before = stored_files(small_disk)
    assert list(files_before.values()) == [samples.MINIMAL_PDF]

    def intact() -> None:
        assert stored_files(small_disk) == files_before
        assert Attachment.objects.get(pk=kept.pk).storage_path in files_before
        assert Message.objects.get(pk=message.pk).text == "先週の資料です"

    return intact


@pytest.mark.parametrize("size", [IN_MEMORY_BYTES, SPOOLED_BYTES], ids=["in-memory", "spooled-to-tmp"])
def test_a_post_with_a_file_larger_than_the_free_space_is_refused_507_and_leaves_nothing(
    small_disk: Path, earlier: Callable[[], None], size: int
) -> None:
    member = Attachment.objects.get().uploaded_by
    channel = Attachment.objects.get().message.channel
    free_before = free_bytes(small_disk)
    assert size > free_before
    messages, attachments = Message.objects.count(), Attachment.objects.count()
    api = Api(Client(), token_for(member))

    response = api.multipart(
        f"/channels/{channel.pk}/messages",
        {"text": "大きな名簿", "files": [SimpleUploadedFile("名簿.csv", csv_of(size))]},
    )

    assert_refused_as_full(response, response.json())
    # No message without its file, no row, no partial or temporary file, and the space is free again.
    assert Message.objects.count() == messages
    assert Attachment.objects.count() == attachments
    earlier()
    assert free_bytes(small_disk) == free_before


def test_attaching_from_the_page_on_a_full_disk_is_refused_507_and_leaves_nothing(
    small_disk: Path, earlier: Callable[[], None]
) -> None:
    message = Attachment.objects.get().message
    client = Client()
    force_login_verified(client, message.author)
    attachments = Attachment.objects.count()

    response = client.post(
        f"/channels/files/messages/{message.pk}/",
        {"files": [SimpleUploadedFile("名簿.csv", csv_of(IN_MEMORY_BYTES))]},
        HTTP_X_KYOSO_FRAGMENT="1",
    )

    assert_refused_as_full(response, response.json())
    assert Attachment.objects.count() == attachments
    earlier()


def test_once_space_is_freed_the_same_upload_is_stored_whole(
    small_disk: Path, earlier: Callable[[], None]
) -> None:
    message = Attachment.objects.get().message
    data = csv_of(IN_MEMORY_BYTES // 2)
    [stored] = actions.attach_files(
        uploader=message.author, message=message, files=[SimpleUploadedFile("名簿.csv", data)]
    )
    assert (small_disk / stored.storage_path).read_bytes() == data
    assert not [name for name in stored_files(small_disk) if name.rsplit("/", 1)[-1].startswith(".")]
