"""The kernel's records: every e-mail kyoso sends (メール), and the workers that run background tasks.

A ``Mail`` row is the source of truth for one e-mail: the task that sends it claims the row with a
conditional update, so a task run twice (a retry, a worker restarted) never sends it twice.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MailStatus(models.TextChoices):
    QUEUED = "queued", _("送信待ち")
    SENDING = "sending", _("送信中")
    SENT = "sent", _("送信済み")
    FAILED = "failed", _("送信失敗")


class Mail(models.Model):
    to = models.CharField(_("宛先"), max_length=254, db_index=True)
    template = models.CharField(_("テンプレート"), max_length=100)
    subject = models.CharField(_("件名"), max_length=300)
    # Emptied once sent unless the demo outbox is on: bodies hold sign-in links.
    body = models.TextField(_("本文"), blank=True)
    # An HTML alternative of the body (emptied with it), and extra headers such as List-Unsubscribe.
    html_body = models.TextField(_("本文（HTML）"), blank=True)
    headers = models.JSONField(_("ヘッダー"), default=dict, blank=True)
    status = models.CharField(_("状態"), max_length=10, choices=MailStatus.choices, default=MailStatus.QUEUED)
    attempts = models.PositiveIntegerField(_("試行回数"), default=0)
    last_error = models.TextField(_("最後のエラー"), blank=True)
    created_at = models.DateTimeField(_("作成日時"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("次の試行"), default=timezone.now)
    # While SENDING: who sends it, and until when the claim holds (then another task may take it over).
    claimed_by = models.CharField(_("送信中のワーカー"), max_length=64, blank=True)
    lease_until = models.DateTimeField(_("送信の期限"), null=True, blank=True)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("メール")
        verbose_name_plural = _("メール")
        indexes = [models.Index(fields=["status", "next_attempt_at"]), models.Index(fields=["-sent_at"])]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"

    @property
    def message_id(self) -> str:
        """The same Message-ID on every try, so a receiver can recognise a mail it already has."""
        return f"<kyoso-mail-{self.pk}-{int(self.created_at.timestamp())}@kyoso>"


class WorkerHeartbeat(models.Model):
    """A running ``kyoso worker``: it writes ``seen_at`` every few seconds and deletes its row on exit."""

    worker_id = models.CharField(_("ワーカー ID"), max_length=64, primary_key=True)
    hostname = models.CharField(_("ホスト名"), max_length=255)
    pid = models.PositiveIntegerField(_("プロセス ID"))
    started_at = models.DateTimeField(_("開始日時"), default=timezone.now)
    seen_at = models.DateTimeField(_("最終応答"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-seen_at"]
        verbose_name = _("ワーカー")
        verbose_name_plural = _("ワーカー")

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid} ({self.worker_id})"
