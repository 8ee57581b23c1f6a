"""What a digest mail (まとめメール) says: plain Japanese, text and HTML, one part per section.

A member who chose ``hide_content`` gets no words from any post: threads are named by channel and
who started them. The footer says why the mail came, and links to the settings page and the
one-click unsubscribe (RFC 8058, the same link and headers as the missed-notification mails).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from kyoso.core.mail import site_url
from kyoso.notify.digest_sections import DigestRecipient
from kyoso.notify.mail_content import JST, SUBJECT_LIMIT, SUBJECT_PREFIX, MissedMail
from kyoso.notify.models import Digest, NotificationSettings
from kyoso.notify.unsubscribe_links import unsubscribe_url

if TYPE_CHECKING:
    from kyoso.notify.digests import DigestContent

TEMPLATE = "notify_digest"


@dataclass(frozen=True)
class SectionView:
    title: str
    lines: list[tuple[str, str, str]]  # (what, detail, url)


def _subject(recipient: DigestRecipient) -> str:
    since = timezone.localtime(recipient.since, JST)
    if recipient.frequency == Digest.DAILY:
        line = gettext("%(month)d月%(day)d日からの kyoso のまとめ") % {"month": since.month, "day": since.day}
    else:
        line = gettext("今週の kyoso のまとめ（%(month)d月%(day)d日から）") % {
            "month": since.month,
            "day": since.day,
        }
    return (SUBJECT_PREFIX + line)[:SUBJECT_LIMIT]


def render_digest(
    *, recipient: DigestRecipient, content: DigestContent, settings_row: NotificationSettings
) -> MissedMail:
    """The digest mail of one member (the same shape as a missed-notification mail)."""
    with translation.override(settings.LANGUAGE_CODE):
        unsubscribe = unsubscribe_url(settings_row)
        hide = settings_row.hide_content
        sections = [
            SectionView(
                title=str(section.title),
                lines=[
                    ((item.label if hide or not item.title else item.title), item.detail, item.url)
                    for item in items
                ],
            )
            for section, items in content.sections
            if items
        ]
        subject = _subject(recipient)
        context = {
            "member_name": recipient.display_name,
            "subject": subject,
            "sections": sections,
            "hide_content": hide,
            "daily": recipient.frequency == Digest.DAILY,
            "settings_url": site_url(reverse("notifications:settings")),
            "unsubscribe_url": unsubscribe,
            "site_url": site_url(),
        }
        body = render_to_string("notify/email/digest.body.txt", context)
        html_body = render_to_string("notify/email/digest.body.html", context)
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    return MissedMail(subject=subject, body=body, html_body=html_body, headers=headers)
