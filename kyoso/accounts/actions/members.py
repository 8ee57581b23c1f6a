"""Every state change of members has one function here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from kyoso.accounts.models import Member, MemberStatus, Role
from kyoso.directory.models import Organization


def normalize_email(email: str) -> str:
    """One spelling per address (see MemberManager.normalize_email)."""
    return Member.objects.normalize_email(email)


def create_member(
    *,
    email: str,
    full_name: str,
    display_name: str,
    organization: Organization | None = None,
    password: str | None = None,
    full_name_kana: str = "",
    department: str = "",
    title: str = "",
    bio: str = "",
    interests: str = "",
    role: str = Role.MEMBER,
    status: str = MemberStatus.PENDING,
    is_staff: bool = False,
    is_superuser: bool = False,
    date_joined: datetime | None = None,
    last_login: datetime | None = None,
) -> Member:
    """Create one member; with no password the member cannot sign in until one is set."""
    member = Member(
        email=normalize_email(email),
        full_name=full_name,
        full_name_kana=full_name_kana,
        display_name=display_name,
        organization=organization,
        department=department,
        title=title,
        bio=bio,
        interests=interests,
        role=role,
        status=status,
        is_staff=is_staff,
        is_superuser=is_superuser,
        date_joined=date_joined or timezone.now(),
        last_login=last_login,
    )
    if password:
        validate_password(password, member)
        member.set_password(password)
    else:
        member.set_unusable_password()
    member.full_clean()
    member.save()
    return member


@dataclass(frozen=True, slots=True)
class NewMember:
    """One row of ``import_members``: a member as an importer or the demo knows them."""

    email: str
    full_name: str
    display_name: str
    organization_id: int | None
    full_name_kana: str = ""
    department: str = ""
    title: str = ""
    bio: str = ""
    interests: str = ""
    role: str = Role.MEMBER
    status: str = MemberStatus.PENDING
    is_staff: bool = False
    date_joined: datetime | None = None
    # When the member last signed in where they came from, if known: the inactivity round counts from it.
    last_login: datetime | None = None


class DuplicateEmail(ValueError):
    """Two rows of one import share an e-mail address."""


def import_members(rows: Iterable[NewMember], *, batch_size: int = 1000) -> list[Member]:
    """Create many members at once (the demo, imports) and return them in row order.

    Each row is validated like a form would (``full_clean``), except for uniqueness, which the
    database's constraint checks in one go instead of one query per row. Passwords are unusable:
    hashing one takes about a second on purpose, and imported members set theirs by a reset.
    """
    created: list[Member] = []
    seen: set[str] = set()
    iterator = iter(rows)
    with transaction.atomic():
        while chunk := list(islice(iterator, batch_size)):
            objs = []
            for row in chunk:
                email = normalize_email(row.email)
                if email in seen:
                    raise DuplicateEmail(f"{email} appears twice in this import")
                seen.add(email)
                member = Member(
                    email=email,
                    full_name=row.full_name,
                    full_name_kana=row.full_name_kana,
                    display_name=row.display_name,
                    organization_id=row.organization_id,
                    department=row.department,
                    title=row.title,
                    bio=row.bio,
                    interests=row.interests,
                    role=row.role,
                    status=row.status,
                    is_staff=row.is_staff,
                    date_joined=row.date_joined or timezone.now(),
                    last_login=row.last_login,
                )
                member.set_unusable_password()
                member.full_clean(validate_unique=False)
                objs.append(member)
            created.extend(Member.objects.bulk_create(objs, batch_size=batch_size))
    return created


def purge_members(members: QuerySet[Member]) -> int:
    """Hard-delete members and their stamps and memberships (demo reset).

    Real members are deactivated, never deleted: their messages stay. Here the messages must already
    be gone (``kyoso.chat.actions.purge_messages``); a member who still has one is protected, and the
    whole purge is refused.
    """
    with transaction.atomic():
        _total, by_model = Member.objects.filter(pk__in=members.values("pk")).delete()
    return by_model.get(Member._meta.label, 0)
