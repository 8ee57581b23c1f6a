from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _default_stamps(sender: AppConfig, **kwargs: Any) -> None:
    """Every community starts with the seven default stamps (共創, なるほど, ...), like Django's own
    content types: made after ``migrate``, so a fresh install and a flushed test database have them."""
    from kyoso.chat.actions import ensure_default_stamps

    ensure_default_stamps()


class ChatConfig(AppConfig):
    name = "kyoso.chat"
    verbose_name = "チャンネルとメッセージ (chat)"

    def ready(self) -> None:
        from kyoso.accounts import signals as account_signals
        from kyoso.chat.actions.channels import join_admitted_member
        from kyoso.chat.actions.renames import on_member_renamed
        from kyoso.chat.queries import registration_channels

        post_migrate.connect(_default_stamps, sender=self, dispatch_uid="kyoso.chat.default_stamps")
        account_signals.member_admitted.connect(join_admitted_member, dispatch_uid="kyoso.chat.admitted")
        account_signals.member_renamed.connect(on_member_renamed, dispatch_uid="kyoso.chat.renamed")
        account_signals.provide_registration_channels(registration_channels)
