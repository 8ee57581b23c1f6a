"""Creating members one by one or in bulk: validated, with unique lower-case addresses."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from kyoso.accounts.actions import DuplicateEmail, NewMember, create_member, import_members, purge_members
from kyoso.accounts.models import Member, MemberStatus, Role
from kyoso.testing.factories import make_channel, make_member, make_message, make_organization

pytestmark = pytest.mark.django_db


def test_create_member_with_a_password_can_sign_in() -> None:
    member = create_member(
        email="Sato.Hiroshi@City.Kurume.Fukuoka.jp",
        full_name="佐藤 浩",
        display_name="佐藤",
        organization=make_organization("久留米市"),
        password="a-long-enough-passphrase",
        status=MemberStatus.ACTIVE,
    )
    assert member.email == "sato.hiroshi@city.kurume.fukuoka.jp"
    assert authenticate(email=member.email, password="a-long-enough-passphrase") == member


def test_create_member_refuses_a_weak_password_and_saves_nothing() -> None:
    with pytest.raises(ValidationError):
        create_member(email="a@example.lg.jp", full_name="A", display_name="A", password="12345")
    assert not Member.objects.exists()


def test_create_member_without_a_password_cannot_sign_in() -> None:
    member = create_member(
        email="b@example.lg.jp", full_name="B", display_name="B", status=MemberStatus.ACTIVE
    )
    assert not member.has_usable_password()


def test_import_members_keeps_row_order_and_fields() -> None:
    organization = make_organization()
    rows = [
        NewMember(f"user{i}@example.lg.jp", f"職員 {i}", f"職員{i}", organization.pk, role=Role.AMBASSADOR)
        for i in range(5)
    ]
    members = import_members(rows, batch_size=2)
    assert [m.email for m in members] == [r.email for r in rows]
    assert all(m.pk and m.role == Role.AMBASSADOR and not m.has_usable_password() for m in members)


def test_import_members_refuses_a_repeated_address() -> None:
    rows = [NewMember("same@example.lg.jp", "A", "A", None), NewMember("SAME@example.lg.jp", "B", "B", None)]
    with pytest.raises(DuplicateEmail):
        import_members(rows)
    assert not Member.objects.exists()


def test_import_members_refuses_an_address_already_taken() -> None:
    make_member(email="taken@example.lg.jp")
    with pytest.raises(IntegrityError):
        import_members([NewMember("taken@example.lg.jp", "A", "A", None)])


def test_purge_members_refuses_members_who_still_have_messages() -> None:
    from django.db.models import ProtectedError

    author = make_member()
    make_message(make_channel(creator=author), author)
    with pytest.raises(ProtectedError):
        purge_members(Member.objects.filter(pk=author.pk))
    assert Member.objects.filter(pk=author.pk).exists()
