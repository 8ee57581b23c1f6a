"""Roles (役割): only operators change them, every change is audited, and posts show the badge."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from kyoso.accounts.actions import appoint_ambassador, end_role, set_role
from kyoso.accounts.actions.lifecycle import expire_ambassador_terms, run_daily_jobs
from kyoso.accounts.errors import AmbassadorTermInvalid, InvalidRole, LastOperator, NotAllowed
from kyoso.accounts.models import Member, Role
from kyoso.accounts.tests.lifecycle_support import tokyo
from kyoso.directory.models import Region
from kyoso.moderation.models import AuditEntry
from kyoso.testing.factories import make_channel, make_member, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator() -> Member:
    return make_member(role=Role.OPERATOR, is_staff=True, display_name="運営 一郎")


@pytest.fixture
def member() -> Member:
    return make_member(display_name="久留米 花子")


def test_operator_makes_a_member_an_advisor_and_it_is_audited(operator: Member, member: Member) -> None:
    set_role(operator, member, Role.ADVISOR)

    member.refresh_from_db()
    assert member.role == Role.ADVISOR
    entry = AuditEntry.objects.get(action="member.role_changed")
    assert entry.actor == operator
    assert entry.target_id == str(member.pk)
    assert entry.before is not None and entry.after is not None
    assert entry.before["role"] == Role.MEMBER
    assert entry.after["role"] == Role.ADVISOR


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ADVISOR, Role.MODERATOR, Role.AMBASSADOR])
def test_only_operators_may_change_roles(role: str, member: Member) -> None:
    actor = make_member(role=role)
    with pytest.raises(NotAllowed):
        set_role(actor, member, Role.MODERATOR)
    with pytest.raises(NotAllowed):
        appoint_ambassador(actor, member, Region.KYUSHU_OKINAWA, date(2099, 3, 31))
    member.refresh_from_db()
    assert member.role == Role.MEMBER
    assert not AuditEntry.objects.exists()


def test_a_new_operator_may_use_admin_and_loses_it_when_the_role_ends(
    operator: Member, member: Member
) -> None:
    set_role(operator, member, Role.OPERATOR)
    member.refresh_from_db()
    assert member.is_staff
    end_role(operator, member)
    member.refresh_from_db()
    assert (member.role, member.is_staff) == (Role.MEMBER, False)


def test_ambassador_needs_a_term_and_a_region(operator: Member, member: Member) -> None:
    with pytest.raises(InvalidRole):
        set_role(operator, member, Role.AMBASSADOR)
    with pytest.raises(AmbassadorTermInvalid):
        appoint_ambassador(operator, member, Region.KYUSHU_OKINAWA, date(2027, 3, 31), today=date(2027, 4, 1))
    with pytest.raises(InvalidRole):
        appoint_ambassador(operator, member, "atlantis", date(2099, 3, 31))


def test_operator_appoints_an_ambassador_for_a_region_and_term(operator: Member, member: Member) -> None:
    appoint_ambassador(operator, member, Region.KYUSHU_OKINAWA, date(2028, 3, 31), today=date(2027, 4, 1))
    member.refresh_from_db()
    assert (member.role, member.ambassador_region, member.role_until) == (
        Role.AMBASSADOR,
        Region.KYUSHU_OKINAWA,
        date(2028, 3, 31),
    )
    after = AuditEntry.objects.get(action="member.role_changed").after
    assert after is not None
    assert after["ambassador_region"] == Region.KYUSHU_OKINAWA


def test_ambassador_stays_through_the_last_day_of_the_term_and_then_is_a_member(
    operator: Member, member: Member
) -> None:
    appoint_ambassador(operator, member, Region.KYUSHU_OKINAWA, date(2028, 3, 31), today=date(2027, 4, 1))

    assert expire_ambassador_terms(now=tokyo(2028, 3, 31, 23, 59)) == []
    ended = run_daily_jobs(now=tokyo(2028, 4, 1, 0, 5))["ambassadors"]

    assert [outcome.member_id for outcome in ended] == [member.pk]
    member.refresh_from_db()
    assert (member.role, member.ambassador_region, member.role_until) == (Role.MEMBER, "", None)
    entry = AuditEntry.objects.filter(action="member.role_changed").latest("pk")
    assert entry.actor is None
    assert entry.before is not None
    assert entry.before["role"] == Role.AMBASSADOR
    # A second run the same day finds nothing to do.
    assert expire_ambassador_terms(now=tokyo(2028, 4, 1, 12)) == []


def test_end_role_returns_an_ambassador_to_member(operator: Member, member: Member) -> None:
    appoint_ambassador(operator, member, Region.KANTO, date(2099, 3, 31))
    end_role(operator, member)
    member.refresh_from_db()
    assert (member.role, member.ambassador_region, member.role_until) == (Role.MEMBER, "", None)


def test_the_last_operator_cannot_step_down(operator: Member) -> None:
    with pytest.raises(LastOperator):
        end_role(operator, operator)
    operator.refresh_from_db()
    assert operator.role == Role.OPERATOR


def test_post_shows_the_advisor_badge_and_links_the_name_to_the_member_page(
    client: Client, operator: Member, member: Member
) -> None:
    advisor = make_member(display_name="DX 先生", department="")
    set_role(operator, advisor, Role.ADVISOR)
    channel = make_channel("窓口業務", creator=member)
    make_message(channel, advisor, "書かない窓口の進め方です。")
    make_message(channel, member, "ありがとうございます。")
    client.force_login(member)

    body = client.get(f"/channels/{channel.slug}/").content.decode()

    assert body.count("role-badge--advisor") == 1
    assert "アドバイザー" in body
    assert f'href="/accounts/members/{advisor.pk}/"' in body
    assert f'href="/accounts/members/{member.pk}/"' in body
    assert "role-badge--member" not in body


def test_member_page_shows_the_role_badge(client: Client, operator: Member, member: Member) -> None:
    appoint_ambassador(operator, member, Region.KYUSHU_OKINAWA, date(2099, 3, 31))
    client.force_login(make_member())
    body = client.get(f"/accounts/members/{member.pk}/").content.decode()
    assert "role-badge--ambassador" in body
    assert "アンバサダー" in body
