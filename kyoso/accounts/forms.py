"""Forms of the account pages, in the member's language."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

# One message for a wrong password, an unknown address and a member who may not sign in:
# the sign-in form must not tell anyone whether an address is registered.
INVALID_SIGN_IN = _("メールアドレスまたはパスワードが正しくありません。入力内容を確認してください。")


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("メールアドレス"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True, "class": "field__input"}),
        error_messages={
            "required": _("メールアドレスを入力してください。"),
            "invalid": _("メールアドレスの形式で入力してください（例: taro@city.example.lg.jp）。"),
        },
    )
    password = forms.CharField(
        label=_("パスワード"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "class": "field__input"}),
        error_messages={"required": _("パスワードを入力してください。")},
    )

    error_messages = {
        "invalid_login": INVALID_SIGN_IN,
        "inactive": INVALID_SIGN_IN,
    }

    def clean_username(self) -> str:
        # Addresses are stored in lower case (MemberManager.create_user); people type them any way.
        return self.cleaned_data["username"].strip().lower()

    def full_clean(self) -> None:
        super().full_clean()
        # Tie each message to its input, so a screen reader reads it on focus.
        for name, field in self.fields.items():
            described_by = []
            if self.non_field_errors():
                described_by.append("sign-in-error")
            if name in self.errors:
                described_by.append(f"{self[name].id_for_label}-error")
            if described_by:
                field.widget.attrs["aria-describedby"] = " ".join(described_by)
