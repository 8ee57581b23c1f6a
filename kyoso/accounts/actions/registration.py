"""参加登録: applying, proving the address, the eligibility check, review and advisor invitations.

An application never reveals whether an address already has an account: the applicant always sees
"確認メールを送りました", and an existing member gets a different mail (with a sign-in hint) instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kyoso.accounts.actions.members import create_member, normalize_email
from kyoso.accounts.errors import (
    AlreadyMember,
    ApplicationAlreadyDecided,
    LinkUsed,
    NotAllowed,
    OrganizationRequired,
    OtherBodyIncomplete,
    RejectionReasonRequired,
)
from kyoso.accounts.links import consume_link, issue_link
from kyoso.accounts.models import (
    Application,
    ApplicationStatus,
    Eligibility,
    LinkPurpose,
    Member,
    MemberStatus,
    Role,
)
from kyoso.accounts.queries import can_review_applications
from kyoso.accounts.signals import member_admitted, registration_channels
from kyoso.core import ratelimit
from kyoso.core.audit import record_audit, snapshot
from kyoso.core.domains import is_government_domain
from kyoso.core.logs import log_event
from kyoso.core.mail import queue_mail, site_url
from kyoso.directory.errors import DirectoryError
from kyoso.directory.models import Organization
from kyoso.directory.queries import email_matches_organization, organization_for_email_domain

HOUR = 3600
# Operator log lines (README, Logging): ids and organisation codes, never addresses or secrets.
logger = logging.getLogger("kyoso.accounts")
# Domains under which every address belongs to a Japanese public body.
# An invitation is read by a busy outside expert; a day is too short for them.
INVITATION_MAX_AGE = timedelta(days=7)


def _language(language: str | None) -> str:
    return language or translation.get_language() or settings.LANGUAGE_CODE


def _link(name: str, token: str) -> str:
    return site_url(reverse(name, args=[token]))


# ---- Applying ------------------------------------------------------------------------------------


def apply_for_membership(
    *,
    email: str,
    full_name: str,
    display_name: str,
    department: str,
    organization: Organization | None,
    full_name_kana: str = "",
    title: str = "",
    other_body_name: str = "",
    other_body_prefecture: Organization | None = None,
    channels: Iterable[Any] = (),
    client_ip: str = "",
    language: str | None = None,
) -> Application | None:
    """Record an application and mail its verification link; None when the address is a member's.

    Both budgets (per client address and per e-mail address) are spent before anything is looked
    up, so a refused request says nothing about the address either.
    """
    email = normalize_email(email)
    if organization is None and not (other_body_name.strip() and other_body_prefecture is not None):
        raise OrganizationRequired() if not other_body_name.strip() else OtherBodyIncomplete()
    ratelimit.spend(
        "register-ip", client_ip or "unknown", limit=settings.KYOSO_REGISTRATIONS_PER_HOUR, window=HOUR
    )
    ratelimit.spend("register-email", email, limit=settings.KYOSO_LINK_REQUESTS_PER_HOUR, window=HOUR)
    language = _language(language)

    with transaction.atomic():
        if Member.objects.filter(email=email).exists():
            queue_mail(
                to=email,
                template="already_registered",
                context={"sign_in_url": site_url(reverse("accounts:sign_in"))},
                language=language,
            )
            return None
        allowed = set(registration_channels().values_list("pk", flat=True))
        application = Application(
            email=email,
            full_name=full_name.strip(),
            full_name_kana=full_name_kana.strip(),
            display_name=display_name.strip(),
            organization=organization,
            other_body_name="" if organization else other_body_name.strip(),
            other_body_prefecture=None if organization else other_body_prefecture,
            department=department.strip(),
            title=title.strip(),
            channel_ids=sorted(c.pk for c in channels if c.pk in allowed),
            terms_version=settings.KYOSO_TERMS_VERSION,
            language=language,
        )
        application.full_clean()
        application.save()
        token = issue_link(purpose=LinkPurpose.VERIFY_APPLICATION, email=email, application=application)
        queue_mail(
            to=email,
            template="verify_application",
            context={
                "application": application,
                "verify_url": _link("accounts:verify_application", token),
                "hours": settings.KYOSO_LINK_MAX_AGE_HOURS,
            },
            language=language,
        )
    return application


# ---- Eligibility ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assessment:
    eligibility: str
    detail: str


def assess_eligibility(
    *, email: str, organization: Organization | None, other_body_name: str = ""
) -> Assessment:
    """Why an address may, or may not, join by itself. The detail is for operators, in Japanese."""
    domain = email.rsplit("@", 1)[-1]
    with translation.override(settings.LANGUAGE_CODE):
        if organization is None:
            return Assessment(
                Eligibility.OTHER_PUBLIC_BODY,
                _("「%(name)s」として申請（%(domain)s）") % {"name": other_body_name, "domain": domain},
            )
        if email_matches_organization(email, organization):
            if settings.KYOSO_REQUIRE_APPROVAL:
                return Assessment(
                    Eligibility.MANUAL_APPROVAL,
                    _("%(domain)s は%(org)sのドメインと一致（全員を運営が承認する設定）")
                    % {"domain": domain, "org": organization.full_name},
                )
            return Assessment(Eligibility.DOMAIN_MATCH, "")
        try:
            owner = organization_for_email_domain(domain)
        except DirectoryError:
            owner = None
        if owner is not None or is_government_domain(domain):
            if owner is not None:
                detail = _("%(domain)s は%(owner)sのドメインです（申請先: %(org)s）") % {
                    "domain": domain,
                    "owner": owner.full_name,
                    "org": organization.full_name,
                }
            else:
                detail = _("%(domain)s は名簿のどの団体のドメインでもありません（申請先: %(org)s）") % {
                    "domain": domain,
                    "org": organization.full_name,
                }
            return Assessment(Eligibility.GOVERNMENT_MISMATCH, detail)
        return Assessment(
            Eligibility.OTHER_DOMAIN,
            _("%(domain)s は行政機関のドメインではありません（申請先: %(org)s）")
            % {"domain": domain, "org": organization.full_name},
        )


# ---- Verification and admission --------------------------------------------------------------


def _admit(application: Application, *, role: str | None = None) -> Member:
    """Create the active member an application describes, in the default and chosen channels."""
    if Member.objects.filter(email=application.email).exists():
        raise AlreadyMember()
    member = create_member(
        email=application.email,
        full_name=application.full_name,
        full_name_kana=application.full_name_kana,
        display_name=application.display_name,
        organization=application.organization,
        department=application.department,
        title=application.title,
        role=role or application.role,
        status=MemberStatus.ACTIVE,
    )
    member.email_verified_at = application.email_verified_at or timezone.now()
    member.status_changed_at = timezone.now()
    member.save(update_fields=["email_verified_at", "status_changed_at"])
    # chat joins the default channels and the ones chosen on the form.
    member_admitted.send(sender=Member, member=member, channel_ids=list(application.channel_ids))
    return member


def verify_application(*, token: str) -> Application:
    """Use up a verification link, then admit the applicant or put the application in review.

    The returned application carries ``member`` when the applicant became an active member.
    """
    with transaction.atomic():
        link = consume_link(token, LinkPurpose.VERIFY_APPLICATION)
        if link.application_id is None:
            raise LinkUsed()
        application = Application.objects.select_for_update().get(pk=link.application_id)
        if application.status != ApplicationStatus.EMAIL_PENDING:
            raise LinkUsed()
        assessment = assess_eligibility(
            email=application.email,
            organization=application.organization,
            other_body_name=application.other_body_name,
        )
        now = timezone.now()
        application.email_verified_at = now
        application.eligibility = assessment.eligibility
        application.eligibility_detail = assessment.detail[:500]
        if assessment.eligibility == Eligibility.DOMAIN_MATCH:
            application.member = _admit(application)
            application.status = ApplicationStatus.APPROVED
            application.decided_at = now
            # Logged once the admission commits: a rolled-back one never happened.
            transaction.on_commit(
                partial(
                    log_event,
                    logger,
                    "member.admitted",
                    member=application.member.pk,
                    application=application.pk,
                    organization=_organization_code(application),
                    eligibility=assessment.eligibility,
                )
            )
        else:
            application.status = ApplicationStatus.IN_REVIEW
            queue_mail(
                to=application.email,
                template="application_received",
                context={"application": application},
                language=application.language,
            )
        application.save()
    return application


# ---- Review ----------------------------------------------------------------------------------


def _organization_code(application: Application) -> str:
    """The organisation's code for a log line ("-" when the applicant named another public body)."""
    return application.organization.code if application.organization is not None else "-"


def _claim(application: Application, *, operator: Member, status: str, reason: str) -> Application:
    """Decide an application exactly once: of two operators clicking together, one wins."""
    if not can_review_applications(operator):
        raise NotAllowed()
    claimed = Application.objects.filter(pk=application.pk, status=ApplicationStatus.IN_REVIEW).update(
        status=status, decided_at=timezone.now(), decided_by=operator, decision_reason=reason
    )
    if claimed != 1:
        raise ApplicationAlreadyDecided()
    return Application.objects.select_related("organization").get(pk=application.pk)


def approve_application(
    *, operator: Member, application: Application, ip_address: str | None = None
) -> Member:
    """Admit an applicant in review, tell them by e-mail, and record the decision."""
    with transaction.atomic():
        before = snapshot(application)
        decided = _claim(application, operator=operator, status=ApplicationStatus.APPROVED, reason="")
        decided.member = _admit(decided)
        decided.save(update_fields=["member"])
        record_audit(
            actor=operator,
            action="application.approve",
            target=decided,
            before=before,
            after=snapshot(decided),
            ip_address=ip_address,
        )
        queue_mail(
            to=decided.email,
            template="application_approved",
            context={"application": decided, "sign_in_url": site_url(reverse("accounts:sign_in"))},
            language=decided.language,
        )
    log_event(
        logger,
        "member.approved",
        member=decided.member.pk,
        application=decided.pk,
        organization=_organization_code(decided),
        actor=operator.pk,
    )
    return decided.member


def reject_application(
    *, operator: Member, application: Application, reason: str, ip_address: str | None = None
) -> Application:
    """Turn an application down with a reason the applicant reads in the e-mail."""
    reason = reason.strip()
    if not reason:
        raise RejectionReasonRequired()
    with transaction.atomic():
        before = snapshot(application)
        decided = _claim(application, operator=operator, status=ApplicationStatus.REJECTED, reason=reason)
        record_audit(
            actor=operator,
            action="application.reject",
            target=decided,
            before=before,
            after=snapshot(decided),
            reason=reason,
            ip_address=ip_address,
        )
        queue_mail(
            to=decided.email,
            template="application_rejected",
            context={"application": decided, "reason": reason},
            language=decided.language,
        )
    # The reason is in the audit log; it is free text and may name the applicant, so not here.
    log_event(
        logger,
        "application.rejected",
        application=decided.pk,
        organization=_organization_code(decided),
        actor=operator.pk,
    )
    return decided


# ---- Advisor invitations --------------------------------------------------------------------


def invite_advisor(
    *,
    operator: Member,
    email: str,
    full_name: str,
    language: str | None = None,
    ip_address: str | None = None,
) -> Application:
    """An operator invites an outside expert (アドバイザー); the invitee completes a short form."""
    if not can_review_applications(operator):
        raise NotAllowed()
    email = normalize_email(email)
    language = _language(language)
    with transaction.atomic():
        # An operator may know who is a member already; there is nothing to hide from them.
        if Member.objects.filter(email=email).exists():
            raise AlreadyMember()
        application = Application(
            email=email,
            full_name=full_name.strip(),
            display_name=full_name.strip()[:50],
            department="-",
            role=Role.ADVISOR,
            terms_version="",
            eligibility=Eligibility.INVITED,
            language=language,
        )
        application.full_clean(exclude=["terms_version"])
        application.save()
        token = issue_link(
            purpose=LinkPurpose.INVITATION,
            email=email,
            application=application,
            payload={"invited_by": operator.pk},
            max_age=INVITATION_MAX_AGE,
        )
        record_audit(
            actor=operator,
            action="advisor.invite",
            target=application,
            after=snapshot(application),
            ip_address=ip_address,
        )
        queue_mail(
            to=email,
            template="invitation",
            context={
                "application": application,
                "operator": operator,
                "accept_url": _link("accounts:accept_invitation", token),
                "days": INVITATION_MAX_AGE.days,
            },
            language=language,
        )
    return application


def accept_invitation(
    *, token: str, display_name: str, department: str, title: str = "", full_name_kana: str = ""
) -> Member:
    """The invitee agrees to the terms and becomes an active advisor."""
    with transaction.atomic():
        link = consume_link(token, LinkPurpose.INVITATION)
        if link.application_id is None:
            raise LinkUsed()
        application = Application.objects.select_for_update().get(pk=link.application_id)
        if application.status != ApplicationStatus.EMAIL_PENDING:
            raise LinkUsed()
        before = snapshot(application)
        now = timezone.now()
        application.display_name = display_name.strip()
        application.department = department.strip()
        application.title = title.strip()
        application.full_name_kana = full_name_kana.strip()
        application.terms_version = settings.KYOSO_TERMS_VERSION
        application.email_verified_at = now
        application.full_clean()
        application.member = _admit(application, role=Role.ADVISOR)
        application.status = ApplicationStatus.APPROVED
        application.decided_at = now
        application.save()
        record_audit(
            actor=application.member,
            action="advisor.accept_invitation",
            target=application,
            before=before,
            after=snapshot(application),
        )
    log_event(
        logger,
        "member.admitted",
        member=application.member.pk,
        application=application.pk,
        organization=_organization_code(application),
        role=Role.ADVISOR,
    )
    return application.member


# ---- Imports (the demo) -----------------------------------------------------------------------


@dataclass(frozen=True)
class NewApplication:
    """An application whose address was already proven, for the queue (the demo, imports)."""

    email: str
    full_name: str
    display_name: str
    department: str
    organization_id: int | None
    created_at: datetime
    full_name_kana: str = ""
    title: str = ""
    other_body_name: str = ""
    other_body_prefecture_id: int | None = None
    language: str = ""


def import_applications(rows: Iterable[NewApplication]) -> list[Application]:
    """Put verified applications in the review queue, each with its eligibility evidence.

    A row whose address matches its organisation would have joined by itself; it is refused.
    """
    created = []
    with transaction.atomic():
        for row in rows:
            organization = Organization.objects.get(pk=row.organization_id) if row.organization_id else None
            email = normalize_email(row.email)
            assessment = assess_eligibility(
                email=email, organization=organization, other_body_name=row.other_body_name
            )
            if assessment.eligibility == Eligibility.DOMAIN_MATCH:
                raise ValueError(f"{email} matches its organisation and needs no review")
            application = Application(
                email=email,
                full_name=row.full_name,
                full_name_kana=row.full_name_kana,
                display_name=row.display_name,
                organization=organization,
                other_body_name=row.other_body_name,
                other_body_prefecture_id=row.other_body_prefecture_id,
                department=row.department,
                title=row.title,
                terms_version=settings.KYOSO_TERMS_VERSION,
                language=row.language or settings.LANGUAGE_CODE,
                status=ApplicationStatus.IN_REVIEW,
                eligibility=assessment.eligibility,
                eligibility_detail=assessment.detail[:500],
                created_at=row.created_at,
                email_verified_at=row.created_at,
            )
            application.full_clean()
            application.save()
            created.append(application)
    return created


def purge_applications(applications: QuerySet[Application]) -> int:
    """Hard-delete applications (demo reset); their links go with them."""
    _total, by_model = Application.objects.filter(pk__in=applications.values("pk")).delete()
    return by_model.get(Application._meta.label, 0)
