"""Reads for the demo: the directory as the demo needs it, and whether a demo is already there."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from kyoso.accounts.models import Application, Member
from kyoso.chat.models import Channel, Message
from kyoso.demo.content.channels import CHANNELS
from kyoso.demo.members import DEMO_EMAIL_PREFIX
from kyoso.demo.plan import OrgInfo
from kyoso.directory.models import DomainSource, Organization, OrganizationDomain, OrganizationKind

DEMO_CHANNEL_SLUGS = tuple(c.slug for c in CHANNELS)


def directory_snapshot() -> list[OrgInfo]:
    """Every active organisation with its first e-mail domain, ordered by code (so seeds repeat)."""
    # Website-derived domains before ones an operator added, then alphabetical: the same one every run.
    candidates = sorted(
        OrganizationDomain.objects.values_list("organization_id", "source", "domain"),
        key=lambda row: (row[0], row[1] != DomainSource.WEBSITE, row[2]),
    )
    domains: dict[int, str] = {}
    for organization_id, _source, domain in candidates:
        domains.setdefault(organization_id, domain)
    prefecture_names = dict(
        Organization.objects.filter(kind=OrganizationKind.PREFECTURE).values_list("id", "name")
    )
    rows = (
        Organization.objects.filter(is_active=True)
        .order_by("code")
        .values_list(
            "id", "code", "name", "kind", "municipality_type", "region", "prefecture_id", "population"
        )
    )
    return [
        OrgInfo(
            id=pk,
            code=code,
            name=name,
            kind=kind,
            municipality_type=municipality_type,
            region=region,
            prefecture_name=prefecture_names.get(prefecture_id, ""),
            domain=domains.get(pk, ""),
            population=population,
        )
        for pk, code, name, kind, municipality_type, region, prefecture_id, population in rows
    ]


def demo_members() -> QuerySet[Member]:
    """The demo's people, found by their address (every one starts with ``demo+``)."""
    return Member.objects.filter(email__startswith=DEMO_EMAIL_PREFIX)


def demo_applications_written() -> QuerySet[Application]:
    """The demo's applicants in the review queue (their addresses start with ``demo+`` too)."""
    return Application.objects.filter(email__startswith=DEMO_EMAIL_PREFIX)


def demo_channels() -> QuerySet[Channel]:
    return Channel.objects.filter(slug__in=DEMO_CHANNEL_SLUGS)


@dataclass(frozen=True)
class DemoCounts:
    members: int
    channels: int
    messages: int

    @property
    def exists(self) -> bool:
        return bool(self.members or self.channels)


def demo_counts() -> DemoCounts:
    """How much of a demo the database holds: nothing, all of it, or what an interrupted run left."""
    channels = demo_channels()
    return DemoCounts(
        members=demo_members().count(),
        channels=channels.count(),
        messages=Message.objects.filter(channel__in=channels).count(),
    )
