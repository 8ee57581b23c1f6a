"""The audit hook (監査ログ): every operator action and every change of a member's standing is recorded.

Actions in any app call ``record_audit`` inside their own transaction. The kernel only shapes the
record; the app that owns the audit log (kyoso.moderation) registers the writer in its
``AppConfig.ready``, so the entry is written in the same transaction as the change it describes and
rolled back with it. A missing writer is a configuration error, never a silent loss.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models

TARGET_LABEL_LENGTH = 200


@dataclass(frozen=True)
class AuditRecord:
    actor: models.Model | None
    action: str
    target_type: str
    target_id: str
    target_label: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str
    ip_address: str | None


Writer = Callable[[AuditRecord], object]
_writers: list[Writer] = []


def set_writer(writer: Writer) -> None:
    """Called once by the app that stores the audit log."""
    _writers[:] = [writer]


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
) -> object:
    """Write one audit entry through the registered writer; returns what the writer stored."""
    if not _writers:
        raise ImproperlyConfigured("No audit log writer is registered (is kyoso.moderation installed?).")
    record = AuditRecord(
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_label=str(target)[:TARGET_LABEL_LENGTH],
        before=before,
        after=after,
        reason=reason,
        ip_address=ip_address,
    )
    return _writers[0](record)
