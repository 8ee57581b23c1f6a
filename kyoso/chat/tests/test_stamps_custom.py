"""Custom stamps with pictures: who may add them, how the picture is checked and re-drawn, who sees it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse
from django.test import Client
from PIL import Image

from kyoso.accounts.models import Role
from kyoso.chat import actions
from kyoso.chat.errors import NotAllowed, StampImageNotAllowed
from kyoso.chat.models import Stamp
from kyoso.chat.stamp_images import STAMP_SIZE
from kyoso.chat.tests.filesamples import HTML_PAGE, SVG_IMAGE, image_bytes, png_bomb
from kyoso.testing.auth import force_login_verified
from kyoso.testing.factories import make_channel, make_member, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: object, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root  # type: ignore[attr-defined]
    return root


def upload(content: bytes, name: str = "stamp.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_operator_adds_a_stamp_whose_picture_is_redrawn_as_a_small_png(media_root: Path) -> None:
    operator = make_member(role=Role.OPERATOR)
    photo = upload(image_bytes("JPEG", (800, 600), exif=True), "a.jpg")
    stamp = actions.create_stamp(member=operator, name="おつかれさま", image=photo)

    stored = Image.open(media_root / stamp.image)
    assert stored.format == "PNG"
    assert max(stored.size) == STAMP_SIZE
    assert "exif" not in stored.info
    assert stamp.image_url == f"/channels/stamps/{stamp.pk}/image/"


def test_member_may_not_add_stamps_unless_the_setting_allows_it(settings: object) -> None:
    member = make_member()
    with pytest.raises(NotAllowed):
        actions.create_stamp(member=member, name="やったね")
    settings.KYOSO_MEMBERS_CREATE_STAMPS = True  # type: ignore[attr-defined]
    assert actions.create_stamp(member=member, name="やったね").pk


@pytest.mark.parametrize(
    "content",
    [HTML_PAGE, SVG_IMAGE, b"", b"GIF89a not really a gif"],
    ids=["html", "svg", "empty", "broken-gif"],
)
def test_a_picture_that_is_not_a_plain_image_is_refused_and_nothing_is_saved(
    content: bytes, media_root: Path
) -> None:
    operator = make_member(role=Role.OPERATOR)
    with pytest.raises(StampImageNotAllowed):
        actions.create_stamp(member=operator, name="あやしい", image=upload(content))
    assert not Stamp.objects.filter(name="あやしい").exists()
    assert not (media_root / "stamps").exists() or not any((media_root / "stamps").iterdir())


def test_oversized_and_bomb_pictures_are_refused(settings: object) -> None:
    operator = make_member(role=Role.OPERATOR)
    settings.KYOSO_STAMP_IMAGE_MAX_BYTES = 1000  # type: ignore[attr-defined]
    with pytest.raises(StampImageNotAllowed):
        actions.create_stamp(member=operator, name="大きい", image=upload(image_bytes("PNG", (400, 400))))
    settings.KYOSO_STAMP_IMAGE_MAX_BYTES = 10_000_000  # type: ignore[attr-defined]
    with pytest.raises(StampImageNotAllowed):
        actions.create_stamp(member=operator, name="爆弾", image=upload(png_bomb()))


def test_stamp_page_adds_a_stamp_and_the_picture_is_served_to_members_only() -> None:
    operator = make_member(role=Role.OPERATOR)
    client = Client()
    force_login_verified(client, operator)
    response = client.post(
        "/channels/stamps/", {"name": "ナイス", "emoji": "", "image": upload(image_bytes("PNG", (128, 128)))}
    )
    assert response.status_code == 302
    stamp = Stamp.objects.get(name="ナイス")
    assert stamp.image_url is not None

    member_client = Client()
    force_login_verified(member_client, make_member())
    picture = member_client.get(stamp.image_url)
    assert picture.status_code == 200
    assert isinstance(picture, StreamingHttpResponse)
    assert picture["Content-Type"] == "image/png"
    assert picture["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(b"".join(picture.streaming_content))).format == "PNG"
    assert Client().get(stamp.image_url).status_code == 302  # to sign-in: not for the public


def test_member_cannot_add_a_stamp_through_the_page_without_the_setting() -> None:
    client = Client()
    force_login_verified(client, make_member())
    response = client.post("/channels/stamps/", {"name": "こっそり"})
    assert response.status_code == 403
    assert not Stamp.objects.filter(name="こっそり").exists()


def test_a_pressed_picture_stamp_shows_its_picture_under_the_message() -> None:
    operator = make_member(role=Role.OPERATOR)
    stamp = actions.create_stamp(member=operator, name="拍手", image=upload(image_bytes("PNG", (64, 64))))
    member = make_member()
    channel = make_channel("窓口業務", creator=member)
    message = make_message(channel, member, "新しい窓口が開きました")
    actions.add_reaction(member=member, message=message, stamp=stamp)
    client = Client()
    force_login_verified(client, member)

    body = client.get(f"/channels/{channel.slug}/").content.decode()

    assert f'<img class="stamp__image" src="{stamp.image_url}" alt=""' in body
