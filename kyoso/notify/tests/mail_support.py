"""Shared pieces of the notification mail tests: a town, a real SMTP server, a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from kyoso.accounts.models import Member
from kyoso.core.tests.smtp import Inbox, smtp_server, smtp_settings
from kyoso.notify.missed_mail import send_missed_mail

JST = ZoneInfo("Asia/Tokyo")
# 2026-12-04 (Fri) 10:00 日本時間: when the posts of a test are written.
T0 = datetime(2026, 12, 4, 10, 0, tzinfo=JST)
SITE = "https://kyoso.example.jp"
GRACE = timedelta(minutes=10)


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    inbox = Inbox()
    with (
        smtp_server(inbox) as port,
        override_settings(**smtp_settings(port), KYOSO_SITE_URL=SITE, KYOSO_NOTIFY_EMAIL_GRACE_MINUTES=10),
    ):
        yield inbox


def mention(member: Member) -> str:
    return f"@[{member.display_name}](member:{member.pk})"


def run_job(at: datetime) -> int:
    """One pass of the periodic job at ``at``; its mails go through deliver_mail to the SMTP server."""
    return send_missed_mail(now=at, dry_run=False, out=None)


def plain(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "the mail has an HTML part"
    return str(part.get_content())


def mails_to(inbox: Inbox, member: Member) -> list[EmailMessage]:
    return [
        m
        for m, (_sender, rcpts) in zip(inbox.messages, inbox.envelopes, strict=True)
        if member.email in rcpts
    ]
