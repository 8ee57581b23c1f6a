"""Search through the JSON API: the page's results, errors in the API's own shape."""

from __future__ import annotations

import pytest

from kyoso.api.tests.conftest import Api, token_for
from kyoso.chat.models import ChannelKind
from kyoso.testing.factories import make_channel, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, community) -> Api:
    return Api(client, token_for(community.reader))


def test_messages_with_snippets_facets_and_a_cursor(api, community, settings):
    settings.KYOSO_SEARCH_PAGE_SIZE = 1
    first = make_message(community.channel, community.author, "ＤＸ推進の会議")
    second = make_message(community.channel, community.author, "dxの研修")
    body = api.get("/search/messages", q="dx").json()
    assert body["count"] == 2
    assert [h["message"]["id"] for h in body["hits"]] == [second.pk]
    assert body["hits"][0]["snippet_html"] == "<mark>dx</mark>の研修"
    assert body["facets"][0]["values"][0]["query"] == "dx in:#soumu"
    page_two = api.get("/search/messages", q="dx", cursor=body["next_cursor"]).json()
    assert [h["message"]["id"] for h in page_two["hits"]] == [first.pk]


def test_a_malformed_query_answers_400_with_a_code(api):
    response = api.get("/search/messages", q="pref:架空県")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_filter_value"
    assert api.get("/search/messages", q='"窓口').json()["error"]["code"] == "query_syntax_error"


def test_private_conversations_stay_private(api, community):
    hidden = make_channel("秘密", creator=community.author, kind=ChannelKind.PRIVATE, slug="himitsu")
    make_message(hidden, community.author, "秘密の相談")
    assert api.get("/search/messages", q="秘密").json()["count"] == 0
    assert api.get("/search/channels", q="秘密").json() == []


def test_other_scopes_and_suggestions(api):
    assert [c["slug"] for c in api.get("/search/channels", q="総務").json()] == ["soumu"]
    assert [m["name"] for m in api.get("/search/members", q="山田").json()] == ["山田 太郎"]
    assert api.get("/search/organizations", q="久留米").json()[0]["name"] == "久留米市"
    assert api.get("/search/suggest", field="", q="si").json()[0]["value"] == "size:"


def test_no_token_no_search(client):
    assert client.get("/api/v1/search/messages?q=x").status_code == 401
