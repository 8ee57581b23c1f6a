"""The demo's applicants: people who registered this week and wait in the operators' review queue.

They are planned like members (so the plan stays the same for a seed) and written as applications
in review, each with a different reason an operator must look: a personal address, an address of
another organisation, or a staff member of a 広域連合.
"""

from __future__ import annotations

from collections.abc import Sequence

from kyoso.accounts.actions import NewApplication
from kyoso.demo.plan import OrgInfo, PlannedMember
from kyoso.demo.timeline import to_datetime
from kyoso.directory.models import Organization, OrganizationKind

# Reserved for examples (RFC 2606): mail to it reaches no one.
PERSONAL_DOMAIN = "example.com"


def _unrelated(domain: str, other: str) -> bool:
    return bool(other) and not (
        domain == other or domain.endswith("." + other) or other.endswith("." + domain)
    )


def demo_applications(
    applicants: Sequence[PlannedMember], organizations: Sequence[OrgInfo]
) -> list[NewApplication]:
    """One application per applicant, taking turns over the three reasons for review."""
    prefectures = dict(
        Organization.objects.filter(kind=OrganizationKind.PREFECTURE).values_list("name", "id")
    )
    rows = []
    for turn, applicant in enumerate(applicants):
        org = applicant.organization
        local, domain = applicant.email.split("@", 1)
        email = applicant.email
        organization_id: int | None = org.id
        other_body_name, other_body_prefecture_id = "", None
        reason = turn % 3
        if reason == 2 and org.prefecture_name in prefectures:
            # 後期高齢者医療広域連合: one per prefecture, staffed by people seconded from its towns.
            organization_id = None
            other_body_name = f"{org.prefecture_name}後期高齢者医療広域連合"
            other_body_prefecture_id = prefectures[org.prefecture_name]
        elif reason == 1:
            # Someone who picked a neighbour by mistake, or moved there in April (人事異動).
            neighbours = [o for o in organizations if o.prefecture_name == org.prefecture_name]
            claimed = next((o for o in [*neighbours, *organizations] if _unrelated(domain, o.domain)), None)
            if claimed is not None:
                organization_id = claimed.id
            else:
                email = f"{local}@{PERSONAL_DOMAIN}"
        else:
            email = f"{local}@{PERSONAL_DOMAIN}"
        rows.append(
            NewApplication(
                email=email,
                full_name=applicant.full_name,
                full_name_kana=applicant.full_name_kana,
                display_name=applicant.display_name,
                department=applicant.department,
                title=applicant.title,
                organization_id=organization_id,
                other_body_name=other_body_name,
                other_body_prefecture_id=other_body_prefecture_id,
                created_at=to_datetime(applicant.date_joined),
            )
        )
    return rows
