"""Sign-in, passwords, two-factor authentication (二段階認証) and sessions: every write has one home here.

Sign-in never tells anyone whether an address is registered: a link request gets the same answer,
a lockout locks unknown addresses the same way, and a wrong password reads like an unknown address.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from kyoso.accounts import totp
from kyoso.accounts.actions import lockout
from kyoso.accounts.actions.lifecycle import note_activity, note_sign_in
from kyoso.accounts.actions.members import normalize_email
from kyoso.accounts.errors import (
    CodeInvalid,
    LinkInvalid,
    RecoveryCodeRequired,
    TwoFactorNotEnrolled,
    TwoFactorRequired,
)
from kyoso.accounts.links import _digest, consume_link, issue_link
from kyoso.accounts.models import LinkPurpose, Member, MemberSession, RecoveryCode, Role, TOTPDevice
from kyoso.core.events import member_audience, publish
from kyoso.core.logs import log_event
from kyoso.core.mail import queue_mail, render_email, site_url
from kyoso.core.ratelimit import client_ip, spend

# Keys in the Django session.
SECOND_FACTOR_VERIFIED = "kyoso_2fa_verified"
SEEN_AT = "kyoso_seen_at"
PENDING_TOTP_SECRET = "kyoso_totp_pending_secret"  # noqa: S105 - a session key, not a secret
REAUTHENTICATED_AT = "kyoso_reauthenticated_at"
LINK_AUTHENTICATED_AT = "kyoso_link_authenticated_at"

# A sign-in link is a key to the account: shorter-lived than the 24 hours of a registration link.
SIGN_IN_LINK_MAX_AGE = timedelta(minutes=30)
HOUR = 3600
# How often a session's 最終利用 is written: at most once a minute, not on every request.
SEEN_INTERVAL_SECONDS = 60
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
ROLES_REQUIRING_TWO_FACTOR = frozenset({Role.OPERATOR, Role.MODERATOR})
# Operator log lines (README, Logging): ids and organisation codes, never addresses or secrets.
logger = logging.getLogger("kyoso.accounts")


def _user_agent(request: HttpRequest) -> str:
    field = MemberSession._meta.get_field("user_agent")
    return request.META.get("HTTP_USER_AGENT", "")[: field.max_length]


# --- e-mail link sign-in -------------------------------------------------------------------------


def request_sign_in_link(*, email: str, ip: str) -> None:
    """Send a sign-in link if ``email`` belongs to an active member; otherwise do the same work silently.

    Budgets per address and per client address are spent either way, so the answer (and a
    RateLimited refusal) is the same for an address that is not registered.
    """
    email = normalize_email(email)
    limit = settings.KYOSO_LINK_REQUESTS_PER_HOUR
    spend("sign_in_link_ip", ip, limit=limit * 10, window=HOUR)
    spend("sign_in_link", email, limit=limit, window=HOUR)
    member = Member.objects.filter(email=email).first()
    if member is None or not member.is_active:
        # Roughly the work of the real path (a digest and a rendered mail), so timing says little.
        _digest(email)
        render_email("sign_in_link", {"member": None, "url": site_url("/"), "minutes": 0})
        return
    with transaction.atomic():
        token = issue_link(
            purpose=LinkPurpose.SIGN_IN, email=member.email, member=member, max_age=SIGN_IN_LINK_MAX_AGE
        )
        url = site_url(reverse("accounts:sign_in_link", args=[token]))
        queue_mail(
            to=member.email,
            template="sign_in_link",
            context={
                "member": member,
                "url": url,
                "minutes": int(SIGN_IN_LINK_MAX_AGE.total_seconds() // 60),
            },
        )


def redeem_sign_in_link(*, token: str) -> Member:
    """Use a sign-in link up and return its member, who must still be active at that address."""
    link = consume_link(token, LinkPurpose.SIGN_IN)
    member = link.member
    # The address may have changed (人事異動) or the member been suspended since the mail was sent.
    if member is None or not member.is_active or member.email != link.email:
        raise LinkInvalid()
    return member


# --- recent authentication ----------------------------------------------------------------------------


def note_authenticated(request: HttpRequest, *, by_link: bool = False) -> None:
    """The member just proved who they are (signed in, or gave the password or a code again);
    ``by_link``: with a sign-in link, so they hold the mailbox."""
    now = int(time.time())
    request.session[REAUTHENTICATED_AT] = now
    if by_link:
        request.session[LINK_AUTHENTICATED_AT] = now


def _within_reauth_window(at: object) -> bool:
    return isinstance(at, int) and 0 <= time.time() - at <= settings.KYOSO_REAUTH_MINUTES * 60


def recently_authenticated(request: HttpRequest) -> bool:
    """Whether this session proved its member within KYOSO_REAUTH_MINUTES: changing the password, the
    address or two-factor needs it, so a borrowed unlocked browser is not enough to take an account."""
    return _within_reauth_window(request.session.get(REAUTHENTICATED_AT))


def recently_signed_in_by_link(request: HttpRequest) -> bool:
    """Whether this session opened a sign-in link within KYOSO_REAUTH_MINUTES: like a password-reset
    link, it lets a member who forgot their password set a new one without the old."""
    return _within_reauth_window(request.session.get(LINK_AUTHENTICATED_AT))


# --- passwords ---------------------------------------------------------------------------------------


def set_password(*, member: Member, password: str, request: HttpRequest | None = None) -> Member:
    """Set or change a member's password, validated by Django's validators (ValidationError)."""
    validate_password(password, member)
    member.set_password(password)
    member.save(update_fields=["password"])
    if request is not None:
        # Changing the password invalidates every session; keep this one, under its new key.
        old_key = request.session.session_key
        update_session_auth_hash(request, member)
        MemberSession.objects.filter(session_key=old_key).update(session_key=request.session.session_key)
        MemberSession.objects.filter(member=member).exclude(session_key=request.session.session_key).delete()
        # Every other session's auth hash no longer matches: their open sockets close; this browser's
        # socket follows its session to the new key.
        renewed = {old_key: request.session.session_key} if old_key and request.session.session_key else {}
        _publish_sessions_ended(member.pk, everything=True, renewed=renewed)
    else:
        _publish_sessions_ended(member.pk, everything=True)
    queue_mail(to=member.email, template="security_password_changed", context={"member": member})
    log_event(logger, "password.changed", member=member.pk)
    return member


# --- sessions ----------------------------------------------------------------------------------------


def start_session(request: HttpRequest, member: Member, *, by_link: bool = False) -> MemberSession:
    """Sign ``member`` in on this browser (first factor done: a password, or a link if ``by_link``)
    and list the session."""
    login(request, member, backend=MODEL_BACKEND)
    note_sign_in(member)
    request.session[SECOND_FACTOR_VERIFIED] = False
    request.session[SEEN_AT] = int(time.time())
    note_authenticated(request, by_link=by_link)
    # Django keeps the session key when the member was already signed in here (a link opened to be
    # asked again): the listed session is then updated, not listed twice.
    listed, _created = MemberSession.objects.update_or_create(
        session_key=request.session.session_key or "",
        defaults={
            "member": member,
            "ip_address": client_ip(request) if client_ip(request) != "unknown" else None,
            "user_agent": _user_agent(request),
        },
    )
    return listed


def session_digest(key: str) -> str:
    """A session key as events name it: the live sockets of a session are found by this, and the raw key
    (a bearer credential) never leaves the server."""
    return salted_hmac("kyoso.accounts.session", key, algorithm="sha256").hexdigest()


def _publish_sessions_ended(
    member_id: int | None,
    keys: Iterable[str] = (),
    *,
    everything: bool = False,
    renewed: dict[str, str] | None = None,
) -> None:
    """Tell every server process, on commit, that sessions of a member ended: their open sockets close
    (4401). ``everything`` ends every session but the ``renewed`` ones (old key → new key), whose sockets
    stay and follow the new key. The realtime hub acts on this event and never forwards it."""
    if member_id is None or not (keys or everything):
        return
    data: dict[str, object] = {"sessions": sorted({session_digest(key) for key in keys if key})}
    if everything:
        data["all"] = True
    if renewed:
        data["renewed"] = {session_digest(old): session_digest(new) for old, new in renewed.items()}
    publish(member_audience(member_id), "session.ended", data)


def end_session(request: HttpRequest) -> None:
    """Sign out of this browser: the listed session goes with it, and so do its open sockets."""
    key = request.session.session_key
    member_id = request.user.pk if request.user.is_authenticated else None
    logout(request)
    if key:
        listed = MemberSession.objects.filter(session_key=key)
        if member_id is None:
            member_id = listed.values_list("member_id", flat=True).first()
        listed.delete()
        _publish_sessions_ended(member_id, [key])


def touch_session(request: HttpRequest, member: Member) -> None:
    """Note that this session (and so its member) is in use, at most once a minute; list it if it was
    not (e.g. force_login)."""
    now = int(time.time())
    if now - int(request.session.get(SEEN_AT, 0)) < SEEN_INTERVAL_SECONDS:
        return
    request.session[SEEN_AT] = now
    note_activity(member)
    key = request.session.session_key
    if key is None:
        request.session.save()
        key = request.session.session_key
    updated = MemberSession.objects.filter(session_key=key).update(last_seen_at=timezone.now())
    if not updated:
        MemberSession.objects.get_or_create(
            session_key=key,
            defaults={
                "member": member,
                "ip_address": client_ip(request) if client_ip(request) != "unknown" else None,
                "user_agent": _user_agent(request),
            },
        )


def _delete_stored_sessions(keys: list[str]) -> None:
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        store(session_key=key).delete()


def end_member_session(*, member: Member, session_id: int) -> None:
    """Sign one of my other browsers out: its Django session is deleted, so its cookie stops working."""
    with transaction.atomic():
        sessions = list(MemberSession.objects.filter(member=member, pk=session_id))
        _delete_stored_sessions([s.session_key for s in sessions])
        MemberSession.objects.filter(pk__in=[s.pk for s in sessions]).delete()
        _publish_sessions_ended(member.pk, [s.session_key for s in sessions])
    if sessions:
        log_event(logger, "sessions.revoked", member=member.pk, scope="one", count=len(sessions))


def end_other_sessions(*, member: Member, keep_session_key: str | None) -> int:
    with transaction.atomic():
        others = list(MemberSession.objects.filter(member=member).exclude(session_key=keep_session_key))
        _delete_stored_sessions([s.session_key for s in others])
        MemberSession.objects.filter(pk__in=[s.pk for s in others]).delete()
        # Signed out everywhere (keep nothing): every socket of the member closes, listed or not.
        _publish_sessions_ended(
            member.pk, [s.session_key for s in others], everything=keep_session_key is None
        )
    if others:
        scope = "others" if keep_session_key else "all"
        log_event(logger, "sessions.revoked", member=member.pk, scope=scope, count=len(others))
    return len(others)


def end_all_sessions(*, member: Member) -> int:
    """Sign a member out everywhere, e.g. when they are suspended."""
    return end_other_sessions(member=member, keep_session_key=None)


# --- two-factor authentication ----------------------------------------------------------------------


def has_two_factor(member: Member) -> bool:
    return TOTPDevice.objects.filter(member=member, confirmed_at__isnull=False).exists()


def must_enrol_two_factor(member: Member) -> bool:
    return member.role in ROLES_REQUIRING_TWO_FACTOR and not has_two_factor(member)


def pending_totp_secret(request: HttpRequest) -> str:
    """The secret being enrolled, kept in the session until confirmed: opening the page writes nothing."""
    secret = request.session.get(PENDING_TOTP_SECRET)
    if not secret:
        secret = totp.new_secret()
        request.session[PENDING_TOTP_SECRET] = secret
    return secret


def _replace_recovery_codes(member: Member) -> list[str]:
    codes = totp.new_recovery_codes()
    RecoveryCode.objects.filter(member=member).delete()
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(member=member, digest=totp.recovery_digest(code)) for code in codes]
    )
    return codes


def confirm_two_factor(*, request: HttpRequest, member: Member, code: str) -> list[str]:
    """Turn two-factor on with the pending secret once a code from the app matches; return recovery codes."""
    secret = request.session.get(PENDING_TOTP_SECRET)
    if not secret:
        raise CodeInvalid()
    step = totp.matching_step(secret, code, after_step=0)
    if step is None:
        raise CodeInvalid()
    with transaction.atomic():
        TOTPDevice.objects.update_or_create(
            member=member,
            defaults={"secret": secret, "confirmed_at": timezone.now(), "last_used_step": step},
        )
        codes = _replace_recovery_codes(member)
        queue_mail(to=member.email, template="security_two_factor_enabled", context={"member": member})
    log_event(logger, "two_factor.enabled", member=member.pk)
    del request.session[PENDING_TOTP_SECRET]
    request.session[SECOND_FACTOR_VERIFIED] = True
    return codes


def verify_second_factor(*, request: HttpRequest, member: Member, code: str) -> None:
    """Accept a code from the app (never the same step twice) or an unused recovery code.

    Wrong codes count per (member, source), so nobody else can lock a member out of their own second
    factor; past the member-wide budget, unknown sources may still use a recovery code.
    """
    recovery_only = lockout.check_code_attempt(request, member)
    accepted = accept_recovery_code(member, code) if recovery_only else accept_code(member, code)
    if not accepted:
        lockout.record_code_failure(request, member)
        raise RecoveryCodeRequired() if recovery_only else CodeInvalid()
    lockout.clear_code_failures(request, member)
    request.session[SECOND_FACTOR_VERIFIED] = True
    note_authenticated(request)


def accept_code(member: Member, code: str) -> bool:
    """Use up a code from the member's app, or else one of their recovery codes; whether one matched."""
    device = TOTPDevice.objects.filter(member=member, confirmed_at__isnull=False).first()
    if device is None:
        raise TwoFactorNotEnrolled()
    step = totp.matching_step(device.secret, code, after_step=device.last_used_step)
    if step is not None:
        # Conditional, so two requests racing with one code cannot both win. The seed is written back,
        # encrypted under the current secret key: a seed from before a key rotation moves to the new key.
        return (
            TOTPDevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(
                last_used_step=step, secret=device.secret
            )
            == 1
        )
    return accept_recovery_code(member, code)


def accept_recovery_code(member: Member, code: str) -> bool:
    # Under the secret key or a fallback one: codes given before a key rotation keep working.
    return (
        RecoveryCode.objects.filter(
            member=member, digest__in=totp.recovery_digests(code), used_at__isnull=True
        ).update(used_at=timezone.now())
        == 1
    )


def regenerate_recovery_codes(*, member: Member) -> list[str]:
    if not has_two_factor(member):
        raise TwoFactorNotEnrolled()
    with transaction.atomic():
        return _replace_recovery_codes(member)


def disable_two_factor(*, request: HttpRequest, member: Member) -> None:
    if member.role in ROLES_REQUIRING_TWO_FACTOR:
        raise TwoFactorRequired()
    with transaction.atomic():
        TOTPDevice.objects.filter(member=member).delete()
        RecoveryCode.objects.filter(member=member).delete()
        queue_mail(to=member.email, template="security_two_factor_disabled", context={"member": member})
    log_event(logger, "two_factor.reset", member=member.pk, actor=member.pk, by="self")
    request.session[SECOND_FACTOR_VERIFIED] = False


def reset_two_factor(*, operator: Member, member: Member) -> None:
    """An operator resets a member's two-factor (a lost phone): device and recovery codes go, the member
    is told by e-mail, and sets it up again at the next sign-in (operators and moderators must)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(member=member).delete()
        RecoveryCode.objects.filter(member=member).delete()
        queue_mail(to=member.email, template="security_two_factor_disabled", context={"member": member})
    log_event(logger, "two_factor.reset", member=member.pk, actor=operator.pk, by="operator")


def recovery_codes_left(member: Member) -> int:
    return RecoveryCode.objects.filter(member=member, used_at__isnull=True).count()


def sessions_of(member: Member) -> list[MemberSession]:
    """My signed-in browsers, the most recently used first."""
    return list(MemberSession.objects.filter(member=member).order_by("-last_seen_at"))


def second_factor_verified(request: HttpRequest) -> bool:
    return bool(request.session.get(SECOND_FACTOR_VERIFIED))
