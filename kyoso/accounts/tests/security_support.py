"""Test clients whose session proved its member just now, as a sign-in does (force_login does not)."""

from __future__ import annotations

import time

from django.test import Client

from kyoso.accounts.actions.security import REAUTHENTICATED_AT
from kyoso.accounts.models import Member


def mark_recently_authenticated(client: Client, *, seconds_ago: float = 0) -> None:
    session = client.session
    session[REAUTHENTICATED_AT] = int(time.time() - seconds_ago)
    session.save()


def fresh_login(client: Client, member: Member) -> None:
    """force_login, plus what signing in really notes: the member just proved who they are."""
    client.force_login(member)
    mark_recently_authenticated(client)
