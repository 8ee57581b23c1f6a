"""Who a WebSocket belongs to: the signed-in session of its cookie, under the same rules as a page.

Read once, when the socket opens, in one trip to the database: the session, its member (with the
session's auth hash checked, as Django does for a request), whether they may read at all, and the
second-factor gate of kyoso.accounts.middleware. The member row is kept until the socket's setup reads
what it hears; then only the member's id and display name stay with the socket: a hub of ten thousand
sockets does not keep ten thousand sessions and member rows alive.
"""

from __future__ import annotations

from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user

from kyoso.accounts.actions import security
from kyoso.accounts.models import Member
from kyoso.chat.queries.access import can_read
from kyoso.realtime.sockets import CLOSE_NOT_ALLOWED, CLOSE_SIGNED_OUT


@dataclass(frozen=True, slots=True)
class Admitted:
    member: Member  # kept only until the socket's setup is done
    session: str = ""  # the digest of its session key: the socket closes when that session ends

    @property
    def member_id(self) -> int:
        return self.member.pk


@dataclass(frozen=True, slots=True)
class Refused:
    code: int


class _SessionRequest:
    """The part of a request that django.contrib.auth.get_user and the two-factor check read."""

    def __init__(self, session: Any) -> None:
        self.session = session


def session_key(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The session cookie's value from an ASGI scope's headers."""
    name = settings.SESSION_COOKIE_NAME
    for header, value in headers:
        if header != b"cookie":
            continue
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(value.decode("latin-1"))
        except CookieError:
            continue
        if name in cookie:
            return cookie[name].value
    return None


def admit(key: str | None) -> Admitted | Refused:
    """The member a session key signs in, or why the socket is refused."""
    if not key:
        return Refused(CLOSE_SIGNED_OUT)
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    request = _SessionRequest(store)
    member = get_user(request)  # type: ignore[arg-type]
    if not member.is_authenticated:
        return Refused(CLOSE_SIGNED_OUT)
    if not can_read(member):
        return Refused(CLOSE_NOT_ALLOWED)
    if not security.second_factor_verified(request) and (  # type: ignore[arg-type]
        security.has_two_factor(member) or security.must_enrol_two_factor(member)
    ):
        return Refused(CLOSE_NOT_ALLOWED)
    return Admitted(member=member, session=security.session_digest(key))
