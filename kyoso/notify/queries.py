"""Reads of what kyoso sent: the demo outbox (送信済みメール)."""

from __future__ import annotations

from kyoso.core.models import Mail, MailStatus


def sent_mail(*, limit: int) -> list[Mail]:
    """The e-mails sent most recently, newest first (shown only in the demo's local outbox)."""
    return list(Mail.objects.filter(status=MailStatus.SENT).order_by("-sent_at", "-id")[:limit])
