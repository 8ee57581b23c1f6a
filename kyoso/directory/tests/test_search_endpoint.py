"""The type-ahead endpoint of the 参加登録 form: /directory/search?q=…"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client

from kyoso.directory import views
from kyoso.directory.models import OrganizationKind
from kyoso.testing.factories import make_organization

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_budgets() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def kurume() -> None:
    fukuoka = make_organization(
        "福岡県", kind=OrganizationKind.PREFECTURE, code="400009", kana="ふくおかけん"
    )
    make_organization("久留米市", code="402036", kana="くるめし", prefecture=fukuoka)


@pytest.mark.parametrize("query", ["くるめ", "久留米", "クルメ", "402036", "4020"])
def test_search_finds_the_city_by_name_reading_or_code(client: Client, kurume: None, query: str) -> None:
    response = client.get("/directory/search", {"q": query})
    assert response.status_code == 200
    assert response.json()[0] == {
        "code": "402036",
        "name": "久留米市",
        "full_name": "福岡県久留米市",
        "kind": "市区町村",
    }


def test_an_empty_query_finds_nothing(client: Client, kurume: None) -> None:
    assert client.get("/directory/search", {"q": " "}).json() == []


def test_control_characters_in_the_query_are_ignored_not_a_server_error(client: Client, kurume: None) -> None:
    # PostgreSQL refuses a NUL in any text it is sent; a type-ahead must not answer 500 to it.
    response = client.get("/directory/search", {"q": "くる\x00め\x07"})
    assert response.status_code == 200
    assert [found["code"] for found in response.json()] == ["402036"]


def test_search_is_rate_limited_per_client(
    client: Client, kurume: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "SEARCH_REQUESTS_PER_MINUTE", 3)
    # A window of a day, so the test cannot straddle the start of a new one.
    monkeypatch.setattr(views, "SEARCH_WINDOW_SECONDS", 86_400)
    statuses = [client.get("/directory/search", {"q": "くるめ"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get("/directory/search", {"q": "くるめ"}, REMOTE_ADDR="192.0.2.9").status_code == 200
