"""Fixtures for API tests: a client that calls /api/v1/ with a token or a session, and clean state."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.test import Client

from kyoso.accounts.models import Member
from kyoso.api import actions
from kyoso.testing.client import ClientResponse

API = "/api/v1"


class Api:
    """Calls the API as one member: with a personal token (the default) or a signed-in session."""

    def __init__(self, client: Client, secret: str | None = None, csrf_token: str | None = None):
        self.client = client
        self.secret = secret
        self.csrf_token = csrf_token

    def _headers(self) -> dict[str, Any]:
        headers: dict[str, Any] = {}
        if self.secret is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.secret}"
        if self.csrf_token is not None:
            headers["HTTP_X_CSRFTOKEN"] = self.csrf_token
        return headers

    def call(
        self, method: str, path: str, body: Any = None, *, raw: bytes | None = None, **query: Any
    ) -> ClientResponse:
        url = API + path + (f"?{urlencode(query)}" if query else "")
        send = getattr(self.client, method)
        if raw is not None:
            return send(url, data=raw, content_type="application/json", **self._headers())
        if body is None and method == "get":
            return send(url, **self._headers())
        if body is None:  # no body at all, as `curl -X POST` sends
            return send(url, data=b"", content_type="application/json", **self._headers())
        return send(url, data=json.dumps(body), content_type="application/json", **self._headers())

    def get(self, path: str, **query: Any) -> ClientResponse:
        return self.call("get", path, **query)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> ClientResponse:
        return self.call("post", path, body, **kwargs)

    def patch(self, path: str, body: Any = None) -> ClientResponse:
        return self.call("patch", path, body)

    def put(self, path: str, body: Any = None) -> ClientResponse:
        return self.call("put", path, body)

    def delete(self, path: str, body: Any = None) -> ClientResponse:
        return self.call("delete", path, body)

    def multipart(self, path: str, data: dict[str, Any]) -> ClientResponse:
        return self.client.post(API + path, data=data, **self._headers())


def token_for(member: Member, name: str = "テスト用") -> str:
    _token, secret = actions.create_personal_token(member=member, name=name)
    return secret


@pytest.fixture(autouse=True)
def clean_cache() -> Iterator[None]:
    # Rate-limit budgets live in the cache: one test's failures must not refuse the next test's calls.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def api_as() -> Callable[[Member], Api]:
    """``api_as(member)``: an API client holding a new personal token of that member."""

    def make(member: Member) -> Api:
        return Api(Client(), token_for(member))

    return make


def error_code(response: ClientResponse) -> str:
    return str(response.json()["error"]["code"])
