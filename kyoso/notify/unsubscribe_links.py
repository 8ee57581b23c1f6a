"""The one-click unsubscribe link (RFC 8058) in every notification mail.

The token is signed with the site's secret and its own salt, and dated: a forged one and one older
than ``UNSUBSCRIBE_LINK_MAX_AGE`` are refused. It carries the member's ``unsubscribe_key``, so a new
key voids every link sent before, and the member's id, so a link still works for a member whose
settings row is gone (it is made again with the defaults).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core import signing
from django.urls import reverse

from kyoso.core.mail import site_url
from kyoso.notify.errors import InvalidUnsubscribeLink
from kyoso.notify.models import NotificationSettings

SALT = "kyoso.notify.unsubscribe"
# A mail read two months later may still be unsubscribed from; an older link is refused, and the
# settings page (signed in) remains.
UNSUBSCRIBE_LINK_MAX_AGE = timedelta(days=60)


@dataclass(frozen=True)
class UnsubscribeTarget:
    member_id: int
    key: str


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def unsubscribe_token(settings_row: NotificationSettings) -> str:
    return _signer().sign_object(
        {"m": settings_row.member_id, "k": settings_row.unsubscribe_key}, compress=True
    )


def unsubscribe_url(settings_row: NotificationSettings) -> str:
    """The absolute https URL for List-Unsubscribe and the mail's footer."""
    return site_url(reverse("notifications:unsubscribe", args=[unsubscribe_token(settings_row)]))


def read_unsubscribe_token(token: str) -> UnsubscribeTarget:
    """Who the link is for; InvalidUnsubscribeLink when it is forged, altered or too old."""
    try:
        payload = _signer().unsign_object(token, max_age=UNSUBSCRIBE_LINK_MAX_AGE)
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        # SignatureExpired is a BadSignature; garbage that survives the signature cannot occur.
        raise InvalidUnsubscribeLink() from None
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("m"), int)
        or not isinstance(payload.get("k"), str)
    ):
        raise InvalidUnsubscribeLink()
    return UnsubscribeTarget(member_id=payload["m"], key=payload["k"])


def check_unsubscribe_link(token: str) -> UnsubscribeTarget:
    """As ``read_unsubscribe_token``, and refused too when the member chose a new key (or is gone)."""
    from kyoso.accounts.models import Member

    target = read_unsubscribe_token(token)
    key = NotificationSettings.objects.filter(member_id=target.member_id).values_list(
        "unsubscribe_key", flat=True
    )
    found = key.first()
    if found is not None and found != target.key:
        raise InvalidUnsubscribeLink()
    if found is None and not Member.objects.filter(pk=target.member_id).exists():
        raise InvalidUnsubscribeLink()
    return target
