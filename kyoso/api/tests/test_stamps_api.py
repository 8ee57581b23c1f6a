"""Custom stamps through the API: who may add one, its picture, and the stamp set listing it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kyoso.accounts.models import Role
from kyoso.api.tests.conftest import Api, error_code
from kyoso.chat.models import Stamp
from kyoso.chat.tests.filesamples import HTML_PAGE, image_bytes
from kyoso.testing.factories import make_member

pytestmark = pytest.mark.django_db


def test_operator_adds_a_picture_stamp_and_everyone_sees_it_in_the_set(api_as: Callable[..., Api]) -> None:
    operator = api_as(make_member(role=Role.OPERATOR))
    picture = SimpleUploadedFile("hakushu.png", image_bytes("PNG", (200, 200)))
    made = operator.multipart("/stamps", {"name": "拍手", "image": picture})
    assert made.status_code == 201, made.content
    stamp = made.json()
    assert stamp["name"] == "拍手" and stamp["image_url"] == f"/channels/stamps/{stamp['id']}/image/"

    listed = api_as(make_member()).get("/stamps").json()
    assert {"拍手", "共創"} <= {s["name"] for s in listed}


def test_member_cannot_add_a_stamp_without_the_setting(api_as: Callable[..., Api]) -> None:
    refused = api_as(make_member()).multipart("/stamps", {"name": "こっそり"})
    assert refused.status_code == 403
    assert error_code(refused) == "not_allowed"
    assert not Stamp.objects.filter(name="こっそり").exists()


def test_a_disguised_picture_and_a_taken_name_are_refused(api_as: Callable[..., Api]) -> None:
    operator = api_as(make_member(role=Role.OPERATOR))
    page = SimpleUploadedFile("a.png", HTML_PAGE)
    disguised = operator.multipart("/stamps", {"name": "偽物", "image": page})
    assert disguised.status_code == 400
    assert error_code(disguised) == "stamp_image_not_allowed"
    taken = operator.multipart("/stamps", {"name": "共創"})
    assert taken.status_code == 409
    assert not Stamp.objects.filter(name="偽物").exists()
