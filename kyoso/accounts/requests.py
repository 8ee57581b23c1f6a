"""Request types for views that need a signed-in member.

Django types ``request.user`` as ``Member | AnonymousUser``. Behind ``login_required`` (or the API's
authentication) it is always a member; annotating the view with these classes says so to the type
checker, so the view can hand ``request.user`` to an action or a query without a cast.
"""

from __future__ import annotations

from django.http import HttpRequest

from kyoso.accounts.models import Member


class MemberRequest(HttpRequest):
    """A request that passed ``login_required``: its user is a member."""

    user: Member


class ApiRequest(HttpRequest):
    """A request that passed the API's authentication (a token or a session): ``auth`` is the member."""

    user: Member
    auth: Member
