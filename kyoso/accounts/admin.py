from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from kyoso.accounts.models import Member


@admin.register(Member)
class MemberAdmin(UserAdmin):
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
    readonly_fields = ["date_joined", "last_login"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("プロフィール"), {"fields": ("full_name", "full_name_kana", "display_name", "bio", "interests")}),
        (_("所属"), {"fields": ("organization", "department", "title")}),
        (_("役割と状態"), {"fields": ("role", "status", "is_staff", "is_superuser", "groups")}),
        (_("日時"), {"fields": ("date_joined", "last_login")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "display_name", "organization", "password1", "password2"),
            },
        ),
    )
    filter_horizontal = ["groups"]
