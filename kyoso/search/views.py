"""The search page (/search/?q=…) and the filter type-ahead it uses. Thin: the work is in queries."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render

from kyoso.accounts.requests import MemberRequest
from kyoso.core.errors import MemberFacingError
from kyoso.core.validation import InvalidId
from kyoso.search import queries
from kyoso.search.suggestions import suggest

SCOPES = ("messages", "channels", "members", "organizations")


@login_required
def search(request: MemberRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    scope = request.GET.get("type", "messages")
    scope = scope if scope in SCOPES else "messages"
    sort = request.GET.get("sort", queries.NEWEST)
    exact = request.GET.get("exact") == "1"
    context: dict[str, object] = {
        "nav": "search",
        "query": query,
        "scope": scope,
        "sort": sort,
        "exact": exact,
    }
    status = 200
    try:
        context["results"] = queries.search_messages(
            request.user,
            query,
            sort=sort,
            cursor=request.GET.get("cursor") if scope == "messages" else None,
            variants=False if exact else None,
        )
        context["channels"] = queries.search_channels(request.user, query)
        context["members"] = queries.search_people(request.user, query)
        context["organizations"] = queries.search_organizations(request.user, query)
    except MemberFacingError as error:
        # A query that cannot be read gets the page back with what to change, never an error page.
        context["error"] = str(error)
        if isinstance(error, InvalidId):
            # A cursor no page of results ever gave out: the request itself is wrong.
            status = error.status
    return render(request, "search/search.html", context, status=status)


@login_required
def suggestions(request: MemberRequest) -> JsonResponse:
    found = suggest(request.user, request.GET.get("field", ""), request.GET.get("q", ""))
    return JsonResponse(found, safe=False)
