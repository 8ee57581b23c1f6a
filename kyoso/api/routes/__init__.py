"""One router per subject; kyoso.api.api mounts them all under /api/v1/."""

from __future__ import annotations

from django.http import HttpRequest

from kyoso.accounts.models import Member


def caller(request: HttpRequest) -> Member:
    """The member the request was authenticated as (kyoso.api.auth: token or session)."""
    return request.auth  # type: ignore[attr-defined,no-any-return]
