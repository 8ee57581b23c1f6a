"""Template tags of the base layout."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.http import HttpRequest
from django.template.context import Context
from django.utils.translation import gettext as _

from kyoso.accounts.actions import security
from kyoso.accounts.models import Member
from kyoso.chat.models import Channel, ChannelKind
from kyoso.chat.queries import joined_channels
from kyoso.chat.queries.channels import BADGE_SHOWN_MAX
from kyoso.notify.queries import UNREAD_COUNT_LIMIT, unread_count

register = template.Library()


@register.filter
def badge_number(count: int) -> str:
    """A sidebar badge's visible number: 「99+」 past BADGE_SHOWN_MAX."""
    return f"{BADGE_SHOWN_MAX}+" if count > BADGE_SHOWN_MAX else str(count)


@register.filter
def unread_label(count: int) -> str:
    """What a screen reader hears for an unread badge, e.g. 「3件の未読」 or 「99件を超える未読」."""
    if count > BADGE_SHOWN_MAX:
        return _("%(count)s件を超える未読") % {"count": BADGE_SHOWN_MAX}
    return _("%(count)s件の未読") % {"count": count}


@register.filter
def mention_label(count: int) -> str:
    """What a screen reader hears for a mention badge, e.g. 「2件のメンション」."""
    if count > BADGE_SHOWN_MAX:
        return _("%(count)s件を超えるメンション") % {"count": BADGE_SHOWN_MAX}
    return _("%(count)s件のメンション") % {"count": count}


@dataclass(frozen=True)
class Sidebar:
    """Always truthy, even with no channels: the sidebar is shown to every signed-in member."""

    channels: list[Channel]

    @property
    def rooms(self) -> list[Channel]:
        """Public and private channels, by category then name."""
        return [c for c in self.channels if c.kind != ChannelKind.DIRECT]

    @property
    def directs(self) -> list[Channel]:
        """Direct messages, listed apart like in every chat tool."""
        return [c for c in self.channels if c.kind == ChannelKind.DIRECT]

    @property
    def mention_total(self) -> int:
        return sum(getattr(c, "mention_count", 0) for c in self.channels)


@register.simple_tag(takes_context=True)
def sidebar_channels(context: Context) -> Sidebar | None:
    """The signed-in member's channels for the sidebar, or None when there is nobody to show them to.

    Error pages rendered without a request (500) get None, so they never touch the database.
    """
    request = context.get("request")
    member = getattr(request, "user", None)
    if request is None or member is None or not member.is_authenticated:
        return None
    if _owes_second_factor(request, member):
        # The two-factor pages are drawn in this frame too; until the second factor is done the
        # session reads nothing, not even the names of its private channels and DMs.
        return None
    already = context.get("joined_channels")
    if already is not None:
        return Sidebar(list(already))
    return Sidebar(list(joined_channels(member)))


def _owes_second_factor(request: HttpRequest, member: Member) -> bool:
    """The rule of kyoso.accounts.middleware: a member who enrolled two-factor, and every moderator and
    operator, reach nothing but the two-factor pages until the second factor is done."""
    # Asked by the sidebar and the bell of one page: answered once per request (the page is drawn
    # after the view has done its work, so nothing changes between the two).
    known = getattr(request, "_kyoso_owes_second_factor", None)
    if known is not None:
        return bool(known)
    owes = not security.second_factor_verified(request) and (
        security.has_two_factor(member) or security.must_enrol_two_factor(member)
    )
    request._kyoso_owes_second_factor = owes  # type: ignore[attr-defined]
    return owes


@dataclass(frozen=True)
class Bell:
    """The header's 「通知」 link: how many of the member's notifications are unread (up to the limit)."""

    unread: int

    @property
    def shown(self) -> str:
        """The badge's number: 「99+」 past what the bell counts exactly."""
        most = UNREAD_COUNT_LIMIT - 1
        return f"{most}+" if self.unread > most else str(self.unread)


@register.simple_tag(takes_context=True)
def notification_bell(context: Context) -> Bell | None:
    """The signed-in member's bell, or None where the sidebar is not shown either (signed out, the
    second factor owed, error pages without a request)."""
    request = context.get("request")
    member = getattr(request, "user", None)
    if request is None or member is None or not member.is_authenticated:
        return None
    if _owes_second_factor(request, member):
        return None
    return Bell(unread_count(member))
