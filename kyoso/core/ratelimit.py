"""Request budgets and lockouts, kept in the cache: in process by default, Redis when scaled out.

A budget is a sliding window per key: ``spend("link", "hanako@…", limit=5, window=3600)`` is refused
once five were spent in the hour before now. The window is counted back from each request, not
aligned to the clock, so a burst at the edge of one clock hour and the start of the next cannot get
twice the limit through (the flaw of a fixed window).

Each key keeps the times of its latest ``limit`` spends, newest first: a sliding log, as Discourse's
RateLimiter keeps it. A refused request spends nothing, so a budget comes back one spend at a time as
its oldest spends leave the window. Storage per key is bounded by ``limit``.

Reading and writing a key is one step: a Lua script on Redis, so processes racing for the last spend
cannot both win, and a lock in process for the local-memory cache, which no other process shares.
Keys are hashed, so no address sits in the cache.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache

from kyoso.core.errors import RateLimited

# Times of the latest spends, newest first; a spend is allowed while fewer than ``limit`` lie in the
# window. Returns {1 if allowed else 0, spends in the window counting this one}.
_SPEND_SCRIPT = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local count = 0
for _, at in ipairs(redis.call('LRANGE', KEYS[1], 0, limit - 1)) do
  if tonumber(at) > now - window then count = count + 1 end
end
if count >= limit then return {0, count} end
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, limit - 1)
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
return {1, count + 1}
"""

# The local-memory cache lives in this process only: one lock makes its read-and-write atomic.
_local_lock = threading.Lock()


def _key(scope: str, subject: str) -> str:
    digest = hashlib.sha256(subject.strip().lower().encode()).hexdigest()[:32]
    return f"kyoso:rl:{scope}:{digest}"


def _redis_client(key: str) -> tuple[Any, str] | None:
    """The redis-py client and the full key, when the cache is Django's RedisCache."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if not isinstance(backend, RedisCache):
        return None
    full_key = backend.make_and_validate_key(key)
    return backend._cache.get_client(full_key, write=True), full_key  # type: ignore[attr-defined]


def _times(key: str) -> list[float]:
    found = _redis_client(key)
    if found is None:
        return list(cache.get(key) or [])
    client, full_key = found
    return [float(at) for at in client.lrange(full_key, 0, -1)]


def spent(scope: str, subject: str, *, window: int) -> int:
    """How many spends of this budget lie in the last ``window`` seconds."""
    since = time.time() - window
    return sum(1 for at in _times(_key(scope, subject)) if at > since)


def spend(scope: str, subject: str, *, limit: int, window: int) -> int:
    """Count one request; raise RateLimited, spending nothing, when ``limit`` were spent in the window.

    Returns how many spends lie in the window, this one included.
    """
    key = _key(scope, subject)
    now = time.time()
    found = _redis_client(key)
    if found is not None:
        client, full_key = found
        allowed, count = client.eval(_SPEND_SCRIPT, 1, full_key, repr(now), window, limit)
        if not allowed:
            raise RateLimited()
        return int(count)
    with _local_lock:
        recent = [at for at in cache.get(key) or [] if at > now - window]
        if len(recent) >= limit:
            raise RateLimited()
        recent = [now, *recent][:limit]
        cache.set(key, recent, timeout=math.ceil(window))
        return len(recent)


def forget(scope: str, subject: str) -> None:
    """Drop a budget's spends, e.g. a member's failures once they signed in."""
    cache.delete(_key(scope, subject))


def client_ip(request: object) -> str:
    """The client's address as the server saw it (behind nginx, Django's proxy settings apply)."""
    meta = getattr(request, "META", {})
    return str(meta.get("REMOTE_ADDR", "") or "unknown")
