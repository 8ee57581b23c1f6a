"""Notifications (通知). The outbox keeps sent e-mails for the embedded demo, which has no mail server."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxEmail(models.Model):
    to = models.CharField(_("宛先"), max_length=254, db_index=True)
    subject = models.CharField(_("件名"), max_length=300)
    body = models.TextField(_("本文"))
    sent_at = models.DateTimeField(_("送信日時"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("送信済みメール")
        verbose_name_plural = _("送信済みメール")

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"
