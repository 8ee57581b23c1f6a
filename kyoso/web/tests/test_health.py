"""/healthz says the process is up; /readyz says it can serve (database, and Redis when configured)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client, override_settings


def redis_cache_settings(url: str) -> dict[str, dict[str, str]]:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "kyoso-test",
        }
    }


def test_healthz_answers_without_a_database(client: Client) -> None:
    # No django_db mark: any database access here would fail the test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_ready_when_the_database_answers(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


@pytest.mark.django_db
def test_readyz_is_unavailable_and_names_the_database_when_it_is_broken(client: Client) -> None:
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("server closed")):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "error: OperationalError"


@pytest.mark.redis
@pytest.mark.django_db
def test_readyz_checks_redis_when_configured(client: Client, redis_url: str, redis_client: object) -> None:
    with override_settings(REDIS_URL=redis_url, CACHES=redis_cache_settings(redis_url)):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}
    # The round trip really went through Redis.
    assert any(b"kyoso:readyz" in key for key in redis_client.keys("*"))  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_readyz_is_unavailable_and_names_redis_when_it_does_not_answer(client: Client) -> None:
    unreachable = "redis://127.0.0.1:1/0"
    with override_settings(REDIS_URL=unreachable, CACHES=redis_cache_settings(unreachable)):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "ok"
    assert response.json()["checks"]["redis"].startswith("error: ")
