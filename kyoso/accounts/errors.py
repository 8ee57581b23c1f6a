"""Errors a member or applicant can cause; each carries a message in the member's language."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class AccountError(Exception):
    message = _("操作を完了できませんでした。")

    def __init__(self, message: str | None = None):
        super().__init__(message or str(self.message))
        if message:
            self.message = message


class LinkInvalid(AccountError):
    message = _("このリンクは無効です。メールのリンクをもう一度確認してください。")


class LinkExpired(AccountError):
    message = _("このリンクは有効期限が切れています。もう一度お申し込みください。")


class LinkUsed(AccountError):
    message = _("このリンクはすでに使われています。")


class RateLimited(AccountError):
    message = _("短時間に操作が集中しました。しばらく待ってからもう一度お試しください。")
