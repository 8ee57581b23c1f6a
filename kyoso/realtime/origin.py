"""Which pages may open a WebSocket with a member's cookie: the exact origin (scheme, host and port).

A browser sends the cookie with a WebSocket from any page, so the ``Origin`` header is the only thing
telling our own pages from another site's, and from another service on the same host name (another
port, or plain http beside https). Allowed: the site's own address (KYOSO_SITE_URL), the origins of
CSRF_TRUSTED_ORIGINS (Django's ``https://*.example.jp`` form included) and, in development only, the
address the server was reached at (``Origin`` equal to the scheme and ``Host`` of the request itself).
A socket without an ``Origin`` is refused (403, before it is accepted).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings

DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_origin(value: str) -> str | None:
    """``scheme://host[:port]`` in lower case, the default port left out; None if it is not an origin."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in DEFAULT_PORTS or not host or parts.username or parts.password:
        return None
    if ":" in host:  # IPv6
        host = f"[{host}]"
    if port is None or port == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def _trusted(origin: str, pattern: str) -> bool:
    if "*" not in pattern:
        return origin == normalize_origin(pattern)
    # Django's form: https://*.example.jp allows any subdomain of example.jp, same scheme, any port it names.
    scheme, _, rest = pattern.partition("://")
    if not rest.startswith("*."):
        return False
    wanted = normalize_origin(f"{scheme}://x{rest[1:]}")
    if wanted is None:
        return False
    suffix = wanted.split("://", 1)[1][1:]  # ".example.jp[:port]"
    origin_scheme, _, origin_rest = origin.partition("://")
    return origin_scheme == scheme.lower() and origin_rest.endswith(suffix) and origin_rest != suffix


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    values = [value for header, value in scope.get("headers", []) if header == name]
    if len(values) != 1:  # absent, or sent twice: nothing to trust
        return None
    return values[0].decode("latin-1")


def origin_allowed(scope: dict[str, Any]) -> bool:
    raw = _header(scope, b"origin")
    origin = normalize_origin(raw) if raw else None
    if origin is None:
        return False
    site = normalize_origin(settings.KYOSO_SITE_URL)
    if origin == site:
        return True
    if any(_trusted(origin, pattern) for pattern in settings.CSRF_TRUSTED_ORIGINS):
        return True
    if settings.PRODUCTION:
        return False
    host = _header(scope, b"host")
    scheme = "https" if scope.get("scheme") in {"wss", "https"} else "http"
    return host is not None and origin == normalize_origin(f"{scheme}://{host}")


class OriginValidator:
    """ASGI middleware: a WebSocket from an origin not allowed is refused before it is accepted."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
