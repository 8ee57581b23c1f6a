"""Request budgets and lockouts, kept in the cache: in process by default, Redis when scaled out.

A budget is a fixed window per key: ``spend("link", "hanako@…", limit=5, window=3600)`` is
refused once five were spent within the hour. Keys are hashed, so no address sits in the cache.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache

from kyoso.core.errors import RateLimited


def _key(scope: str, subject: str, window: int) -> str:
    digest = hashlib.sha256(subject.strip().lower().encode()).hexdigest()[:32]
    bucket = int(time.time() // window)
    return f"kyoso:rl:{scope}:{digest}:{bucket}"


def spent(scope: str, subject: str, *, window: int) -> int:
    return int(cache.get(_key(scope, subject, window), 0))


def spend(scope: str, subject: str, *, limit: int, window: int) -> None:
    """Count one request; raise RateLimited when the budget for this window is used up."""
    key = _key(scope, subject, window)
    # add() is atomic on Redis and in process: the first request of a window creates the counter.
    if cache.add(key, 1, timeout=window):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=window)
            count = 1
    if count > limit:
        raise RateLimited()


def client_ip(request: object) -> str:
    """The client's address as the server saw it (behind nginx, Django's proxy settings apply)."""
    meta = getattr(request, "META", {})
    return str(meta.get("REMOTE_ADDR", "") or "unknown")
