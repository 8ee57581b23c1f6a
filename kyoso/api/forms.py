"""The form of the アクセストークン page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kyoso.api.actions import MAX_EXPIRY_DAYS
from kyoso.api.models import PersonalToken

INPUT = {"class": "field__input"}


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("名前"),
        max_length=PersonalToken._meta.get_field("name").max_length,
        help_text=_("何に使うトークンか分かる名前を付けてください。例：集計スクリプト"),
        widget=forms.TextInput(attrs={**INPUT, "autocomplete": "off"}),
    )
    expires_in_days = forms.IntegerField(
        label=_("有効期限（日数）"),
        required=False,
        min_value=1,
        max_value=MAX_EXPIRY_DAYS,
        help_text=_("空欄にすると、無効にするまで使えます。"),
        widget=forms.NumberInput(attrs={**INPUT, "inputmode": "numeric"}),
    )
