"""Errors a member can cause in conversations; the edge shows each in the member's language."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class ChatError(Exception):
    message = _("操作を完了できませんでした。")

    def __init__(self, message: str | None = None):
        super().__init__(message or str(self.message))
        if message:
            self.message = message


class ChannelNotFound(ChatError):
    # The same answer for "does not exist" and "you may not see it": no private channel leaks.
    message = _("チャンネルが見つかりません。")


class NotAllowedToPost(ChatError):
    message = _("このチャンネルには投稿できません。")


class EmptyMessage(ChatError):
    message = _("メッセージが空です。")


class MessageTooLong(ChatError):
    message = _("メッセージが長すぎます。")


class InvalidText(ChatError):
    message = _("メッセージに使えない文字が含まれています。")


class ChannelArchived(ChatError):
    message = _("このチャンネルはアーカイブされています。")


class MessageNotFound(ChatError):
    message = _("メッセージが見つかりません。")
