"""Members (メンバー): verified public servants who speak as individuals.

Japanese terms: 参加登録 (registration), 所属 (organisation), 部署 (department), 役職 (title),
アンバサダー (ambassador), アドバイザー (advisor), モデレーター (moderator), 運営 (operator).
"""

from __future__ import annotations

import contextlib
import unicodedata

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kyoso.core.crypto import EncryptedTextField
from kyoso.directory.models import Region

# The HKDF purpose of the TOTP seeds' key: changing it makes every stored seed unreadable.
TOTP_SECRET_PURPOSE = "kyoso.accounts.TOTPDevice.secret"  # noqa: S105 - a purpose label, not a secret


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


class StatusCause(models.TextChoices):
    """Why a member is not active: decides whether verifying the address again brings them back."""

    RECONFIRMATION = "reconfirmation", _("年次の再確認がされなかった")
    INACTIVITY = "inactivity", _("長期間サインインがなかった")
    MODERATION = "moderation", _("運営の判断")


class MemberManager(BaseUserManager["Member"]):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        """One spelling per mailbox, so the unique constraint, sign-in and rate limits all agree.

        Mail servers deliver 'Taro@ＣＩＴＹ.kurume。fukuoka.jp' (full-width letters and full stops, as
        Japanese input methods type them) to taro@city.kurume.fukuoka.jp: NFKC, the IDNA form of the
        domain (Japanese labels as xn--) and lower case make them one address.
        """
        text = unicodedata.normalize("NFKC", email or "").strip()
        local, at, domain = text.rpartition("@")
        if not at:
            return text.lower()
        if not domain.isascii():
            # Not a domain at all: left as it is, for the form's validator to refuse.
            with contextlib.suppress(UnicodeError):
                domain = domain.encode("idna").decode("ascii")
        return f"{local}@{domain}".lower()

    def create_user(self, email: str, password: str | None = None, **fields: object) -> Member:
        if not email:
            raise ValueError("email is required")
        member = self.model(email=self.normalize_email(email), **fields)
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
    # アンバサダー are appointed for a term, for a region.
    ambassador_region = models.CharField(_("担当地方"), max_length=16, choices=Region.choices, blank=True)
    role_until = models.DateField(_("任期の終わり"), null=True, blank=True)
    email_verified_at = models.DateTimeField(_("メール確認日時"), null=True, blank=True)
    # Set when the yearly reconfirmation asks this member to prove the address again.
    reconfirmation_requested_at = models.DateTimeField(_("再確認の依頼日時"), null=True, blank=True)
    inactivity_warned_at = models.DateTimeField(_("休眠の警告日時"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("状態の変更日時"), null=True, blank=True)
    status_reason = models.CharField(_("状態の理由"), max_length=500, blank=True)
    # Blank for anything not set by the yearly jobs: only those causes can be undone by the member.
    status_cause = models.CharField(_("状態の原因"), max_length=16, choices=StatusCause.choices, blank=True)

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
        parts = [self.organization.name if self.organization is not None else "", self.department]
        return " · ".join(p for p in parts if p)


class ApplicationStatus(models.TextChoices):
    EMAIL_PENDING = "email_pending", _("メール確認待ち")
    IN_REVIEW = "in_review", _("審査中")
    APPROVED = "approved", _("承認済み")
    REJECTED = "rejected", _("却下")


class Eligibility(models.TextChoices):
    """Why an application was, or was not, approved automatically: the evidence operators see."""

    DOMAIN_MATCH = "domain_match", _("メールドメインが所属団体と一致")
    GOVERNMENT_MISMATCH = "government_mismatch", _("lg.jp / go.jp だが所属団体と不一致")
    OTHER_DOMAIN = "other_domain", _("行政機関のドメインではない")
    OTHER_PUBLIC_BODY = "other_public_body", _("一部事務組合・広域連合など")
    MANUAL_APPROVAL = "manual_approval", _("全員を運営が承認する設定")
    INVITED = "invited", _("運営からの招待")


class Application(models.Model):
    """参加登録: what an applicant entered, and what became of it."""

    email = models.EmailField(_("メールアドレス"), db_index=True)
    full_name = models.CharField(_("氏名"), max_length=100)
    full_name_kana = models.CharField(_("氏名（よみがな）"), max_length=200, blank=True)
    display_name = models.CharField(_("表示名"), max_length=50)
    organization = models.ForeignKey(
        "directory.Organization", verbose_name=_("所属団体"), on_delete=models.PROTECT, null=True, blank=True
    )
    other_body_name = models.CharField(_("団体名（一部事務組合など）"), max_length=200, blank=True)
    other_body_prefecture = models.ForeignKey(
        "directory.Organization",
        verbose_name=_("団体の所在都道府県"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    department = models.CharField(_("部署名"), max_length=100)
    title = models.CharField(_("役職"), max_length=100, blank=True)
    channel_ids = models.JSONField(_("参加するチャンネル"), default=list, blank=True)
    terms_version = models.CharField(_("同意した規約の版"), max_length=20)
    # The language the applicant used, so every later e-mail (approval, rejection) speaks it too.
    language = models.CharField(_("言語"), max_length=8, blank=True)
    role = models.CharField(_("役割"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        _("状態"), max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.EMAIL_PENDING
    )
    eligibility = models.CharField(_("判定"), max_length=24, choices=Eligibility.choices, blank=True)
    eligibility_detail = models.CharField(_("判定の詳細"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("申請日時"), default=timezone.now)
    email_verified_at = models.DateTimeField(_("メール確認日時"), null=True, blank=True)
    decided_at = models.DateTimeField(_("審査日時"), null=True, blank=True)
    decided_by = models.ForeignKey(
        Member,
        verbose_name=_("審査した運営"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reason = models.TextField(_("理由"), blank=True, max_length=2000)
    member = models.ForeignKey(
        Member,
        verbose_name=_("メンバー"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("参加申請")
        verbose_name_plural = _("参加申請")

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"


class LinkPurpose(models.TextChoices):
    VERIFY_APPLICATION = "verify_application", _("参加登録のメール確認")
    SIGN_IN = "sign_in", _("サインイン")
    CHANGE_EMAIL = "change_email", _("メールアドレスの変更")
    RECONFIRM = "reconfirm", _("年次の再確認")
    INVITATION = "invitation", _("招待")


class EmailLink(models.Model):
    """A one-time link sent by e-mail. Only a keyed digest of the token is stored."""

    purpose = models.CharField(max_length=24, choices=LinkPurpose.choices)
    digest = models.CharField(max_length=64, unique=True)
    email = models.EmailField()
    member = models.ForeignKey(Member, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, null=True, blank=True, related_name="links"
    )
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["purpose", "email"])]

    def __str__(self) -> str:
        return f"{self.purpose} for {self.email}"


class TOTPDevice(models.Model):
    """Two-factor authentication (二段階認証) with a time-based one-time password app."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="totp_device")
    # The base32 seed, encrypted at rest with a key derived from the secret key (kyoso.core.crypto);
    # migration 0002 encrypted the seeds stored before in plain text.
    secret = EncryptedTextField(purpose=TOTP_SECRET_PURPOSE)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last time step accepted: a code is never accepted twice.
    last_used_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"TOTP of {self.member_id}"


class RecoveryCode(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="recovery_codes")
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code of {self.member_id}"


class MemberSession(models.Model):
    """A signed-in browser, so a member can see where they are signed in and sign out elsewhere."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"session of {self.member_id}"
