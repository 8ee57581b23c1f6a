"""The base of every ModelAdmin in kyoso: operators only, and every change in the audit log.

Each save, delete and bulk delete in the admin is written to the audit log (監査ログ) with the values
before and after, in the same transaction as the change (the admin wraps each change in one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from kyoso.core.audit import record_audit, snapshot
from kyoso.core.ratelimit import client_ip

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise

# Never shown in the admin and never copied into the audit log.
SENSITIVE_FIELDS = frozenset({"password", "secret", "digest", "last_used_step"})


def _safe_snapshot(instance: models.Model) -> dict[str, Any]:
    names = [f.name for f in instance._meta.concrete_fields if f.name not in SENSITIVE_FIELDS]
    return snapshot(instance, fields=names)


def _label(instance: models.Model) -> str:
    return instance._meta.model_name or "object"


class AuditedAdmin(admin.ModelAdmin):
    """Every operator action in the admin leaves an audit entry: who, what, when, before and after.

    Who may use the admin at all is the site's decision (kyoso.web.admin_site: operators who passed
    two-factor); every page and action here asks the site, so no model can be opened more widely.
    """

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.admin_site.has_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.admin_site.has_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.admin_site.has_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.admin_site.has_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.admin_site.has_permission(request)

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> list[str]:
        excluded = list(super().get_exclude(request, obj) or [])
        own = {f.name for f in self.model._meta.concrete_fields}
        return excluded + sorted((SENSITIVE_FIELDS & own) - set(excluded))

    def _audit(
        self, request: HttpRequest, action: str, obj: models.Model, before: dict | None, after: dict | None
    ) -> None:
        record_audit(
            actor=request.user if request.user.is_authenticated else None,
            action=f"admin.{_label(obj)}.{action}",
            target=obj,
            before=before,
            after=after,
            ip_address=_ip_or_none(request),
        )

    def _before(self, obj: models.Model) -> dict[str, Any] | None:
        if obj.pk is None:
            return None
        stored = type(obj)._default_manager.filter(pk=obj.pk).first()
        return _safe_snapshot(stored) if stored is not None else None

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = self._before(obj) if change else None
        super().save_model(request, obj, form, change)
        self._audit(request, "change" if change else "add", obj, before, _safe_snapshot(obj))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # Inline rows (e.g. an organisation's domains) are audited one by one.
        # Read from the database: validation already copied the new values onto the forms' instances.
        pks = [f.instance.pk for f in formset.initial_forms if f.instance.pk is not None]
        befores = {o.pk: _safe_snapshot(o) for o in formset.model._default_manager.filter(pk__in=pks)}
        super().save_formset(request, form, formset, change)
        for obj in getattr(formset, "deleted_objects", []):
            self._audit(request, "delete", obj, befores.get(obj.pk), None)
        for obj in getattr(formset, "new_objects", []):
            self._audit(request, "add", obj, None, _safe_snapshot(obj))
        for obj, _changed in getattr(formset, "changed_objects", []):
            self._audit(request, "change", obj, befores.get(obj.pk), _safe_snapshot(obj))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        before = _safe_snapshot(obj)
        self._audit(request, "delete", obj, before, None)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self._audit(request, "delete", obj, _safe_snapshot(obj), None)
        super().delete_queryset(request, queryset)


class ReadOnlyAdmin(AuditedAdmin):
    """Records operators may look at but not edit (logs, outbox, secrets' metadata)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _ip_or_none(request: HttpRequest) -> str | None:
    ip = client_ip(request)
    return None if ip == "unknown" else ip


def name_in_japanese(model: type[models.Model], name: str | StrPromise) -> None:
    """Give a model without a Meta verbose_name its Japanese name in the admin.

    Only the runtime name changes (``Meta`` and so the migrations stay as they are); models that
    declare a verbose_name in Meta keep theirs.
    """
    meta = model._meta
    if "verbose_name" not in meta.original_attrs:
        meta.verbose_name = name
        meta.verbose_name_plural = name
