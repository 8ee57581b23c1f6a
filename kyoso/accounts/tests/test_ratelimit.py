"""Budgets refuse the request after the limit within a sliding window, per subject, on the in-process
cache and on Redis; a burst at the edge of a clock window gets no more through than the limit."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.cache import caches
from django.test import override_settings

from kyoso.core import ratelimit
from kyoso.core.errors import RateLimited

LOCAL = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rl-tests"}}


@pytest.fixture(params=["local", "redis"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each test runs on the local-memory cache and on Redis."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        config = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    else:
        config = LOCAL
    with override_settings(CACHES=config):
        assert type(caches["default"]).__name__ == (
            "RedisCache" if request.param == "redis" else "LocMemCache"
        )
        yield request.param


@contextmanager
def clock(at: float) -> Iterator[None]:
    with mock.patch("kyoso.core.ratelimit.time.time", return_value=at):
        yield


def spend_until_refused(scope: str, subject: str, limit: int, window: int = 3600) -> int:
    allowed = 0
    with pytest.raises(RateLimited):
        for _ in range(limit + 5):
            ratelimit.spend(scope, subject, limit=limit, window=window)
            allowed += 1
    return allowed


def new_scope() -> str:
    return f"test-{uuid.uuid4().hex}"


def test_budget_refuses_after_the_limit_and_counts_subjects_apart(backend: str) -> None:
    scope = new_scope()
    assert spend_until_refused(scope, "a@city.kurume.fukuoka.jp", 3) == 3
    # Another address has its own budget; the same address in capitals shares the first one.
    ratelimit.spend(scope, "b@city.kurume.fukuoka.jp", limit=3, window=3600)
    with pytest.raises(RateLimited):
        ratelimit.spend(scope, "A@CITY.KURUME.FUKUOKA.JP", limit=3, window=3600)
    # A refused request spends nothing.
    assert ratelimit.spent(scope, "a@city.kurume.fukuoka.jp", window=3600) == 3


def test_a_burst_at_the_edge_of_a_clock_window_gets_no_more_than_the_limit(backend: str) -> None:
    scope, window = new_scope(), 60
    edge = 1_800_000_000 // window * window + window  # a whole minute on the clock
    with clock(edge - 1):  # the last second of one minute ...
        assert spend_until_refused(scope, "198.51.100.7", 5, window) == 5
    with clock(edge + 1):  # ... and the first of the next: a fixed window would let five more in
        with pytest.raises(RateLimited):
            ratelimit.spend(scope, "198.51.100.7", limit=5, window=window)
        assert ratelimit.spent(scope, "198.51.100.7", window=window) == 5


def test_spends_come_back_one_by_one_as_they_leave_the_window(backend: str) -> None:
    scope, window, start = new_scope(), 60, 1_800_000_000.0
    for offset in (0, 10, 20):
        with clock(start + offset):
            ratelimit.spend(scope, "taro", limit=3, window=window)
    with clock(start + window + 1):  # only the first spend has left the window
        assert ratelimit.spent(scope, "taro", window=window) == 2
        assert ratelimit.spend(scope, "taro", limit=3, window=window) == 3
        with pytest.raises(RateLimited):
            ratelimit.spend(scope, "taro", limit=3, window=window)
    with clock(start + 2 * window + 30):
        assert ratelimit.spent(scope, "taro", window=window) == 0


def test_racing_requests_cannot_spend_past_the_limit(backend: str) -> None:
    scope, allowed = new_scope(), []
    barrier = threading.Barrier(8)

    def attempt() -> None:
        barrier.wait()
        for _ in range(3):
            try:
                ratelimit.spend(scope, "hanako", limit=5, window=3600)
            except RateLimited:
                continue
            allowed.append(1)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 5


def test_forget_gives_the_budget_back(backend: str) -> None:
    scope = new_scope()
    spend_until_refused(scope, "hanako", 2)
    ratelimit.forget(scope, "hanako")
    assert ratelimit.spent(scope, "hanako", window=3600) == 0
    ratelimit.spend(scope, "hanako", limit=2, window=3600)


def test_no_address_is_kept_in_redis(redis_url: str) -> None:
    import redis

    scope = new_scope()
    config = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    with override_settings(CACHES=config):
        ratelimit.spend(scope, "ops@digital.go.jp", limit=2, window=3600)
    client = redis.Redis.from_url(redis_url)
    try:
        keys = [key.decode() for key in client.scan_iter(match=f"*{scope}*")]
    finally:
        client.close()
    assert len(keys) == 1 and "digital" not in keys[0]
