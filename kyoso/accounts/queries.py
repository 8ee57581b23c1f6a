"""Reads of members and applicants that depend on who asks. Permission checks live here, once."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from kyoso.accounts.models import Application, ApplicationStatus, EmailLink, Member, MemberStatus, Role
from kyoso.directory.errors import DirectoryError
from kyoso.directory.models import Organization
from kyoso.directory.queries import email_matches_organization, organization_for_email_domain

# ---- Registration and the review queue ----------------------------------------------------------

# Who may decide applications and invite advisors. Moderators may join this list later.
REVIEWER_ROLES = frozenset({Role.OPERATOR})


def can_review_applications(member: object) -> bool:
    """True for an active operator: the review queue and advisor invitations are theirs."""
    return (
        isinstance(member, Member) and member.status == MemberStatus.ACTIVE and member.role in REVIEWER_ROLES
    )


def applications_in_review(member: object) -> QuerySet[Application]:
    """The queue, oldest first; empty for anyone who may not review."""
    if not can_review_applications(member):
        return Application.objects.none()
    return (
        Application.objects.filter(status=ApplicationStatus.IN_REVIEW)
        .select_related("organization", "organization__prefecture", "organization__parent")
        .select_related("other_body_prefecture")
        .prefetch_related("organization__domains")
        .order_by("created_at", "pk")
    )


def application_in_review(member: object, pk: int) -> Application | None:
    """One application of the queue, or None (not in review, or the member may not review)."""
    return applications_in_review(member).filter(pk=pk).first()


def waiting_application_count(member: object) -> int:
    """How many applications wait for a decision: the number beside 参加申請の審査 in the header."""
    if not can_review_applications(member):
        return 0
    return Application.objects.filter(status=ApplicationStatus.IN_REVIEW).count()


@dataclass(frozen=True)
class ReviewEvidence:
    """What an operator needs to decide an application, next to what the applicant claims."""

    application: Application
    email_domain: str
    organization_domains: list[str]
    domain_owner: Organization | None
    domain_matches: bool


def review_evidence(application: Application) -> ReviewEvidence:
    domain = application.email.rsplit("@", 1)[-1]
    try:
        owner = organization_for_email_domain(domain)
    except DirectoryError:
        owner = None
    organization = application.organization
    domains = [d.domain for d in organization.domains.all()] if organization is not None else []
    return ReviewEvidence(
        application=application,
        email_domain=domain,
        organization_domains=domains,
        domain_owner=owner,
        domain_matches=organization is not None
        and email_matches_organization(application.email, organization),
    )


# ---- Profiles and member pages (lifecycle) ------------------------------------------------------

# A member page shows people who are, or were, part of the community: posts by deactivated members
# stay attributed, so their page stays too. Applicants are nobody's business yet.
SHOWN_MEMBER_STATUSES = (MemberStatus.ACTIVE, MemberStatus.SUSPENDED, MemberStatus.DEACTIVATED)


def member_for_page(viewer: object, member_id: int) -> Member | None:
    """The member whose page an active member may see, or None (the page answers 404)."""
    if not (isinstance(viewer, Member) and viewer.status == MemberStatus.ACTIVE):
        return None
    return (
        Member.objects.filter(pk=member_id, status__in=SHOWN_MEMBER_STATUSES)
        .select_related("organization")
        .first()
    )


def invitation_application(link: EmailLink) -> Application:
    """The invitation an INVITATION link belongs to (the link was checked by peek_link)."""
    if link.application_id is None:
        raise Application.DoesNotExist
    return Application.objects.get(pk=link.application_id)
