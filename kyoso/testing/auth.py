"""Signing in test clients past the second factor.

Operators and moderators reach nothing but the two-factor pages until they pass the second factor
(kyoso.accounts.middleware). A test about the review queue or the admin, not about sign-in, uses
``force_login_verified`` instead of ``client.force_login``.
"""

from __future__ import annotations

import re
import time

import pyotp
from django.test import Client
from django.utils.functional import Promise

from kyoso.accounts.actions.security import SECOND_FACTOR_VERIFIED
from kyoso.accounts.models import Member


def force_login_verified(client: Client, member: Member) -> None:
    client.force_login(member)
    session = client.session
    session[SECOND_FACTOR_VERIFIED] = True
    session.save()


def link_path_from_mail(body: str | Promise) -> str:
    """The path of the first kyoso link in an e-mail body (the site URL stripped)."""
    match = re.search(r"https?://[^\s/]+(/accounts/\S+)", str(body))
    if match is None:
        raise AssertionError(f"no link in the e-mail:\n{body}")
    return match.group(1)


def totp_code(secret: str, *, at: float | None = None) -> str:
    """What an authenticator app would show for ``secret`` now (or at ``at``)."""
    return pyotp.TOTP(secret).at(time.time() if at is None else at)
