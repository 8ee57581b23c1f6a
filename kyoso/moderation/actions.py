"""Writing the audit log: the writer behind kyoso.core.audit.record_audit."""

from __future__ import annotations

from typing import cast

from kyoso.accounts.models import Member
from kyoso.core.audit import AuditRecord
from kyoso.moderation.models import AuditEntry


def write_audit_entry(record: AuditRecord) -> AuditEntry:
    return AuditEntry.objects.create(
        # The kernel knows the actor only as a model; it is always a member (AUTH_USER_MODEL).
        actor=cast(Member | None, record.actor),
        action=record.action,
        target_type=record.target_type,
        target_id=record.target_id,
        target_label=record.target_label,
        before=record.before,
        after=record.after,
        reason=record.reason,
        ip_address=record.ip_address,
    )
