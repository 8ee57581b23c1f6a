"""How often sign-in may fail, and from where: the password, the second factor, and asking again.

A stranger must not be able to lock a member out by failing on purpose. So failures count in three
budgets, each a sliding window of ``KYOSO_SIGN_IN_LOCKOUT_MINUTES`` (kyoso.core.ratelimit):

- one address from one source: strict (``KYOSO_SIGN_IN_MAX_FAILURES``). A source is the client
  address, or the member's own browser once it has signed in (its known-device cookie), so someone
  failing for hanako's address, even behind the same office proxy, does not hold back hanako's browser;
- one client address, whatever the addresses: wide (``KYOSO_SIGN_IN_FAILURES_PER_IP``), since one
  office's staff share one address;
- one address from every source together: higher still (``KYOSO_SIGN_IN_FAILURES_PER_ADDRESS``),
  against guessing spread over many client addresses. It holds back unknown sources only: the
  member's own browser, and sign-in links, keep working.

The second factor is counted the same way per member: (member, source) strictly, the member from every
unknown source at the high level, and then a recovery code is still accepted. Sign-in never tells
whether an address is registered: an unknown address is counted and refused the same way.

The known-device cookie follows OWASP's "device cookies" against lockout attacks: it is signed, names
no address (a keyed digest of it), and is set only once the sign-in is complete (the second factor
too), so holding one says the browser has signed in as that member before.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

from kyoso.accounts.actions.members import normalize_email
from kyoso.accounts.errors import RateLimited, SignInLocked
from kyoso.accounts.models import Member
from kyoso.core.logs import log_event
from kyoso.core.ratelimit import client_ip, forget, spend, spent

logger = logging.getLogger("kyoso.accounts")

DEVICE_COOKIE = "kyoso_device"
_DEVICE_SALT = "kyoso.accounts.device"
# A browser stays known for a year of not signing in; each sign-in renews it.
DEVICE_MAX_AGE = timedelta(days=365)


def _window() -> int:
    return settings.KYOSO_SIGN_IN_LOCKOUT_MINUTES * 60


def _address_tag(email: str) -> str:
    return salted_hmac(_DEVICE_SALT, normalize_email(email), algorithm="sha256").hexdigest()[:32]


# --- the known-device cookie ---------------------------------------------------------------------


def known_device(request: HttpRequest, email: str) -> str | None:
    """The id of this browser if it signed in as ``email`` before, else None."""
    raw = request.COOKIES.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = signing.loads(raw, salt=_DEVICE_SALT, max_age=DEVICE_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != _address_tag(email):
        return None
    device = data.get("d")
    return device if isinstance(device, str) and device else None


def remember_device(request: HttpRequest, response: HttpResponse, member: Member) -> HttpResponse:
    """Mark this browser as one ``member`` signed in from (their sign-in is complete)."""
    device = known_device(request, member.email) or secrets.token_urlsafe(16)
    value = signing.dumps({"d": device, "a": _address_tag(member.email)}, salt=_DEVICE_SALT)
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=int(DEVICE_MAX_AGE.total_seconds()),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def _source(request: HttpRequest, email: str) -> tuple[str, bool]:
    """Who is trying, and whether it is the member's own browser."""
    device = known_device(request, email)
    if device:
        return f"device:{device}", True
    return f"ip:{client_ip(request)}", False


def _count(scope: str, subject: str, limit: int) -> bool:
    """Spend one failure; True when this failure reached the limit (a lock-out starts)."""
    try:
        return spend(scope, subject, limit=limit, window=_window()) == limit
    except RateLimited:  # already over: the next attempt is refused by the check
        return False


# --- password sign-in --------------------------------------------------------------------------------


def check_password_attempt(request: HttpRequest, email: str) -> None:
    """Refuse a password attempt for ``email`` from this request's source while it is locked."""
    email = normalize_email(email)
    source, known = _source(request, email)
    window = _window()
    if spent("sign_in_failure", f"{email}|{source}", window=window) >= settings.KYOSO_SIGN_IN_MAX_FAILURES:
        raise SignInLocked()
    if known:
        return
    if (
        spent("sign_in_failure_ip", client_ip(request), window=window)
        >= settings.KYOSO_SIGN_IN_FAILURES_PER_IP
    ):
        raise RateLimited()
    if spent("sign_in_failure_address", email, window=window) >= settings.KYOSO_SIGN_IN_FAILURES_PER_ADDRESS:
        raise SignInLocked()


def record_password_failure(request: HttpRequest, email: str) -> None:
    email = normalize_email(email)
    source, known = _source(request, email)
    ip = client_ip(request)
    if _count("sign_in_failure", f"{email}|{source}", settings.KYOSO_SIGN_IN_MAX_FAILURES):
        _log_address_lock("sign_in.locked", email, ip, settings.KYOSO_SIGN_IN_MAX_FAILURES)
    if known:
        return
    if _count("sign_in_failure_ip", ip, settings.KYOSO_SIGN_IN_FAILURES_PER_IP):
        log_event(
            logger,
            "sign_in.ip_locked",
            level=logging.WARNING,
            ip=ip,
            failures=settings.KYOSO_SIGN_IN_FAILURES_PER_IP,
            minutes=settings.KYOSO_SIGN_IN_LOCKOUT_MINUTES,
        )
    if _count("sign_in_failure_address", email, settings.KYOSO_SIGN_IN_FAILURES_PER_ADDRESS):
        _log_address_lock("sign_in.address_locked", email, ip, settings.KYOSO_SIGN_IN_FAILURES_PER_ADDRESS)


def clear_password_failures(request: HttpRequest, email: str) -> None:
    """The member signed in from this source: its own failures are forgiven (not the address's)."""
    email = normalize_email(email)
    source, _known = _source(request, email)
    forget("sign_in_failure", f"{email}|{source}")


def _log_address_lock(event: str, email: str, ip: str, failures: int) -> None:
    """One line when a lock-out starts: the member's id (never the address), or ``unknown``."""
    member = Member.objects.filter(email=email).values_list("pk", flat=True).first()
    log_event(
        logger,
        event,
        level=logging.WARNING,
        member=member or "unknown",
        ip=ip,
        failures=failures,
        minutes=settings.KYOSO_SIGN_IN_LOCKOUT_MINUTES,
    )


# --- the second factor ---------------------------------------------------------------------------------


def check_code_attempt(request: HttpRequest, member: Member) -> bool:
    """Refuse a code from a source locked for ``member``; True when only a recovery code is accepted
    (too many wrong codes for the member from every unknown source together)."""
    source, known = _source(request, member.email)
    window = _window()
    if (
        spent("second_factor_failure", f"{member.pk}|{source}", window=window)
        >= settings.KYOSO_SIGN_IN_MAX_FAILURES
    ):
        raise SignInLocked()
    return (
        not known
        and spent("second_factor_failure_member", str(member.pk), window=window)
        >= settings.KYOSO_SIGN_IN_FAILURES_PER_ADDRESS
    )


def record_code_failure(request: HttpRequest, member: Member) -> None:
    source, known = _source(request, member.email)
    budgets = [
        ("source", "second_factor_failure", f"{member.pk}|{source}", settings.KYOSO_SIGN_IN_MAX_FAILURES)
    ]
    if not known:
        budgets.append(
            (
                "member",
                "second_factor_failure_member",
                str(member.pk),
                settings.KYOSO_SIGN_IN_FAILURES_PER_ADDRESS,
            )
        )
    for label, scope, subject, limit in budgets:
        if _count(scope, subject, limit):
            log_event(
                logger,
                "two_factor.locked",
                level=logging.WARNING,
                member=member.pk,
                ip=client_ip(request),
                failures=limit,
                minutes=settings.KYOSO_SIGN_IN_LOCKOUT_MINUTES,
                scope=label,
            )


def clear_code_failures(request: HttpRequest, member: Member) -> None:
    source, _known = _source(request, member.email)
    forget("second_factor_failure", f"{member.pk}|{source}")


# --- asking a signed-in member again (re-authentication) ------------------------------------------


def check_reauth_attempt(member: Member) -> None:
    """Only the session's holder can try, so one budget per member: a borrowed browser gets a few tries."""
    if spent("reauth_failure", str(member.pk), window=_window()) >= settings.KYOSO_SIGN_IN_MAX_FAILURES:
        raise SignInLocked()


def record_reauth_failure(member: Member) -> None:
    if _count("reauth_failure", str(member.pk), settings.KYOSO_SIGN_IN_MAX_FAILURES):
        log_event(
            logger,
            "reauth.locked",
            level=logging.WARNING,
            member=member.pk,
            failures=settings.KYOSO_SIGN_IN_MAX_FAILURES,
            minutes=settings.KYOSO_SIGN_IN_LOCKOUT_MINUTES,
        )


def clear_reauth_failures(member: Member) -> None:
    forget("reauth_failure", str(member.pk))
