"""Asking a signed-in member again who they are (再認証) before the changes that take over an account.

Changing the password, the e-mail address or two-factor needs a session that proved its member within
``KYOSO_REAUTH_MINUTES`` (kyoso.accounts.actions.security.recently_authenticated): a sign-in, a fresh
two-factor code, or this page's password or code. A member who signs in by e-mail link only and has
neither proves it with a fresh sign-in link opened in the same browser. Wrong answers count in their
own small budget (kyoso.accounts.actions.lockout).
"""

from __future__ import annotations

from django.http import HttpRequest

from kyoso.accounts.actions import lockout
from kyoso.accounts.actions.security import (
    accept_code,
    has_two_factor,
    note_authenticated,
    request_sign_in_link,
)
from kyoso.accounts.errors import ReauthenticationFailed, ReauthenticationMissing
from kyoso.accounts.models import Member
from kyoso.core.ratelimit import client_ip

# Where to go once a sign-in link sent from the re-authentication page is opened in this browser.
REAUTH_NEXT = "kyoso_reauth_next"


def reauthenticate(*, request: HttpRequest, member: Member, password: str = "", code: str = "") -> None:
    """Accept the member's current password or a code from their app (or a recovery code)."""
    lockout.check_reauth_attempt(member)
    if password and member.has_usable_password():
        accepted = member.check_password(password)
    elif code and has_two_factor(member):
        accepted = accept_code(member, code)
    elif not (password or code):
        raise ReauthenticationMissing()
    else:
        accepted = False
    if not accepted:
        lockout.record_reauth_failure(member)
        raise ReauthenticationFailed()
    lockout.clear_reauth_failures(member)
    note_authenticated(request)


def confirm_current_password(*, request: HttpRequest, member: Member, password: str) -> None:
    """The current password typed on the password form: the same check and budget as above."""
    reauthenticate(request=request, member=member, password=password or "")


def send_reauth_link(*, request: HttpRequest, member: Member, next_url: str) -> None:
    """Send a sign-in link to the member's own address; opening it here brings them back to ``next_url``."""
    request_sign_in_link(email=member.email, ip=client_ip(request))
    request.session[REAUTH_NEXT] = next_url
