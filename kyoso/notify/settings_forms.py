"""The notification settings form (通知の設定): what the page asks, checked before any action runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kyoso.core import schedule
from kyoso.notify import kinds
from kyoso.notify.models import Digest, NotificationSettings

# The periodic job that sends digests (kyoso.notify.digests registers it in NotifyConfig.ready).
DIGEST_JOB = "notify.digests"


def digests_are_sent() -> bool:
    return any(job.name == DIGEST_JOB for job in schedule.jobs())


def app_field(key: str) -> str:
    return f"app_{key}"


def mail_field(key: str) -> str:
    return f"mail_{key}"


TIME_WIDGET = forms.TimeInput(attrs={"type": "time", "class": "field__input"}, format="%H:%M")
TIME_ERRORS = {"invalid": _("時刻は「22:00」のように、時と分で入力してください。")}


class NotificationSettingsForm(forms.Form):
    email_missed = forms.BooleanField(
        label=_("見逃した通知をメールで受け取る"),
        required=False,
        help_text=_(
            "メンション、ダイレクトメッセージ、フォロー中のスレッドへの返信を読まないままにしていると、まとめて1通のメールでお知らせします。"
        ),
    )
    hide_content = forms.BooleanField(
        label=_("メールに投稿の本文を載せない"),
        required=False,
        help_text=_("メールには誰がどこに書いたかと、その投稿へのリンクだけを載せます。"),
    )
    quiet_from = forms.TimeField(
        label=_("開始（日本時間）"), required=False, widget=TIME_WIDGET, error_messages=TIME_ERRORS
    )
    quiet_until = forms.TimeField(
        label=_("終了（日本時間）"), required=False, widget=TIME_WIDGET, error_messages=TIME_ERRORS
    )
    digest = forms.ChoiceField(
        label=_("まとめメールの頻度"),
        choices=Digest.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("まとめメールの頻度を選んでください。"),
            "invalid_choice": _("まとめメールは「受け取らない」「毎日」「毎週」から選んでください。"),
        },
    )

    def __init__(self, data: Mapping[str, Any] | None = None, *, current: NotificationSettings) -> None:
        initial = {
            "email_missed": current.email_missed,
            "hide_content": current.hide_content,
            "quiet_from": current.quiet_from,
            "quiet_until": current.quiet_until,
            "digest": current.digest,
        }
        self.kinds = kinds.all_kinds()
        for kind in self.kinds:
            initial[app_field(kind.key)] = kind.key not in current.muted_kinds
            if kind.email:
                initial[mail_field(kind.key)] = kind.key not in current.email_off_kinds
        super().__init__(data, initial=initial)
        # Never promise a mail that is not sent: until a digest job runs, the page says so.
        self.digests_sent = digests_are_sent()
        if not self.digests_sent:
            self.fields["digest"].label = _("まとめメール（準備中: まだ送られません）")
        for kind in self.kinds:
            self.fields[app_field(kind.key)] = forms.BooleanField(label=_("アプリで知らせる"), required=False)
            if kind.email:
                self.fields[mail_field(kind.key)] = forms.BooleanField(
                    label=_("メールで知らせる"), required=False
                )

    def kind_rows(self) -> list[dict[str, Any]]:
        """Per kind, its label and its one or two checkboxes, for the template."""
        return [
            {
                "kind": kind,
                "app": self[app_field(kind.key)],
                "mail": self[mail_field(kind.key)] if kind.email else None,
            }
            for kind in self.kinds
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("quiet_from"), cleaned.get("quiet_until")
        if "quiet_from" in self.errors or "quiet_until" in self.errors:
            return cleaned
        if start is None and end is not None:
            self.add_error(
                "quiet_from",
                _("開始の時刻も入力してください（送らない時間を使わないときは両方を空にします）。"),
            )
        elif end is None and start is not None:
            self.add_error(
                "quiet_until",
                _("終了の時刻も入力してください（送らない時間を使わないときは両方を空にします）。"),
            )
        elif start is not None and start == end:
            self.add_error("quiet_until", _("開始と終了に違う時刻を入力してください。"))
        return cleaned

    def full_clean(self) -> None:
        super().full_clean()
        # Tie each message to its input, so a screen reader reads it on focus.
        for name, field in self.fields.items():
            if name in self.errors:
                field.widget.attrs["aria-describedby"] = f"id_{name}-error"
                field.widget.attrs["aria-invalid"] = "true"

    def choices(self) -> dict[str, Any]:
        """The keyword arguments of ``actions.update_settings``."""
        data = self.cleaned_data
        return {
            "email_missed": data["email_missed"],
            "hide_content": data["hide_content"],
            "quiet_hours": (data["quiet_from"], data["quiet_until"]),
            "digest": data["digest"],
            "muted_kinds": [k.key for k in self.kinds if not data[app_field(k.key)]],
            "email_off_kinds": [k.key for k in self.kinds if k.email and not data[mail_field(k.key)]],
        }
