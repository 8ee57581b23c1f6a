"""A member's own profile, and changing organisation (人事異動) by verifying the new address.

A change of organisation is a change of work address: the new address receives a CHANGE_EMAIL link,
and only opening it moves the member. The old address then is simply no longer the member's, so it
no longer signs in, and the links already sent to it are withdrawn.

A new address whose domain does not belong to the new organisation is refused before any link is sent,
with a message that sends the member to the operators. Nothing is left half-applied, and no member is
ever on an organisation their address does not prove; operators can still make such a change in admin.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from kyoso.accounts.actions.members import normalize_email
from kyoso.accounts.errors import EmailAlreadyUsed, EmailUnchanged, LinkInvalid, OrganizationEmailMismatch
from kyoso.accounts.links import consume_link, issue_link
from kyoso.accounts.models import EmailLink, LinkPurpose, Member
from kyoso.accounts.signals import member_renamed
from kyoso.core.audit import record_audit, snapshot
from kyoso.core.mail import queue_mail, site_url
from kyoso.directory.models import Organization
from kyoso.directory.queries import email_matches_organization

PROFILE_FIELDS = ["display_name", "full_name", "full_name_kana", "department", "title", "bio", "interests"]
AFFILIATION_FIELDS = ["email", "organization", "email_verified_at"]


def update_profile(
    *,
    member: Member,
    display_name: str,
    full_name: str,
    full_name_kana: str = "",
    department: str = "",
    title: str = "",
    bio: str = "",
    interests: str = "",
) -> Member:
    """Save what a member says about themselves; the next page and every post show it.

    A new display name also reaches the messages that mention the member (``member_renamed``).
    """
    # Mentions show the name and the affiliation (organisation · department): either one changing
    # redraws them.
    renamed = member.display_name != display_name.strip() or member.department != department.strip()
    member.display_name = display_name.strip()
    member.full_name = full_name.strip()
    member.full_name_kana = full_name_kana.strip()
    member.department = department.strip()
    member.title = title.strip()
    member.bio = bio.strip()
    member.interests = interests.strip()
    member.full_clean(exclude=["password"])
    member.save(update_fields=PROFILE_FIELDS)
    if renamed:
        announce_rename(member.pk)
    return member


def announce_rename(member_id: int) -> None:
    """Tell the apps above, once the transaction commits, that this member's display name changed."""
    transaction.on_commit(lambda: member_renamed.send(sender=Member, member_id=member_id))


def _check_organization_change(member: Member, organization: Organization, email: str) -> None:
    if organization.pk == member.organization_id and email == member.email:
        raise EmailUnchanged()
    if not email_matches_organization(email, organization):
        raise OrganizationEmailMismatch()


def request_organization_change(*, member: Member, organization: Organization, email: str) -> str:
    """Send a CHANGE_EMAIL link to the new address; return its token (the e-mail carries it)."""
    email = normalize_email(email)
    _check_organization_change(member, organization, email)
    # Whether another member holds the address is told only to whoever opens the link, so this
    # page cannot be used to find out who is registered.
    with transaction.atomic():
        token = issue_link(
            purpose=LinkPurpose.CHANGE_EMAIL,
            email=email,
            member=member,
            payload={"organization_id": organization.pk},
        )
        queue_mail(
            to=email,
            template="lifecycle_change_email",
            context={
                "member": member,
                "organization": organization,
                "url": site_url(f"/accounts/profile/organization/confirm/{token}/"),
            },
        )
    return token


def change_link_organization(link: EmailLink) -> Organization:
    """The organisation a CHANGE_EMAIL link moves its member to (for the confirmation page)."""
    organization = Organization.objects.filter(pk=link.payload.get("organization_id")).first()
    if organization is None or link.member is None:
        raise LinkInvalid()
    return organization


def confirm_organization_change(*, token: str, now: datetime | None = None) -> Member:
    """Open a CHANGE_EMAIL link: the organisation and the address change together, or nothing does."""
    now = now or timezone.now()
    with transaction.atomic():
        link = consume_link(token, LinkPurpose.CHANGE_EMAIL)
        organization = change_link_organization(link)
        if link.member_id is None:
            raise LinkInvalid()
        member = Member.objects.select_for_update().get(pk=link.member_id)
        # The directory may have changed since the link was sent.
        _check_organization_change(member, organization, link.email)
        if Member.objects.filter(email=link.email).exclude(pk=member.pk).exists():
            raise EmailAlreadyUsed()
        before = snapshot(member, AFFILIATION_FIELDS)
        old_email = member.email
        member.email = link.email
        member.organization = organization
        member.email_verified_at = now
        member.save(update_fields=AFFILIATION_FIELDS)
        announce_rename(member.pk)  # mentions show the organisation
        if old_email != member.email:
            # Links already mailed to the old address must not sign anyone in as this member.
            EmailLink.objects.filter(email=old_email, used_at__isnull=True).update(expires_at=now)
            EmailLink.objects.filter(
                member=member, purpose=LinkPurpose.CHANGE_EMAIL, used_at__isnull=True
            ).update(expires_at=now)
        record_audit(
            actor=member,
            action="member.organization_changed",
            target=member,
            before=before,
            after=snapshot(member, AFFILIATION_FIELDS),
        )
        if old_email != member.email:
            queue_mail(
                to=old_email,
                template="lifecycle_email_changed",
                context={"member": member, "organization": organization},
            )
    return member
