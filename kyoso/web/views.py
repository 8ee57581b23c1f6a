"""The home page and the health checks a load balancer or orchestrator asks."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

from kyoso.chat import queries

READY_CACHE_KEY = "kyoso:readyz"
READY_CACHE_SECONDS = 10


def home(request: HttpRequest) -> HttpResponse:
    """Signed out: what kyoso is, with public numbers. Signed in: my channels and recent activity."""
    context: dict[str, object]
    if request.user.is_authenticated:
        context = {
            "nav": "home",
            "joined_channels": list(queries.joined_channels(request.user)),
            "recent_messages": queries.recent_public_messages(request.user),
        }
    else:
        context = {"nav": "home", "stats": queries.community_stats()}
    return render(request, "web/home.html", context)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up: no database, no cache, so a load balancer can tell a hung process."""
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    # A round trip proves Redis accepts writes and answers reads, not only that a socket opens.
    token = secrets.token_hex(8)
    cache.set(READY_CACHE_KEY, token, READY_CACHE_SECONDS)
    if cache.get(READY_CACHE_KEY) != token:
        raise RuntimeError("cache did not return the value just written")


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """The database answers (and Redis, when configured); a 503 names the check that failed."""
    checks_to_run = {"database": _check_database}
    if settings.REDIS_URL:
        checks_to_run["redis"] = _check_cache
    checks: dict[str, str] = {}
    for name, check in checks_to_run.items():
        try:
            check()
            checks[name] = "ok"
        except Exception as error:
            checks[name] = f"error: {type(error).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )


def favicon(request: HttpRequest) -> HttpResponse:
    """kyoso's mark for pages that name no icon (the Django admin), instead of a 404 in the console."""
    return HttpResponsePermanentRedirect(static("kyoso/img/kyoso-mark.svg"))
