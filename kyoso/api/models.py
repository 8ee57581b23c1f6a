"""The JSON API's own data: 個人用アクセストークン (personal access token).

A token lets a member's own scripts and bots use the API as that member. Only a digest of the
secret is stored: the secret is shown once, when the token is made.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PersonalToken(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("メンバー"),
        on_delete=models.CASCADE,
        related_name="personal_tokens",
    )
    name = models.CharField(_("名前"), max_length=100)
    # sha256 of the whole secret: a random 256-bit secret needs no key or slow hash to be safe at rest.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The start of the secret, so a member can tell their tokens apart (and find a leaked one).
    prefix = models.CharField(_("先頭の文字"), max_length=24, editable=False)
    created_at = models.DateTimeField(_("作成日時"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最終利用日時"), null=True, blank=True)
    expires_at = models.DateTimeField(_("有効期限"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("無効にした日時"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("アクセストークン")
        verbose_name_plural = _("アクセストークン")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now: datetime | None = None) -> bool:
        """Neither revoked nor expired."""
        moment = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > moment)
