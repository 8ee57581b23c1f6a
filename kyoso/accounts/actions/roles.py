"""Roles (役割): member, ambassador (アンバサダー, for a term and a region), advisor, moderator, operator.

Only operators change roles, and every change is in the audit log with its before and after.
"""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.utils import timezone

from kyoso.accounts.errors import AmbassadorTermInvalid, InvalidRole, LastOperator, NotAllowed
from kyoso.accounts.models import Member, MemberStatus, Role, StatusCause
from kyoso.core.audit import record_audit, snapshot
from kyoso.core.events import member_audience, publish
from kyoso.core.logs import log_event
from kyoso.directory.models import Region

ROLE_FIELDS = ["role", "ambassador_region", "role_until", "is_staff"]
# Operator log lines (README, Logging): ids and organisation codes, never addresses or secrets.
logger = logging.getLogger("kyoso.accounts")


def _require_operator(operator: Member) -> None:
    if not (operator.is_authenticated and operator.is_active and operator.is_operator):
        raise NotAllowed()


def _keeps_an_operator(member: Member, new_role: str) -> bool:
    if member.role != Role.OPERATOR or new_role == Role.OPERATOR:
        return True
    others = Member.objects.filter(role=Role.OPERATOR, status=MemberStatus.ACTIVE).exclude(pk=member.pk)
    return others.exists()


def _apply_role(
    *,
    actor: Member | None,
    member: Member,
    role: str,
    region: str = "",
    until: date | None = None,
    reason: str = "",
) -> Member:
    if not _keeps_an_operator(member, role):
        raise LastOperator()
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        before = snapshot(member, ROLE_FIELDS)
        member.role = role
        member.ambassador_region = region
        member.role_until = until
        # Operators work in Django admin; the flag follows the role (a superuser keeps it).
        member.is_staff = role == Role.OPERATOR or member.is_superuser
        member.save(update_fields=ROLE_FIELDS)
        record_audit(
            actor=actor,
            action="member.role_changed",
            target=member,
            before=before,
            after=snapshot(member, ROLE_FIELDS),
            reason=reason,
        )
    log_event(
        logger,
        "member.role_changed",
        member=member.pk,
        actor=actor.pk if actor is not None else "system",
        before=before["role"],
        after=role,
        region=region or "-",
        until=until or "-",
    )
    return member


def check_role_change(member: Member, role: str, *, region: str = "", until: date | None = None) -> None:
    """Raise the error a role change would meet, without changing anything (for forms)."""
    if role not in Role.values:
        raise InvalidRole()
    if role == Role.AMBASSADOR:
        if region not in Region.values:
            raise InvalidRole()
        if until is None or until <= timezone.localdate():
            raise AmbassadorTermInvalid()
    if not _keeps_an_operator(member, role):
        raise LastOperator()


def change_role(
    operator: Member, member: Member, role: str, *, region: str = "", until: date | None = None
) -> Member:
    """The one entry for an operator's role decision, whichever role (the admin uses it)."""
    if role == Role.AMBASSADOR:
        return appoint_ambassador(operator, member, region, until)  # type: ignore[arg-type]
    if role == Role.MEMBER:
        return end_role(operator, member)
    return set_role(operator, member, role)


STATUS_FIELDS = ["status", "status_cause", "status_reason", "status_changed_at"]


def change_status(operator: Member, member: Member, status: str, *, reason: str = "") -> Member:
    """An operator suspends, deactivates or reinstates a member (運営の判断), audited.

    A member stopped this way cannot bring themselves back by verifying their address again.
    """
    _require_operator(operator)
    if status not in MemberStatus.values:
        raise InvalidRole()
    if member.status == status:
        return member
    if status != MemberStatus.ACTIVE and not _keeps_an_operator(member, Role.MEMBER):
        raise LastOperator()
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        before = snapshot(member, STATUS_FIELDS)
        member.status = status
        member.status_cause = "" if status == MemberStatus.ACTIVE else StatusCause.MODERATION
        member.status_reason = reason
        member.status_changed_at = timezone.now()
        member.save(update_fields=STATUS_FIELDS)
        record_audit(
            actor=operator,
            action="member.status_changed",
            target=member,
            before=before,
            after=snapshot(member, STATUS_FIELDS),
            reason=reason,
        )
        log_event(
            logger,
            "member.status_changed",
            member=member.pk,
            actor=operator.pk,
            before=before["status"],
            after=status,
            cause=member.status_cause or "-",
        )
        # A member who is no longer active loses their open sockets at once (kyoso.realtime.hub).
        publish(member_audience(member.pk), "member.status_changed", {"id": member.pk, "status": status})
    return member


def set_role(operator: Member, member: Member, role: str) -> Member:
    """Give a member a role other than ambassador, which needs a term (see appoint_ambassador)."""
    _require_operator(operator)
    if role not in Role.values or role == Role.AMBASSADOR:
        raise InvalidRole()
    return _apply_role(actor=operator, member=member, role=role)


def appoint_ambassador(
    operator: Member, member: Member, region: str, until: date, *, today: date | None = None
) -> Member:
    """Appoint an アンバサダー for a region until the given day (the last day of the term)."""
    _require_operator(operator)
    if region not in Region.values:
        raise InvalidRole()
    if until <= (today or timezone.localdate()):
        raise AmbassadorTermInvalid()
    return _apply_role(actor=operator, member=member, role=Role.AMBASSADOR, region=region, until=until)


def end_role(operator: Member, member: Member) -> Member:
    """Back to an ordinary member, whatever the role was."""
    _require_operator(operator)
    return _apply_role(actor=operator, member=member, role=Role.MEMBER)
