"""Members (メンバー): verified public servants who speak as individuals.

Japanese terms: 参加登録 (registration), 所属 (organisation), 部署 (department), 役職 (title),
アンバサダー (ambassador), アドバイザー (advisor), モデレーター (moderator), 運営 (operator).
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MEMBER = "member", _("メンバー")
    AMBASSADOR = "ambassador", _("アンバサダー")
    ADVISOR = "advisor", _("アドバイザー")
    MODERATOR = "moderator", _("モデレーター")
    OPERATOR = "operator", _("運営")


class MemberStatus(models.TextChoices):
    PENDING = "pending", _("確認待ち")
    ACTIVE = "active", _("参加中")
    SUSPENDED = "suspended", _("一時停止")
    DEACTIVATED = "deactivated", _("退会")


class MemberManager(BaseUserManager["Member"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: object) -> Member:
        if not email:
            raise ValueError("email is required")
        member = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            member.set_password(password)
        else:
            member.set_unusable_password()
        member.save(using=self._db)
        return member

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> Member:
        fields.setdefault("role", Role.OPERATOR)
        fields.setdefault("status", MemberStatus.ACTIVE)
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("full_name", "運営")
        fields.setdefault("display_name", "運営")
        return self.create_user(email, password, **fields)


class Member(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("メールアドレス"), unique=True)
    full_name = models.CharField(_("氏名"), max_length=100)
    full_name_kana = models.CharField(_("氏名（よみがな）"), max_length=200, blank=True)
    display_name = models.CharField(_("表示名"), max_length=50)
    organization = models.ForeignKey(
        "directory.Organization",
        verbose_name=_("所属団体"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    department = models.CharField(_("部署名"), max_length=100, blank=True)
    title = models.CharField(_("役職"), max_length=100, blank=True)
    bio = models.TextField(_("自己紹介"), blank=True, max_length=2000)
    interests = models.CharField(_("関心のあるテーマ"), max_length=500, blank=True)
    role = models.CharField(
        _("役割"), max_length=16, choices=Role.choices, default=Role.MEMBER, db_index=True
    )
    status = models.CharField(
        _("状態"), max_length=16, choices=MemberStatus.choices, default=MemberStatus.PENDING, db_index=True
    )
    is_staff = models.BooleanField(_("管理画面を使える"), default=False)
    date_joined = models.DateTimeField(_("登録日時"), default=timezone.now)

    objects = MemberManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name", "display_name"]

    class Meta:
        verbose_name = _("メンバー")
        verbose_name_plural = _("メンバー")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.display_name or self.email

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        # Django's auth refuses sign-in for inactive users; only active members may sign in.
        return self.status == MemberStatus.ACTIVE

    @property
    def is_operator(self) -> bool:
        return self.role == Role.OPERATOR

    @property
    def affiliation(self) -> str:
        """What every post shows beside the name, e.g. 久留米市 · 市民課."""
        parts = [self.organization.name if self.organization_id else "", self.department]
        return " · ".join(p for p in parts if p)
