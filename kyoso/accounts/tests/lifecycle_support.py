"""What the profile, role and lifecycle tests share: two cities with domains, and reading the mail."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core import mail

from kyoso.directory.models import Organization, OrganizationDomain
from kyoso.testing.factories import make_organization

TOKYO = ZoneInfo("Asia/Tokyo")
LINK_PATH = re.compile(r"https?://[^/\s]+(/\S+)")


@dataclass
class Cities:
    kurume: Organization
    yame: Organization


def make_cities() -> Cities:
    """久留米市 (city.kurume.fukuoka.jp) and 八女市 (city.yame.fukuoka.jp), with valid codes."""
    kurume = make_organization("久留米市", code="402036", kana="くるめし")
    yame = make_organization("八女市", code="402109", kana="やめし")
    OrganizationDomain.objects.create(organization=kurume, domain="city.kurume.fukuoka.jp")
    OrganizationDomain.objects.create(organization=yame, domain="city.yame.fukuoka.jp")
    return Cities(kurume=kurume, yame=yame)


def tokyo(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO)


def mails_to(address: str) -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if address in message.to]


def link_path(message: mail.EmailMessage) -> str:
    """The path of the first link in a mail (the test client speaks paths)."""
    found = LINK_PATH.search(str(message.body))
    assert found, message.body
    return found.group(1)


def token_of(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]
