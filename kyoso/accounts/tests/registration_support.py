"""What the registration and review tests share: the directory they need and the mail they read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core import mail
from django.test import Client

from kyoso.chat.models import Channel, ChannelCategory
from kyoso.directory.codes import check_digit
from kyoso.directory.models import Organization, OrganizationDomain, OrganizationKind, Region
from kyoso.testing.factories import make_channel, make_organization

KURUME_CODE = "402036"
LINK = re.compile(r"https?://\S+")


@dataclass
class Directory:
    fukuoka: Organization
    kurume: Organization
    default_channel: Channel
    theme_channel: Channel
    region_channel: Channel


def code(first_five: str) -> str:
    return f"{first_five}{check_digit(first_five)}"


def make_directory() -> Directory:
    """福岡県 (pref.fukuoka.lg.jp) and 久留米市 (city.kurume.fukuoka.jp), and channels to join."""
    fukuoka = make_organization(
        "福岡県",
        kind=OrganizationKind.PREFECTURE,
        code=code("40000"),
        kana="ふくおかけん",
        region=Region.KYUSHU_OKINAWA,
    )
    fukuoka.prefecture = fukuoka
    fukuoka.save()
    kurume = make_organization(
        "久留米市", code=KURUME_CODE, kana="くるめし", prefecture=fukuoka, region=Region.KYUSHU_OKINAWA
    )
    OrganizationDomain.objects.create(organization=fukuoka, domain="pref.fukuoka.lg.jp")
    OrganizationDomain.objects.create(organization=kurume, domain="city.kurume.fukuoka.jp")
    return Directory(
        fukuoka=fukuoka,
        kurume=kurume,
        default_channel=make_channel("はじめまして", is_default=True, category=ChannelCategory.CASUAL),
        theme_channel=make_channel("窓口DX"),
        region_channel=make_channel("九州・沖縄", category=ChannelCategory.REGION),
    )


def registration_data(directory: Directory, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "email": "hanako@city.kurume.fukuoka.jp",
        "full_name": "久留米 花子",
        "full_name_kana": "くるめ はなこ",
        "display_name": "はなこ",
        "organization_kind": "directory",
        "organization": "福岡県久留米市",
        "organization_code": KURUME_CODE,
        "department": "市民課",
        "title": "主任",
        "channels": [str(directory.theme_channel.pk)],
        "consent": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


REGISTER = "/accounts/register/"


def submit_registration(client: Client, data: dict[str, object], **extra: Any) -> Any:
    """Walk the three steps of 参加登録 as a browser without JavaScript does, with ``data`` at each.

    The answer that is not a step forward is returned: the mail-sent redirect, or a page of errors.
    """
    response = client.post(REGISTER, data, **extra)
    for step in (2, 3):
        if response.status_code != 302 or response["Location"] != f"{REGISTER}?step={step}":
            return response
        response = client.post(f"{REGISTER}?step={step}", data, **extra)
    return response


def last_mail_to(address: str) -> mail.EmailMessage:
    sent = [message for message in mail.outbox if address in message.to]
    assert sent, f"no mail to {address}; sent: {[m.to for m in mail.outbox]}"
    return sent[-1]


def link_in(message: mail.EmailMessage) -> str:
    """The path of the first link in a mail (the test client speaks paths, not URLs)."""
    found = LINK.search(str(message.body))
    assert found, message.body
    return re.sub(r"^https?://[^/]+", "", found.group(0))
