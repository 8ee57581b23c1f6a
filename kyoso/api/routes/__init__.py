"""One router per subject; kyoso.api.api mounts them all under /api/v1/."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest

from kyoso.accounts.models import Member
from kyoso.accounts.requests import ApiRequest


def caller(request: HttpRequest) -> Member:
    """The member the request was authenticated as (kyoso.api.auth: token or session)."""
    return cast(ApiRequest, request).auth
