"""Every change to personal access tokens: create, revoke, and noting when one is used.

Creating and revoking are written to the audit log (監査ログ): a token is a key to the account.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from kyoso.accounts.models import Member
from kyoso.api import tokens
from kyoso.api.errors import AccountUnavailable, InvalidTokenExpiry, InvalidTokenName
from kyoso.api.models import PersonalToken
from kyoso.api.queries import own_token
from kyoso.core.audit import record_audit, snapshot

# Longer than ten years is the same as no expiry: refused, so a typo does not pass silently.
MAX_EXPIRY_DAYS = 3650
# How often a token's 最終利用 is written: at most once a minute, not on every request.
USE_NOTE_INTERVAL = timedelta(minutes=1)
AUDITED_FIELDS = ["name", "prefix", "created_at", "expires_at", "revoked_at"]


def create_personal_token(
    *,
    member: Member,
    name: str,
    expires_in_days: int | None = None,
    ip_address: str | None = None,
    at: datetime | None = None,
) -> tuple[PersonalToken, str]:
    """A new token for the member; returns it and its secret, which is never stored or shown again."""
    if not member.is_active:
        raise AccountUnavailable()
    name = name.strip()
    max_length = PersonalToken._meta.get_field("name").max_length
    if not name or (max_length is not None and len(name) > max_length):
        raise InvalidTokenName()
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise InvalidTokenExpiry()
    now = at or timezone.now()
    secret = tokens.new_secret()
    with transaction.atomic():
        token = PersonalToken.objects.create(
            member=member,
            name=name,
            token_hash=tokens.digest(secret),
            prefix=tokens.shown_part(secret),
            created_at=now,
            expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
        )
        record_audit(
            actor=member,
            action="api_token.created",
            target=token,
            after=snapshot(token, AUDITED_FIELDS),
            ip_address=ip_address,
        )
    return token, secret


def revoke_personal_token(
    *, member: Member, token: PersonalToken | int, ip_address: str | None = None
) -> PersonalToken:
    """Revoke one of the member's own tokens; revoking it again changes nothing."""
    token_id = token.pk if isinstance(token, PersonalToken) else token
    with transaction.atomic():
        found = own_token(member, token_id)
        if found.revoked_at is not None:
            return found
        before = snapshot(found, AUDITED_FIELDS)
        found.revoked_at = timezone.now()
        found.save(update_fields=["revoked_at"])
        record_audit(
            actor=member,
            action="api_token.revoked",
            target=found,
            before=before,
            after=snapshot(found, AUDITED_FIELDS),
            ip_address=ip_address,
        )
    return found


def note_token_use(token: PersonalToken, *, at: datetime | None = None) -> None:
    """Remember when a token was last used, writing at most once a minute."""
    now = at or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < USE_NOTE_INTERVAL:
        return
    PersonalToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
