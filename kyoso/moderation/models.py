"""Moderation: the audit log (監査ログ) of every operator action. Reports and sanctions come later."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作した人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    target_type = models.CharField(_("対象の種類"), max_length=64)
    target_id = models.CharField(_("対象のID"), max_length=64)
    target_label = models.CharField(_("対象"), max_length=200)
    before = models.JSONField(_("変更前"), null=True, blank=True)
    after = models.JSONField(_("変更後"), null=True, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(_("日時"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]
        verbose_name = _("監査ログ")
        verbose_name_plural = _("監査ログ")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_label}"
