"""Writing the audit log. Every operator action calls record_audit inside its own transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from kyoso.moderation.models import AuditEntry


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The values of a model's concrete fields, JSON-ready, for an entry's before and after."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in {"password"}:
            continue
        value = field.value_from_object(instance)
        data[field.name] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
    return data


def record_audit(
    *,
    actor: models.Model | None,
    action: str,
    target: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    ip_address: str | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_label=str(target)[:200],
        before=before,
        after=after,
        reason=reason,
        ip_address=ip_address,
    )
