"""The national directory (団体名簿): every organisation whose staff may join kyoso.

Japanese terms: 都道府県 (prefecture), 市区町村 (municipality), 行政区 (designated-city ward),
府省庁 (national agency), 一部事務組合・広域連合 (other public body), 全国地方公共団体コード (code),
人口規模 (population band), 地方 (region), 政令指定都市 (designated city).

The national list is loaded by kyoso.directory.actions.load_directory from kyoso's own data file;
organisations leave it by becoming inactive, never by deletion. A prefecture's ``prefecture`` is
itself, so "everyone in 福岡県" includes the prefectural government. Designated-city wards share
their city's domain and carry no population or band of their own (the census counts the city).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kyoso.directory.codes import is_valid_code
from kyoso.directory.domains import normalize_domain
from kyoso.directory.errors import DirectoryError


class OrganizationKind(models.TextChoices):
    PREFECTURE = "prefecture", _("都道府県")
    MUNICIPALITY = "municipality", _("市区町村")
    DESIGNATED_CITY_WARD = "designated_city_ward", _("行政区")
    NATIONAL_AGENCY = "national_agency", _("府省庁")
    OTHER_PUBLIC_BODY = "other_public_body", _("一部事務組合・広域連合など")


class MunicipalityType(models.TextChoices):
    """What sort of municipality: only set for OrganizationKind.MUNICIPALITY."""

    CITY = "city", _("市")
    TOWN = "town", _("町")
    VILLAGE = "village", _("村")
    SPECIAL_WARD = "special_ward", _("特別区")


class Region(models.TextChoices):
    HOKKAIDO = "hokkaido", _("北海道")
    TOHOKU = "tohoku", _("東北")
    KANTO = "kanto", _("関東")
    CHUBU = "chubu", _("中部")
    KINKI = "kinki", _("近畿")
    CHUGOKU = "chugoku", _("中国")
    SHIKOKU = "shikoku", _("四国")
    KYUSHU_OKINAWA = "kyushu_okinawa", _("九州・沖縄")


class PopulationBand(models.TextChoices):
    UNDER_10K = "under_10k", _("1万未満")
    FROM_10K_TO_50K = "10k_50k", _("1万〜5万")
    FROM_50K_TO_100K = "50k_100k", _("5万〜10万")
    FROM_100K_TO_300K = "100k_300k", _("10万〜30万")
    OVER_300K = "300k_plus", _("30万以上")
    DESIGNATED_CITY = "designated_city", _("政令指定都市")


class Organization(models.Model):
    code = models.CharField(
        _("団体コード"),
        max_length=6,
        unique=True,
        help_text=_("全国地方公共団体コード (6 digits with check digit); agencies get kyoso's own."),
    )
    kind = models.CharField(_("種別"), max_length=32, choices=OrganizationKind.choices, db_index=True)
    municipality_type = models.CharField(
        _("市区町村の種類"), max_length=16, choices=MunicipalityType.choices, blank=True
    )
    name = models.CharField(_("名称"), max_length=100, db_index=True)
    kana = models.CharField(_("よみがな"), max_length=200, blank=True, db_index=True)
    name_en = models.CharField(_("英語名"), max_length=200, blank=True)
    prefecture = models.ForeignKey(
        "self",
        verbose_name=_("都道府県"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": OrganizationKind.PREFECTURE},
    )
    region = models.CharField(_("地方"), max_length=16, choices=Region.choices, blank=True, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上位団体"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    population = models.PositiveIntegerField(_("人口 (2020年国勢調査)"), null=True, blank=True)
    population_band = models.CharField(
        _("人口規模"), max_length=16, choices=PopulationBand.choices, blank=True, db_index=True
    )
    website = models.URLField(_("ウェブサイト"), blank=True)
    is_active = models.BooleanField(_("有効"), default=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("団体")
        verbose_name_plural = _("団体")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # kyoso's own codes (agencies, other public bodies) carry the same check digit, so all validate.
        if not is_valid_code(self.code):
            raise ValidationError({"code": _("団体コードのチェックディジットが正しくありません。")})
        if self.kind == OrganizationKind.MUNICIPALITY and not self.municipality_type:
            raise ValidationError({"municipality_type": _("市区町村の種類を選んでください。")})

    @property
    def full_name(self) -> str:
        """The name people say: 福岡県久留米市, 横浜市中区, デジタル庁."""
        if self.kind == OrganizationKind.DESIGNATED_CITY_WARD and self.parent is not None:
            parent_name = self.parent.name
            return self.name if self.name.startswith(parent_name) else f"{parent_name}{self.name}"
        if self.kind == OrganizationKind.MUNICIPALITY and self.prefecture is not None:
            return f"{self.prefecture.name}{self.name}"
        return self.name


class DomainSource(models.TextChoices):
    WEBSITE = "website", _("ウェブサイトから導出")
    OPERATOR = "operator", _("運営者が追加")


class OrganizationDomain(models.Model):
    """A staff e-mail domain of an organisation. A sub-path agency may share its ministry's domain."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(_("ドメイン"), max_length=253, db_index=True)
    source = models.CharField(max_length=16, choices=DomainSource.choices, default=DomainSource.WEBSITE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "domain"], name="unique_domain_per_organization")
        ]
        verbose_name = _("メールドメイン")
        verbose_name_plural = _("メールドメイン")

    def __str__(self) -> str:
        return self.domain

    def clean(self) -> None:
        # One spelling (lower-case, IDNA) so that e-mail matching finds the domain however it was typed.
        try:
            self.domain = normalize_domain(self.domain)
        except DirectoryError as error:
            raise ValidationError({"domain": str(error)}) from None
