"""The demo outbox (送信済みメール): every e-mail kyoso sent, so a newcomer can click their link.

It exists only in the embedded demo mode (KYOSO_OUTBOX) and only for a browser on this machine:
anyone else gets a 404, as if the page did not exist. It shows sign-in and verification links.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from kyoso.notify.queries import sent_mail

OUTBOX_PAGE_SIZE = 50


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


# Headers a reverse proxy adds. In development mode `kyoso serve` does not read them, so behind a proxy
# on this machine every visitor arrives from 127.0.0.1; a request carrying one came from elsewhere.
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


def outbox_allowed(request: HttpRequest) -> bool:
    if any(header in request.META for header in PROXY_HEADERS):
        return False
    return bool(settings.KYOSO_OUTBOX) and _is_loopback(str(request.META.get("REMOTE_ADDR", "")))


@never_cache
def outbox(request: HttpRequest) -> HttpResponse:
    if not outbox_allowed(request):
        raise Http404
    emails = sent_mail(limit=OUTBOX_PAGE_SIZE)
    return render(request, "notify/outbox.html", {"emails": emails})
