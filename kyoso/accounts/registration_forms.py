"""Forms of 参加登録 (three steps), advisor invitations and the review queue, in the applicant's language."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import models
from django.utils.translation import gettext_lazy as _

from kyoso.accounts.errors import OrganizationAmbiguous, OrganizationRequired
from kyoso.accounts.forms import EmailAddressField
from kyoso.accounts.signals import registration_channels
from kyoso.core.text import fold, normalize_text
from kyoso.directory.errors import DirectoryError
from kyoso.directory.models import Organization
from kyoso.directory.queries import (
    organization_by_code,
    organization_for_email_domain,
    organizations_for_email_domain,
    prefectures,
    search_organizations,
)

INPUT = {"class": "field__input"}
CODE_LENGTH = 6


def resolve_organization(text: str, code: str = "") -> Organization:
    """The organisation the applicant means: the type-ahead's code, a typed code, or an exact name.

    Without JavaScript the applicant types a 6-digit code or a name; a name must match one
    organisation exactly (福岡県久留米市, 久留米市, くるめし), otherwise they are asked to choose.
    """
    if code.strip():
        return organization_by_code(code.strip())
    typed = normalize_text(text).replace(" ", "")
    if not typed:
        raise OrganizationRequired()
    if typed.isascii() and typed.isdigit():
        return organization_by_code(typed)
    found = search_organizations(typed, limit=3)
    exact = [o for o in found if getattr(o, "match_rank", 1) == 0]
    if len(exact) == 1:
        return exact[0]
    if len(found) == 1:
        return found[0]
    if not found:
        raise OrganizationRequired(str(_("「%(text)s」に当たる団体が見つかりません。") % {"text": text}))
    raise OrganizationAmbiguous()


def _names(code: str, typed: str) -> bool:
    """Whether ``typed`` still reads as the name of the organisation with ``code`` (or the code is bad)."""
    try:
        organization = organization_by_code(code.strip())
    except DirectoryError:
        return True  # resolving the code again says what is wrong with it
    wanted = fold(typed).replace(" ", "")
    return wanted in {fold(organization.full_name), fold(organization.name), organization.code}


class DescribedErrorsMixin:
    """Tie each error to its input, so a screen reader reads it on focus."""

    def has_field_errors(self) -> bool:
        """Whether some input has an error of its own (the summary then lists them)."""
        return any(name != NON_FIELD_ERRORS for name in self.errors)  # type: ignore[attr-defined]

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            if name in self.errors:  # type: ignore[attr-defined]
                described_by = [f"id_{name}-error"]
                if field.help_text:
                    described_by.append(f"id_{name}_helptext")
                field.widget.attrs["aria-invalid"] = "true"
                field.widget.attrs["aria-describedby"] = " ".join(described_by)


class OrganizationKindChoice(models.TextChoices):
    """Whether the applicant's organisation is in the directory, or is a 一部事務組合・広域連合."""

    DIRECTORY = "directory", _("都道府県・市区町村・府省庁")
    OTHER_BODY = "other_body", _("一部事務組合・広域連合など（一覧にない公的団体）")


@dataclass(frozen=True)
class Inference:
    """What an e-mail address says about its organisation: the one it belongs to, or how many share it."""

    organization: Organization | None
    candidates: int


def infer_organization(email: str) -> Inference:
    """The organisation an address's domain belongs to, when exactly one does (a city over its wards).

    A domain that several unrelated organisations share, one that no organisation owns, and an
    address that is no address at all (or a shared one such as gmail.com) infer nothing.
    """
    try:
        found = organization_for_email_domain(email)
        if found is not None:
            return Inference(found, 1)
        return Inference(None, len(organizations_for_email_domain(email)))
    except DirectoryError:
        return Inference(None, 0)


class ProfileStepForm(DescribedErrorsMixin, forms.Form):
    """Step 1 of 参加登録: the address, the person and where they work."""

    email = EmailAddressField(
        label=_("メールアドレス"),
        help_text=_("所属団体のメールアドレス（lg.jp・go.jp など）を入力してください。"),
        max_length=254,
        widget=forms.EmailInput(attrs={**INPUT, "autocomplete": "email"}),
        error_messages={
            "required": _("メールアドレスを入力してください。"),
            "invalid": _("メールアドレスの形式で入力してください（例: taro@city.example.lg.jp）。"),
        },
    )
    full_name = forms.CharField(
        label=_("氏名"),
        max_length=100,
        widget=forms.TextInput(attrs={**INPUT, "autocomplete": "name"}),
        error_messages={"required": _("氏名を入力してください。")},
    )
    full_name_kana = forms.CharField(
        label=_("氏名（よみがな）"), max_length=200, required=False, widget=forms.TextInput(attrs=INPUT)
    )
    display_name = forms.CharField(
        label=_("表示名"),
        help_text=_("投稿に表示される名前です。"),
        max_length=50,
        widget=forms.TextInput(attrs={**INPUT, "autocomplete": "nickname"}),
        error_messages={"required": _("表示名を入力してください。")},
    )
    organization_kind = forms.ChoiceField(
        label=_("所属団体の種類"),
        choices=OrganizationKindChoice.choices,
        initial=OrganizationKindChoice.DIRECTORY,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "choice__input", "data-organization-kind": ""}),
        error_messages={"invalid_choice": _("所属団体の種類を選んでください。")},
    )
    organization = forms.CharField(
        label=_("所属団体"),
        help_text=_(
            "団体名・よみがな・6桁の団体コードで探せます（例: 久留米市、くるめ、402036）。"
            "空欄のままにすると、メールアドレスのドメインから推定します。"
        ),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={**INPUT, "autocomplete": "off", "data-organization-combobox": ""}),
    )
    organization_code = forms.CharField(max_length=6, required=False, widget=forms.HiddenInput())
    other_body_name = forms.CharField(
        label=_("団体名（一部事務組合・広域連合など）"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs=INPUT),
    )
    other_body_prefecture = forms.ModelChoiceField(
        label=_("団体の所在都道府県"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("選んでください"),
        widget=forms.Select(attrs=INPUT),
        error_messages={"invalid_choice": _("一覧から都道府県を選んでください。")},
    )
    department = forms.CharField(
        label=_("部署名"),
        help_text=_("部署に合ったチャンネルを次の手順でおすすめします。"),
        max_length=100,
        widget=forms.TextInput(attrs=INPUT),
        error_messages={"required": _("部署名を入力してください。")},
    )
    title = forms.CharField(
        label=_("役職（任意）"), max_length=100, required=False, widget=forms.TextInput(attrs=INPUT)
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["other_body_prefecture"].queryset = prefectures()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["organization_obj"] = None
        data["organization_inferred"] = False
        if data.get("organization_kind") == OrganizationKindChoice.OTHER_BODY:
            # Only this kind asks for these two; the directory's fields are ignored.
            if not data.get("other_body_name"):
                self.add_error("other_body_name", _("一部事務組合・広域連合などの団体名を入力してください。"))
            if not data.get("other_body_prefecture") and "other_body_prefecture" not in self.errors:
                self.add_error("other_body_prefecture", _("団体の所在都道府県を選んでください。"))
            return data
        data["organization_kind"] = OrganizationKindChoice.DIRECTORY
        data["other_body_name"], data["other_body_prefecture"] = "", None
        typed, code = data.get("organization", ""), data.get("organization_code", "")
        if not typed.strip():
            self._infer(data)
            return data
        if code.strip() and not _names(code, typed):
            code = ""  # the text was edited after a choice (or after coming back): the text decides
        try:
            data["organization_obj"] = resolve_organization(typed, code)
        except (DirectoryError, OrganizationRequired, OrganizationAmbiguous) as error:
            self.add_error("organization", str(error))
        return data

    def _infer(self, data: dict[str, Any]) -> None:
        """Left blank: the organisation the address's domain belongs to, when only one does."""
        email = data.get("email")
        if not email:
            return  # the address has its own error; the organisation is inferred once it is right
        inference = infer_organization(email)
        if inference.organization is not None:
            data["organization_obj"] = inference.organization
            data["organization_inferred"] = True
        elif inference.candidates > 1:
            self.add_error(
                "organization",
                _(
                    "このメールアドレスのドメインは複数の団体が使っています。"
                    "所属団体を団体名・よみがな・6桁の団体コードで入力してください。"
                ),
            )
        else:
            self.add_error(
                "organization",
                _(
                    "メールアドレスのドメインから所属団体がわかりませんでした。"
                    "団体名・よみがな・6桁の団体コードで入力してください。"
                ),
            )

    def draft(self) -> dict[str, str]:
        """What the applicant entered, as text for the session: the organisation as it was resolved."""
        data = self.cleaned_data
        organization = data["organization_obj"]
        prefecture = data["other_body_prefecture"]
        return {
            "email": data["email"],
            "full_name": data["full_name"],
            "full_name_kana": data["full_name_kana"],
            "display_name": data["display_name"],
            "organization_kind": data["organization_kind"],
            "organization": organization.full_name if organization else "",
            "organization_code": organization.code if organization else "",
            "organization_inferred": "1" if data["organization_inferred"] else "",
            "other_body_name": data["other_body_name"],
            "other_body_prefecture": str(prefecture.pk) if prefecture else "",
            "department": data["department"],
            "title": data["title"],
        }


class ChannelsStepForm(forms.Form):
    """Step 2: the channels to join besides the default ones, a few of them suggested and ticked."""

    channels: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("参加するチャンネル（任意）"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice__input"}),
        error_messages={
            "invalid_choice": _("選べないチャンネルが含まれています。一覧から選び直してください。")
        },
    )

    def __init__(self, *args: Any, suggested: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channels"].queryset = registration_channels()  # type: ignore[attr-defined]
        self.suggested_ids = {str(channel.pk) for channel in suggested}

    def choice_groups(self) -> tuple[list[Any], list[Any]]:
        """The checkboxes of the suggested channels, and those of every other channel."""
        suggested: list[Any] = []
        others: list[Any] = []
        for choice in self["channels"]:
            (suggested if str(choice.data["value"]) in self.suggested_ids else others).append(choice)
        return suggested, others


class ConfirmStepForm(DescribedErrorsMixin, forms.Form):
    """Step 3: the terms, agreed to."""

    consent = forms.BooleanField(
        label=_("利用規約と行動規範に同意します"),
        error_messages={"required": _("参加するには、利用規約と行動規範への同意が必要です。")},
    )


class InvitationForm(DescribedErrorsMixin, forms.Form):
    """An operator invites an advisor."""

    email = EmailAddressField(label=_("メールアドレス"), max_length=254, widget=forms.EmailInput(attrs=INPUT))
    full_name = forms.CharField(label=_("氏名"), max_length=100, widget=forms.TextInput(attrs=INPUT))


class AcceptInvitationForm(DescribedErrorsMixin, forms.Form):
    """What an invited advisor completes before joining."""

    full_name_kana = forms.CharField(
        label=_("氏名（よみがな）"), max_length=200, required=False, widget=forms.TextInput(attrs=INPUT)
    )
    display_name = forms.CharField(label=_("表示名"), max_length=50, widget=forms.TextInput(attrs=INPUT))
    department = forms.CharField(
        label=_("所属（会社・大学など）"), max_length=100, widget=forms.TextInput(attrs=INPUT)
    )
    title = forms.CharField(
        label=_("役職（任意）"), max_length=100, required=False, widget=forms.TextInput(attrs=INPUT)
    )
    consent = forms.BooleanField(
        label=_("利用規約と行動規範に同意します"),
        error_messages={"required": _("参加するには、利用規約と行動規範への同意が必要です。")},
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("却下の理由（申請者へのメールに記載されます）"),
        max_length=2000,
        widget=forms.Textarea(attrs={**INPUT, "rows": 3}),
        error_messages={"required": _("却下の理由を入力してください。申請者へのメールに記載されます。")},
    )
