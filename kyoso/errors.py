"""The base of every error a member can cause: the edge shows its message in the member's language."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class MemberFacingError(Exception):
    message: str | Promise = _("操作を完了できませんでした。")

    def __init__(self, message: str | Promise | None = None) -> None:
        # Kept lazy: the message is rendered in the language active where it is shown.
        if message is not None:
            self.message = message
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)
