"""Members and their sign-in records in the admin. Secrets (password hashes, TOTP secrets, link and
recovery-code digests) are never shown."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kyoso.accounts.actions import roles, security
from kyoso.accounts.actions.profile import announce_rename
from kyoso.accounts.models import Application, EmailLink, Member, MemberSession, RecoveryCode, TOTPDevice
from kyoso.core.admin_base import AuditedAdmin, ReadOnlyAdmin, name_in_japanese
from kyoso.core.errors import MemberFacingError


def _operator(request: HttpRequest) -> Member:
    """The admin is open only to signed-in operators (kyoso.web.admin_site), so its user is a member."""
    assert isinstance(request.user, Member)
    return request.user


name_in_japanese(EmailLink, _("メールのリンク"))
name_in_japanese(TOTPDevice, _("二段階認証の設定"))
name_in_japanese(RecoveryCode, _("回復コード"))
name_in_japanese(MemberSession, _("サインイン中の端末"))


ROLE_INPUTS = ("role", "ambassador_region", "role_until")
STATUS_INPUTS = ("status", "status_reason")


class MemberAdminForm(forms.ModelForm):
    def clean_email(self) -> str:
        # The one spelling sign-in looks up (MemberManager.normalize_email), checked unique as such.
        return Member.objects.normalize_email(self.cleaned_data["email"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk and set(ROLE_INPUTS) & set(self.changed_data):
            try:
                roles.check_role_change(
                    Member.objects.get(pk=self.instance.pk),
                    cleaned.get("role", ""),
                    region=cleaned.get("ambassador_region", ""),
                    until=cleaned.get("role_until"),
                )
            except MemberFacingError as error:
                raise forms.ValidationError(str(error)) from None
        return cleaned


@admin.register(Member)
class MemberAdmin(AuditedAdmin):
    form = MemberAdminForm
    ordering = ["id"]
    list_display = ["email", "display_name", "full_name", "organization", "department", "role", "status"]
    list_filter = ["role", "status", "is_staff", "organization__kind", "organization__region"]
    search_fields = [
        "email",
        "full_name",
        "full_name_kana",
        "display_name",
        "department",
        "organization__name",
    ]
    autocomplete_fields = ["organization"]
    # is_staff follows the role (roles.change_role); the cause of a status is set by its action.
    readonly_fields = [
        "date_joined",
        "last_login",
        "email_verified_at",
        "status_changed_at",
        "is_staff",
        "is_superuser",
    ]
    fieldsets = (
        (None, {"fields": ("email",)}),
        (_("プロフィール"), {"fields": ("full_name", "full_name_kana", "display_name", "bio", "interests")}),
        (_("所属"), {"fields": ("organization", "department", "title")}),
        (
            _("役割と状態"),
            {
                "fields": (
                    "role",
                    "ambassador_region",
                    "role_until",
                    "status",
                    "status_reason",
                    "is_staff",
                    "is_superuser",
                    "groups",
                )
            },
        ),
        (
            _("日時"),
            {
                "fields": (
                    "date_joined",
                    "last_login",
                    "email_verified_at",
                    "status_changed_at",
                    "reconfirmation_requested_at",
                    "inactivity_warned_at",
                )
            },
        ),
    )
    filter_horizontal = ["groups"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Members join through 参加登録 or an operator's invitation, which check eligibility.
        return False

    def save_model(self, request: HttpRequest, obj: Member, form: Any, change: bool) -> None:
        """Profile fields save as usual; role and status go through their actions (rules and audit)."""
        changed = set(form.changed_data) if change else set()
        wanted = {name: getattr(obj, name) for name in (*ROLE_INPUTS, *STATUS_INPUTS)}
        if change and changed & {*ROLE_INPUTS, *STATUS_INPUTS}:
            current = Member.objects.get(pk=obj.pk)
            for name in (*ROLE_INPUTS, *STATUS_INPUTS, "is_staff", "status_cause", "status_changed_at"):
                setattr(obj, name, getattr(current, name))
        super().save_model(request, obj, form, change)
        if "display_name" in changed:
            announce_rename(obj.pk)
        if changed & set(ROLE_INPUTS):
            roles.change_role(
                _operator(request),
                obj,
                wanted["role"],
                region=wanted["ambassador_region"],
                until=wanted["role_until"],
            )
        if changed & set(STATUS_INPUTS):
            roles.change_status(_operator(request), obj, wanted["status"], reason=wanted["status_reason"])
        obj.refresh_from_db()


@admin.register(Application)
class ApplicationAdmin(AuditedAdmin):
    list_display = ["email", "full_name", "organization", "department", "status", "eligibility", "created_at"]
    list_filter = ["status", "eligibility", "role"]
    search_fields = ["email", "full_name", "display_name", "department", "organization__name"]
    autocomplete_fields = ["organization"]
    # Decisions are made in the review queue, which creates the member and sends the e-mail.
    readonly_fields = [
        "status", "eligibility", "eligibility_detail", "created_at", "email_verified_at",
        "decided_at", "decided_by", "decision_reason", "member",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(EmailLink)
class EmailLinkAdmin(ReadOnlyAdmin):
    list_display = ["purpose", "email", "member", "created_at", "expires_at", "used_at"]
    list_filter = ["purpose"]
    search_fields = ["email"]
    fields = ["purpose", "email", "member", "application", "created_at", "expires_at", "used_at"]


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(ReadOnlyAdmin):
    list_display = ["member", "confirmed_at"]
    search_fields = ["member__email", "member__display_name"]
    fields = ["member", "confirmed_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Removing a device resets a member's two-factor (a lost phone); the next sign-in asks again.
        return super(ReadOnlyAdmin, self).has_delete_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: TOTPDevice) -> None:
        # Audited as a delete, then reset through the action: recovery codes go, the member is told,
        # and the operator log has a two_factor.reset line.
        member = obj.member
        super().delete_model(request, obj)
        security.reset_two_factor(operator=_operator(request), member=member)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        members = [device.member for device in queryset.select_related("member")]
        super().delete_queryset(request, queryset)
        for member in members:
            security.reset_two_factor(operator=_operator(request), member=member)


@admin.register(RecoveryCode)
class RecoveryCodeAdmin(ReadOnlyAdmin):
    list_display = ["member", "used_at"]
    search_fields = ["member__email"]
    fields = ["member", "used_at"]


@admin.register(MemberSession)
class MemberSessionAdmin(ReadOnlyAdmin):
    list_display = ["member", "ip_address", "user_agent", "created_at", "last_seen_at"]
    search_fields = ["member__email", "ip_address"]
    fields = ["member", "ip_address", "user_agent", "created_at", "last_seen_at"]


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedAdmin):
    search_fields = ["name"]
    filter_horizontal = ["permissions"]
