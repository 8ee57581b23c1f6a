"""The directory's JSON type-ahead, used by the 参加登録 form's organisation combobox."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from kyoso.core.errors import RateLimited, error_response
from kyoso.core.ratelimit import client_ip, spend
from kyoso.directory.queries import search_organizations

# A person types a few characters a second; this leaves room for that and stops bulk scraping.
SEARCH_REQUESTS_PER_MINUTE = 120
SEARCH_WINDOW_SECONDS = 60
SEARCH_RESULTS = 10
MAX_QUERY_LENGTH = 50


@require_GET
def search(request: HttpRequest) -> JsonResponse:
    """[{code, name, full_name, kind}] for ?q= (name, reading or code prefix); 429 when too fast."""
    try:
        spend(
            "directory-search",
            client_ip(request),
            limit=SEARCH_REQUESTS_PER_MINUTE,
            window=SEARCH_WINDOW_SECONDS,
        )
    except RateLimited as error:
        return error_response(error)
    query = request.GET.get("q", "")[:MAX_QUERY_LENGTH]
    results = [
        {
            "code": organization.code,
            "name": organization.name,
            "full_name": organization.full_name,
            "kind": organization.get_kind_display(),
        }
        for organization in search_organizations(query, limit=SEARCH_RESULTS)
    ]
    return JsonResponse(results, safe=False)
