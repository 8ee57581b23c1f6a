"""kyoso's e-mails: Japanese templates (English for members who chose it), sent on commit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from kyoso.notify.models import OutboxEmail


def site_url(path: str = "") -> str:
    return settings.KYOSO_SITE_URL.rstrip("/") + path


def render_email(template: str, context: dict[str, Any], language: str | None = None) -> tuple[str, str]:
    """Render ``notify/email/<template>.subject.txt`` and ``.body.txt`` in the given language."""
    with translation.override(language or settings.LANGUAGE_CODE):
        full_context = {"site_url": site_url(), "site_name": "kyoso", **context}
        subject = render_to_string(f"notify/email/{template}.subject.txt", full_context).strip()
        body = render_to_string(f"notify/email/{template}.body.txt", full_context)
    return " ".join(subject.split()), body


def send_email(*, to: str, template: str, context: dict[str, Any], language: str | None = None) -> None:
    """Send after the surrounding transaction commits, so no mail speaks of a change rolled back."""
    subject, body = render_email(template, context, language)

    def deliver() -> None:
        if settings.KYOSO_OUTBOX:
            OutboxEmail.objects.create(to=to, subject=subject, body=body)
        EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]).send()

    transaction.on_commit(deliver)
