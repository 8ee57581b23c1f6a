"""One-time e-mail links: random, keyed with the secret key, single use, and short-lived."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kyoso.accounts.errors import LinkExpired, LinkInvalid, LinkUsed
from kyoso.accounts.models import Application, EmailLink, Member

TOKEN_BYTES = 32


def _digest(token: str, *, key: str | None = None) -> str:
    # Keyed, so a leaked database alone cannot be turned into working links.
    return hmac.new((key or settings.SECRET_KEY).encode(), token.encode(), hashlib.sha256).hexdigest()


def _digests(token: str) -> list[str]:
    """The token's digest under the secret key and each fallback key: a link sent before a key
    rotation (KYOSO_SECRET_KEY_FALLBACKS) still opens until the old key is dropped."""
    return [_digest(token, key=key) for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]]


def issue_link(
    *,
    purpose: str,
    email: str,
    member: Member | None = None,
    application: Application | None = None,
    payload: dict[str, Any] | None = None,
    max_age: timedelta | None = None,
) -> str:
    """Store a new link and return its token (to put in the URL). The token itself is not stored."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = timezone.now()
    EmailLink.objects.create(
        purpose=purpose,
        digest=_digest(token),
        email=email,
        member=member,
        application=application,
        payload=payload or {},
        created_at=now,
        expires_at=now + (max_age or timedelta(hours=settings.KYOSO_LINK_MAX_AGE_HOURS)),
    )
    return token


def peek_link(token: str, purpose: str) -> EmailLink:
    """The link a token names, checked but not used up (to show a confirmation page first)."""
    link = EmailLink.objects.filter(digest__in=_digests(token), purpose=purpose).first()
    if link is None:
        raise LinkInvalid()
    if link.used_at is not None:
        raise LinkUsed()
    if link.expires_at <= timezone.now():
        raise LinkExpired()
    return link


def consume_link(token: str, purpose: str) -> EmailLink:
    """Use a link up. Two requests racing with the same token: exactly one wins."""
    with transaction.atomic():
        link = peek_link(token, purpose)
        used = EmailLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=timezone.now())
        if used != 1:
            raise LinkUsed()
        link.refresh_from_db()
    return link
