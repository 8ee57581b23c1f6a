"""When a service kyoso depends on stops answering: 503 with ``Retry-After``, in the error protocol.

While PostgreSQL restarts, or Redis (cache, sessions, rate limits) is away, a request that needs it
answers ``database_unavailable`` or ``service_unavailable`` (503, ``Retry-After``) instead of a 500:
``{"error": {"code", "message"}}`` under the API, the scripted-form refusal for ``X-Kyoso-Fragment``,
else the error page, drawn without the request (so without the database). Once the service is back,
the next request succeeds without restarting kyoso: Django opens a connection per request
(``CONN_MAX_AGE`` 0), and redis-py reconnects on the next command.

Two hooks answer it: ``MemberFacingErrorMiddleware.process_exception`` for an error raised in a view,
and ``server_error`` (the project's ``handler500``) for one raised in a middleware, where the session
and the member are first read.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

from kyoso.core.errors import (
    ERROR_TEMPLATE,
    FRAGMENT_HEADER,
    DatabaseUnavailable,
    ServiceUnavailable,
    error_response,
    refusal_response,
)
from kyoso.core.logs import log_event

logger = logging.getLogger("kyoso.core")

# What a client is told to wait before trying again: a PostgreSQL restart or a Redis blip takes seconds.
RETRY_AFTER_SECONDS = 5
# The JSON API's paths (kyoso.api): the kernel knows the prefix, not the app.
API_PATH_PREFIX = "/api/"


def unavailable(exception: BaseException | None) -> ServiceUnavailable | None:
    """The error to answer for ``exception`` if it means a service is down, else None."""
    if isinstance(exception, (OperationalError, InterfaceError)):
        return DatabaseUnavailable()
    try:
        import redis
    except ImportError:  # pragma: no cover - redis is a dependency
        return None
    if isinstance(exception, (redis.ConnectionError, redis.TimeoutError)):
        return ServiceUnavailable()
    return None


def outage_response(request: HttpRequest, error: ServiceUnavailable) -> HttpResponse:
    """The 503 for ``request``, in the shape its edge speaks, with ``Retry-After``."""
    response: HttpResponse
    if request.headers.get(FRAGMENT_HEADER) == "1":
        response = refusal_response(error)
    elif request.path.startswith(API_PATH_PREFIX):
        response = error_response(error)
    else:
        # Without the request: the site's frame then reads no session, member or sidebar.
        response = HttpResponse(render_to_string(ERROR_TEMPLATE, {"error": error}), status=error.status)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def answer_outage(request: HttpRequest, exception: BaseException) -> HttpResponse | None:
    """The 503 for an exception that means a service is down (logged for the operator), else None."""
    error = unavailable(exception)
    if error is None:
        return None
    log_event(
        logger,
        "service.unavailable",
        level=logging.WARNING,
        code=error.code,
        path=request.path,
        error=f"{type(exception).__name__}: {exception}".strip(),
    )
    return outage_response(request, error)


def server_error(request: HttpRequest, template_name: str = defaults.ERROR_500_TEMPLATE_NAME) -> HttpResponse:
    """``handler500``: a service that is down answers 503 (see above); anything else is Django's 500."""
    exception = sys.exc_info()[1]
    answer = answer_outage(request, exception) if exception is not None else None
    if answer is not None:
        return answer
    return defaults.server_error(request, template_name)
