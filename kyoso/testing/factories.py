"""Small factories for tests: real rows made the way the product makes them.

Organisations are created directly (the directory loader is not needed for a test). Members are made
with ``Member.objects.create_user``; channels, messages and stamps go through ``kyoso.chat.actions``,
so a test sees the same counters and read state as the product.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from kyoso.accounts.models import Member, MemberStatus
from kyoso.chat import actions
from kyoso.chat.models import Channel, ChannelCategory, ChannelKind, Message, Reaction, Stamp
from kyoso.directory.codes import check_digit
from kyoso.directory.models import MunicipalityType, Organization, OrganizationKind

# A password long enough for the validators; tests sign in with it.
DEFAULT_PASSWORD = "kyoso-test-password-2025"  # noqa: S105 - a test fixture, never a real account

_sequence = itertools.count(1)


def _next() -> int:
    return next(_sequence)


def municipality_code(n: int) -> str:
    """A valid 全国地方公共団体コード for test number ``n`` (prefecture 40, like 福岡県)."""
    first_five = f"4{n % 10_000:04d}"
    return f"{first_five}{check_digit(first_five)}"


def make_organization(
    name: str | None = None,
    *,
    kind: str = OrganizationKind.MUNICIPALITY,
    **fields: object,
) -> Organization:
    n = _next()
    values: dict[str, object] = {
        "name": name or f"テスト市{n}",
        "kind": kind,
        "code": fields.pop("code", None) or municipality_code(n),
    }
    if kind == OrganizationKind.MUNICIPALITY:
        values["municipality_type"] = MunicipalityType.CITY
    values.update(fields)
    return Organization.objects.create(**values)


def make_member(
    organization: Organization | None = None,
    *,
    email: str | None = None,
    password: str | None = None,
    **fields: object,
) -> Member:
    """An active member of ``organization`` (a new one if not given).

    Without ``password`` the member cannot sign in with one, which keeps tests fast (hashing a
    password takes a noticeable fraction of a second); pass ``password=DEFAULT_PASSWORD`` to sign in.
    """
    n = _next()
    fields.setdefault("full_name", f"職員 {n}")
    fields.setdefault("display_name", f"職員{n}")
    fields.setdefault("status", MemberStatus.ACTIVE)
    fields.setdefault("department", "市民課")
    if organization is None and "organization" not in fields:
        organization = make_organization()
    if organization is not None:
        fields["organization"] = organization
    return Member.objects.create_user(email or f"member{n}@city.example.lg.jp", password, **fields)


def make_channel(
    name: str | None = None,
    *,
    creator: Member | None = None,
    members: list[Member] | tuple[Member, ...] = (),
    kind: str = ChannelKind.PUBLIC,
    category: str = ChannelCategory.THEME,
    **fields: Any,
) -> Channel:
    """A channel made by ``creator`` (who joins it), with ``members`` joined as well."""
    n = _next()
    channel = actions.create_channel(
        creator=creator, name=name or f"テストチャンネル{n}", kind=kind, category=category, **fields
    )
    # Setup, not a member's request: private channels take members this way too.
    actions.join_channels(members=members, channel=channel)
    return channel


def make_message(
    channel: Channel,
    author: Member,
    text: str = "窓口の受付時間について相談させてください。",
    *,
    thread: Message | None = None,
    at: datetime | None = None,
    **fields: Any,
) -> Message:
    """A message posted through the action; the author joins the channel first if needed."""
    actions.join_channels(members=[author], channel=channel)
    return actions.post_message(author=author, channel=channel, text=text, thread=thread, at=at, **fields)


def stamp_named(name: str = "共創") -> Stamp:
    """One of the default stamps (共創, なるほど, ...), creating the defaults if they are missing."""
    stamp = Stamp.objects.filter(name=name).first()
    if stamp is None:
        actions.ensure_default_stamps()
        stamp = Stamp.objects.get(name=name)
    return stamp


def make_reaction(message: Message, member: Member, stamp: str | Stamp = "共創") -> Reaction:
    chosen = stamp if isinstance(stamp, Stamp) else stamp_named(stamp)
    return actions.add_reaction(member=member, message=message, stamp=chosen)
