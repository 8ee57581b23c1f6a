"""What a mail for missed notifications says: one conversation, in plain Japanese, text and HTML.

Each item names who wrote, their organisation, when (日本時間) and links to the exact message. A member
who chose ``hide_content`` gets no message text at all, only where to read it. The footer says why
the mail came, and links to the settings page and the one-click unsubscribe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from kyoso.accounts.models import Member
from kyoso.chat.markdown import member_names, plain_text
from kyoso.chat.mentions import parse_mentions
from kyoso.chat.models import ChannelKind
from kyoso.core.mail import site_url
from kyoso.notify import kinds
from kyoso.notify.models import Notification, NotificationSettings
from kyoso.notify.unsubscribe_links import unsubscribe_url

TEMPLATE = "notify_missed"
JST = ZoneInfo("Asia/Tokyo")
# A long post is cut here in the mail; the link opens all of it.
TEXT_LIMIT = 1000
SUBJECT_LIMIT = 300  # core.Mail.subject
SUBJECT_PREFIX = "[kyoso] "


@dataclass(frozen=True)
class MailItem:
    headline: str
    author: str
    organization: str
    time: str
    text: str | None  # None: hidden by the member's choice, or a kind without a post
    url: str


@dataclass(frozen=True)
class MissedMail:
    subject: str
    body: str
    html_body: str
    headers: dict[str, str]


def jst_time(moment: datetime) -> str:
    local = timezone.localtime(moment, JST)
    return gettext("%(year)d年%(month)d月%(day)d日 %(time)s（日本時間）") % {
        "year": local.year,
        "month": local.month,
        "day": local.day,
        "time": local.strftime("%H:%M"),
    }


def _link(notification: Notification) -> str:
    """The absolute URL of the message (as kyoso.chat.queries.message_permalink, slug known)."""
    message, channel = notification.message, notification.channel
    if message is not None and channel is not None:
        if message.thread_root_id is None:
            path = reverse("chat:channel", args=[channel.slug]) + f"?around={message.pk}#m-{message.pk}"
        else:
            root_id = message.thread_root_id
            path = reverse("chat:thread", args=[channel.slug, root_id]) + f"?around={root_id}#t-{message.pk}"
        return site_url(path)
    url = str(notification.data.get("url", ""))
    if url.startswith("/") and not url.startswith("//"):
        return site_url(url)
    if channel is not None:
        return site_url(reverse("chat:channel", args=[channel.slug]))
    return site_url("/notifications/")


def _text(notification: Notification, hide_content: bool, names: dict[int, str]) -> str | None:
    message = notification.message
    if hide_content or message is None:
        return None
    # Without its Markdown, a mention read as the page shows it: 「@久留米 花子」.
    text = plain_text(message.text, names=names)
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT].rstrip() + "…"


def _item(notification: Notification, hide_content: bool, names: dict[int, str]) -> MailItem:
    actor = notification.actor
    organization = actor.organization.name if actor is not None and actor.organization is not None else ""
    return MailItem(
        headline=kinds.describe(notification),
        author=actor.display_name if actor is not None else gettext("退会したメンバー"),
        organization=organization,
        time=jst_time(notification.created_at),
        text=_text(notification, hide_content, names),
        url=_link(notification),
    )


def _place(notification: Notification) -> str:
    channel = notification.channel
    if channel is None:
        return ""
    return gettext("ダイレクトメッセージ") if channel.kind == ChannelKind.DIRECT else f"#{channel.name}"


def subject_for(notifications: list[Notification]) -> str:
    """「[kyoso] 八女 太郎さんがあなたをメンションしました（#窓口業務）」, or a count for several."""
    first = notifications[0]
    count = len(notifications)
    if count == 1:
        line = kinds.describe(first)
    elif first.thread_root_id is not None:
        replies_only = all(n.kind == kinds.THREAD_REPLY.key for n in notifications)
        template = (
            gettext("%(place)s のスレッドに新しい返信が%(count)d件")
            if replies_only
            else gettext("%(place)s のスレッドにあなたへの通知が%(count)d件")
        )
        line = template % {"place": _place(first), "count": count}
    elif first.channel is not None and first.channel.kind == ChannelKind.DIRECT:
        actors = {n.actor_id for n in notifications}
        if len(actors) == 1 and first.actor is not None:
            line = gettext("%(actor)sさんからダイレクトメッセージが%(count)d件") % {
                "actor": first.actor.display_name,
                "count": count,
            }
        else:
            line = gettext("ダイレクトメッセージが%(count)d件") % {"count": count}
    else:
        line = gettext("%(place)s であなたへの通知が%(count)d件") % {"place": _place(first), "count": count}
    return (SUBJECT_PREFIX + " ".join(line.split()))[:SUBJECT_LIMIT]


def render_missed_mail(
    *, recipient: Member, notifications: list[Notification], settings_row: NotificationSettings
) -> MissedMail:
    """The mail for one member and one conversation (``notifications`` oldest first)."""
    with translation.override(settings.LANGUAGE_CODE):
        unsubscribe = unsubscribe_url(settings_row)
        hide = settings_row.hide_content
        mentioned: set[int] = set()
        if not hide:
            for n in notifications:
                if n.message is not None:
                    mentioned |= parse_mentions(n.message.text).member_ids
        names = member_names(mentioned)
        context = {
            "member": recipient,
            "items": [_item(n, hide, names) for n in notifications],
            "hide_content": settings_row.hide_content,
            "minutes": settings.KYOSO_NOTIFY_EMAIL_GRACE_MINUTES,
            "settings_url": site_url(reverse("notifications:settings")),
            "unsubscribe_url": unsubscribe,
            "site_url": site_url(),
        }
        subject = subject_for(notifications)
        context["subject"] = subject
        body = render_to_string("notify/email/missed.body.txt", context)
        html_body = render_to_string("notify/email/missed.body.html", context)
    headers = {
        # RFC 8058: a mail client's own 「配信停止」 button POSTs to this URL; no sign-in needed.
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        # RFC 3834: no vacation auto-replies to a machine.
        "Auto-Submitted": "auto-generated",
    }
    return MissedMail(subject=subject, body=body, html_body=html_body, headers=headers)
