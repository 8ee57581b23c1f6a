"""Budgets refuse the request after the limit, per subject, on the in-process cache and on Redis."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import caches
from django.test import override_settings

from kyoso.core import ratelimit
from kyoso.core.errors import RateLimited


def spend_until_refused(scope: str, subject: str, limit: int) -> int:
    allowed = 0
    with pytest.raises(RateLimited):
        for _ in range(limit + 5):
            ratelimit.spend(scope, subject, limit=limit, window=3600)
            allowed += 1
    return allowed


def test_budget_refuses_after_the_limit_and_counts_subjects_apart() -> None:
    scope = f"test-{uuid.uuid4().hex}"
    assert spend_until_refused(scope, "a@city.kurume.fukuoka.jp", 3) == 3
    # Another address has its own budget; the same address in capitals shares the first one.
    ratelimit.spend(scope, "b@city.kurume.fukuoka.jp", limit=3, window=3600)
    with pytest.raises(RateLimited):
        ratelimit.spend(scope, "A@CITY.KURUME.FUKUOKA.JP", limit=3, window=3600)


def test_budget_is_kept_in_redis_when_configured(redis_url: str) -> None:
    redis_cache = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    scope = f"test-{uuid.uuid4().hex}"
    with override_settings(CACHES=redis_cache):
        assert type(caches["default"]).__name__ == "RedisCache"
        assert spend_until_refused(scope, "ops@digital.go.jp", 2) == 2
        assert ratelimit.spent(scope, "ops@digital.go.jp", window=3600) == 3
