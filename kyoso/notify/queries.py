"""Reads of notifications and of what kyoso sent (the demo outbox), always for the member asking."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from kyoso.accounts.models import Member
from kyoso.chat.markdown import plain_text
from kyoso.chat.mentions import MEMBER_TOKEN
from kyoso.chat.queries import message_permalink, visible_channels
from kyoso.core.models import Mail, MailStatus
from kyoso.notify.models import Notification, NotificationSettings

NOTIFICATION_PAGE_SIZE = 30
# The bell counts at most this many (then shows 「99+」), like the sidebar's badges.
UNREAD_COUNT_LIMIT = 100


def sent_mail(*, limit: int) -> list[Mail]:
    """The e-mails sent most recently, newest first (shown only in the demo's local outbox)."""
    return list(Mail.objects.filter(status=MailStatus.SENT).order_by("-sent_at", "-id")[:limit])


def settings_for(member: Member) -> NotificationSettings:
    """The member's choices, or the defaults (an unsaved row) when they never changed them."""
    found = NotificationSettings.objects.filter(member_id=member.pk).first()
    return found if found is not None else NotificationSettings(member_id=member.pk)


def visible_notifications(member: Member | int) -> QuerySet[Notification]:
    """The member's notifications about what they may still read: one from a private channel they
    left is not shown (nor counted)."""
    member_id = member if isinstance(member, int) else member.pk
    reader = member if isinstance(member, Member) else Member.objects.get(pk=member_id)
    return Notification.objects.filter(recipient_id=member_id).filter(
        Q(channel__isnull=True) | Q(channel__in=visible_channels(reader).values("pk"))
    )


def unread_count(member: Member | int) -> int:
    """The bell's number, up to UNREAD_COUNT_LIMIT."""
    ids = visible_notifications(member).filter(read_at__isnull=True).values("id")[:UNREAD_COUNT_LIMIT]
    return Notification.objects.filter(id__in=ids).count()


@dataclass
class NotificationPage:
    items: list[Notification]
    older_than: int | None  # pass as ``before`` for the next page


def notification_page(
    member: Member,
    *,
    before: int | None = None,
    unread_only: bool = False,
    limit: int = NOTIFICATION_PAGE_SIZE,
) -> NotificationPage:
    """The bell's page, newest first, by keyset over the id."""
    rows = visible_notifications(member).select_related(
        "actor", "actor__organization", "channel", "message", "thread_root"
    )
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    if before is not None:
        rows = rows.filter(id__lt=before)
    found = list(rows.order_by("-id")[: limit + 1])
    return NotificationPage(found[:limit], found[limit - 1].pk if len(found) > limit else None)


def own_notification(member: Member, notification_id: int) -> Notification | None:
    return (
        visible_notifications(member)
        .select_related("channel", "message", "thread_root")
        .filter(pk=notification_id)
        .first()
    )


# The bell's page shows this much of the message a notification points at, as plain words.
SNIPPET_LENGTH = 120


def message_snippets(items: list[Notification], *, length: int = SNIPPET_LENGTH) -> dict[int, str]:
    """Each notification's message as a line of plain words (by notification id), mentions read by the
    members' current names; a deleted message has no text to show."""
    messages = [n.message for n in items if n.message is not None and n.message.deleted_at is None]
    mentioned: set[int] = set()
    for written in messages:
        mentioned.update(int(found["id"]) for found in MEMBER_TOKEN.finditer(written.text))
    names = dict(Member.objects.filter(pk__in=mentioned).values_list("pk", "display_name"))
    snippets: dict[int, str] = {}
    for item in items:
        message = item.message
        if message is None or message.deleted_at is not None:
            continue
        plain = plain_text(message.text, names=names)
        snippets[item.pk] = plain if len(plain) <= length else plain[: length - 1] + "…"
    return snippets


def notification_url(item: Notification) -> str | None:
    """The path a notification leads to: its message, or the page a later feature's kind named in
    ``data["url"]`` (a path on this site only); None when it points at nothing."""
    if item.message is not None:
        return message_permalink(item.message)
    url = item.data.get("url") if isinstance(item.data, dict) else None
    if isinstance(url, str) and url.startswith("/") and not url.startswith(("//", "/\\")):
        return url
    return None
