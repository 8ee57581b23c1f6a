"""A database or Redis that does not answer is a 503 with Retry-After in the error protocol, never a 500.

The database "goes away" here by refusing every new cursor (as psycopg and sqlite3 do when the server
is gone or the file is locked, both surfacing as Django's OperationalError); Redis is a real client
pointed at a port where nothing listens. The real restarts, with real servers, are in
kyoso/realtime/tests/test_faults.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client, override_settings

from kyoso.api.tests.conftest import token_for
from kyoso.core.errors import DatabaseUnavailable, ServiceUnavailable
from kyoso.core.outage import RETRY_AFTER_SECONDS
from kyoso.realtime.tests.processes import free_port
from kyoso.testing.auth import force_login_verified
from kyoso.testing.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def take_database_down(monkeypatch: pytest.MonkeyPatch) -> Callable[[], Callable[[], None]]:
    """Call it to make every query fail as a database that is down; call what it returns to bring it back."""

    def refuse(self: BaseDatabaseWrapper) -> None:
        raise OperationalError("connection to server failed: Connection refused")

    def down() -> Callable[[], None]:
        monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refuse)
        return monkeypatch.undo

    return down


def assert_503(response: object, error: type[ServiceUnavailable]) -> None:
    assert response.status_code == 503  # type: ignore[attr-defined]
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)  # type: ignore[index]
    body = response.json()  # type: ignore[attr-defined]
    assert body["error"] == {"code": error.code, "message": str(error.message)}
    assert "しばらく待って" in body["error"]["message"]


def test_an_api_call_while_the_database_is_down_answers_503_then_succeeds_once_it_is_back(
    take_database_down: Callable[[], Callable[[], None]],
) -> None:
    member = make_member()
    headers = {"Authorization": f"Bearer {token_for(member)}"}
    client = Client(raise_request_exception=False)
    back = take_database_down()

    assert_503(client.get("/api/v1/me", headers=headers), DatabaseUnavailable)

    back()
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_a_page_while_the_database_is_down_is_the_error_page_without_a_traceback(
    take_database_down: Callable[[], Callable[[], None]],
) -> None:
    client = Client(raise_request_exception=False)
    force_login_verified(client, make_member())
    take_database_down()

    response = client.get("/")

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    html = response.content.decode()
    assert str(DatabaseUnavailable.message) in html
    assert "Traceback" not in html and "OperationalError" not in html


def test_a_form_sent_by_a_script_while_the_database_is_down_gets_the_scripted_refusal(
    take_database_down: Callable[[], Callable[[], None]],
) -> None:
    client = Client(raise_request_exception=False)
    force_login_verified(client, make_member())
    take_database_down()

    response = client.post("/channels/new/", {"name": "窓口DX"}, HTTP_X_KYOSO_FRAGMENT="1")

    assert response.json()["ok"] is False
    assert_503(response, DatabaseUnavailable)


def test_a_request_while_redis_is_down_answers_503_service_unavailable() -> None:
    member = make_member()
    client = Client(raise_request_exception=False)
    force_login_verified(client, member)
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    cache = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": nowhere}}

    with override_settings(CACHES=cache):
        response = client.get("/api/v1/me")

    assert_503(response, ServiceUnavailable)
