"""Web Push's edges: a browser subscribes and unsubscribes (JSON), the service worker, the app manifest.

Subscribing and unsubscribing answer 404 while push is off (no VAPID keys): to a page or a script the
feature does not exist. The service worker and the manifest are served either way: the manifest only
names the site for an installed app, and the worker only shows what a push brings, which nothing sends
while push is off; a browser that subscribed before the keys were removed keeps a worker that answers.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from kyoso.accounts.requests import MemberRequest
from kyoso.core import ratelimit
from kyoso.core.errors import MemberFacingError, error_response
from kyoso.notify import push
from kyoso.notify.errors import InvalidPushSubscription, PushNotConfigured

SERVICE_WORKER = "kyoso/js/push-sw.js"
# A subscription is a few hundred bytes of JSON; anything much larger is not one.
MAX_BODY_BYTES = 4096
# Subscribing and unsubscribing, together, per member and hour: a browser does it once or twice a day.
PUSH_REQUESTS_PER_HOUR = 30
HOUR = 3600


def _json_body(request: HttpRequest) -> object:
    if len(request.body) > MAX_BODY_BYTES:
        raise InvalidPushSubscription()
    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidPushSubscription() from None


def _guarded(request: MemberRequest) -> object:
    """What every push POST checks first: push is on, the member's budget, a JSON body."""
    if not push.enabled():
        raise PushNotConfigured()
    ratelimit.spend("push", str(request.user.pk), limit=PUSH_REQUESTS_PER_HOUR, window=HOUR)
    return _json_body(request)


@login_required
@require_POST
@never_cache
def subscribe(request: MemberRequest) -> HttpResponse:
    try:
        subscription = push.parse_subscription(_guarded(request))
        push.subscribe(
            member=request.user, session_key=request.session.session_key, subscription=subscription
        )
    except MemberFacingError as error:
        return error_response(error)
    notice = _("このブラウザにプッシュ通知を送ります。")
    return JsonResponse(
        {"ok": True, "subscribed": True, "notice": notice}, json_dumps_params={"ensure_ascii": False}
    )


@login_required
@require_POST
@never_cache
def unsubscribe(request: MemberRequest) -> HttpResponse:
    try:
        data = _guarded(request)
        endpoint = data.get("endpoint") if isinstance(data, dict) else None
        if not isinstance(endpoint, str) or not endpoint or len(endpoint) > push.MAX_ENDPOINT_LENGTH:
            raise InvalidPushSubscription()
        push.unsubscribe(member=request.user, endpoint=endpoint)
    except MemberFacingError as error:
        return error_response(error)
    notice = _("このブラウザへのプッシュ通知を止めました。")
    return JsonResponse(
        {"ok": True, "subscribed": False, "notice": notice}, json_dumps_params={"ensure_ascii": False}
    )


@functools.cache
def _service_worker_source() -> bytes:
    found = finders.find(SERVICE_WORKER)
    if not found:
        raise FileNotFoundError(SERVICE_WORKER)
    return Path(str(found)).read_bytes()


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """The push service worker, allowed to control the whole site (its scope is ``/``)."""
    response = HttpResponse(_service_worker_source(), content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    # A browser checks for a new worker on its own; it must not be kept from seeing one.
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: what a browser needs to install kyoso as an app."""
    body = {
        "name": "kyoso",
        "short_name": "kyoso",
        "description": _("公務員の共創コミュニティ"),
        "lang": "ja",
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0017c1",
        "icons": [
            {
                "src": static("kyoso/img/kyoso-mark.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
                "purpose": "any",
            }
        ],
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json; charset=utf-8"
    return response
