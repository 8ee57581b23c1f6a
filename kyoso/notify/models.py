"""Notifications (通知) and each member's choices about them.

A notification says "this happened for you": someone named you, replied in a thread you follow, wrote
to you directly, or (through kinds that later features register in kyoso.notify.kinds) accepted your
answer or reminds you of a study session. It points at what it is about, becomes read when you open
that (in any tab or device), and is mailed to you only if you have not seen it after a grace period.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MailState(models.TextChoices):
    # Not decided yet: unread, younger than the grace period, or waiting for quiet hours to end.
    PENDING = "pending", _("未判定")
    MAILED = "mailed", _("メールで送信")
    # Read in time, a kind the member takes in the app only, or mails turned off: never mailed.
    SKIPPED = "skipped", _("送信しない")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("種類"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.ForeignKey(
        "chat.Channel", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    message = models.ForeignKey(
        "chat.Message", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The conversation a mail batches by: the thread's first message for a reply, else None (the channel).
    thread_root = models.ForeignKey(
        "chat.Message", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # What a kind from a later feature needs to show itself (a title, a link), as kinds.py describes.
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("日時"), default=timezone.now)
    read_at = models.DateTimeField(_("既読日時"), null=True, blank=True)
    mail_state = models.CharField(
        _("メール"), max_length=10, choices=MailState.choices, default=MailState.PENDING
    )
    mail = models.ForeignKey("core.Mail", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-id"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        constraints = [
            # One notification of a kind per member and message: a retried post cannot make a second.
            # (A post gives each member one item, of its most telling kind: kinds.py, actions.py.)
            models.UniqueConstraint(
                fields=["recipient", "kind", "message"],
                condition=Q(message__isnull=False),
                name="notify_once_per_message",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-id"], name="notify_recipient_unread"),
            models.Index(fields=["mail_state", "created_at"], name="notify_mail_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class Digest(models.TextChoices):
    OFF = "off", _("受け取らない")
    DAILY = "daily", _("毎日")
    WEEKLY = "weekly", _("毎週")


def new_unsubscribe_key() -> str:
    return secrets.token_urlsafe(24)


class NotificationSettings(models.Model):
    """A member's choices; a member who never changed them has no row and gets the defaults."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_settings",
    )
    # Mails for what the member missed (mentions, DMs, replies in followed threads).
    email_missed = models.BooleanField(_("見逃した通知をメールで受け取る"), default=True)
    # Kinds (kinds.py keys) the member takes in the app only, and kinds they do not want at all.
    email_off_kinds = models.JSONField(default=list, blank=True)
    muted_kinds = models.JSONField(default=list, blank=True)
    hide_content = models.BooleanField(_("メールに投稿の本文を載せない"), default=False)
    # 日本時間. No mail between these (either may be before the other: 22:00–7:00 spans midnight).
    quiet_from = models.TimeField(_("メールを送らない時間（から）"), null=True, blank=True)
    quiet_until = models.TimeField(_("メールを送らない時間（まで）"), null=True, blank=True)
    digest = models.CharField(_("まとめメール"), max_length=10, choices=Digest.choices, default=Digest.WEEKLY)
    # The secret behind the one-click unsubscribe links in the member's mails; a new one voids them all.
    unsubscribe_key = models.CharField(
        max_length=64, unique=True, default=new_unsubscribe_key, editable=False
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("通知の設定")
        verbose_name_plural = _("通知の設定")

    def __str__(self) -> str:
        return f"settings of {self.member_id}"


class DigestLog(models.Model):
    """A member's last digest (まとめメール): what keeps the digest job from sending one twice.

    ``checked_slot`` is the last scheduled moment (a day's ``KYOSO_NOTIFY_DIGEST_HOUR``, 日本時間) at
    which the member was considered, sent or not; ``slot`` is the one of the last digest sent. The
    job flips ``checked_slot`` in the transaction that creates the mail, so a crash loses nothing and
    sends nothing twice.
    """

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    slot = models.DateTimeField(_("最後のまとめメールの予定時刻"), null=True, blank=True)
    checked_slot = models.DateTimeField(null=True, blank=True)
    # The pass that flipped ``checked_slot`` last: how a pass knows which rows it won.
    claim = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)
    mail = models.ForeignKey("core.Mail", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("まとめメールの記録")
        verbose_name_plural = _("まとめメールの記録")

    def __str__(self) -> str:
        return f"digest log of {self.member_id}"


class PushSubscription(models.Model):
    """A browser that asked for Web Push (プッシュ通知): where its push service takes messages for it.

    It belongs to the signed-in session that asked, so signing out of that browser (or from another
    one) stops its notifications: nothing is pushed to a subscription whose session is gone, and the
    push task removes it. (No cascade: ending a session writes nothing beyond the session itself.)
    The endpoint is the push service's address for this browser; the keys encrypt every message to it
    (RFC 8291), so the push service never reads what is sent.
    """

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    session = models.ForeignKey(
        "accounts.MemberSession",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    endpoint = models.CharField(max_length=1024, unique=True)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("プッシュ通知の送り先")
        verbose_name_plural = _("プッシュ通知の送り先")

    def __str__(self) -> str:
        return f"push subscription of {self.member_id}"
