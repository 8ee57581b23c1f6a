"""The API documents itself in OpenAPI, served by kyoso itself: no page that loads from a CDN."""

from __future__ import annotations

import pytest
from django.test import Client

MAIN_PATHS = {
    ("get", "/api/v1/me"),
    ("get", "/api/v1/members"),
    ("get", "/api/v1/channels"),
    ("post", "/api/v1/channels"),
    ("get", "/api/v1/channels/directory"),
    ("patch", "/api/v1/channels/{channel_id}"),
    ("post", "/api/v1/channels/{channel_id}/join"),
    ("post", "/api/v1/channels/{channel_id}/members"),
    ("post", "/api/v1/direct"),
    ("get", "/api/v1/channels/{channel_id}/messages"),
    ("post", "/api/v1/channels/{channel_id}/messages"),
    ("patch", "/api/v1/messages/{message_id}"),
    ("delete", "/api/v1/messages/{message_id}"),
    ("get", "/api/v1/messages/{message_id}/revisions"),
    ("get", "/api/v1/messages/{message_id}/thread"),
    ("post", "/api/v1/messages/{message_id}/follow"),
    ("get", "/api/v1/messages/{message_id}/reactions"),
    ("put", "/api/v1/messages/{message_id}/reactions/{stamp_id}"),
    ("post", "/api/v1/messages/{message_id}/files"),
    ("get", "/api/v1/files/{attachment_id}"),
    ("post", "/api/v1/channels/{channel_id}/read"),
    ("get", "/api/v1/channels/{channel_id}/first-unread"),
    ("get", "/api/v1/saved"),
    ("get", "/api/v1/mentions"),
    ("get", "/api/v1/stamps"),
}


@pytest.mark.django_db
def test_openapi_document_lists_the_main_paths_and_both_ways_to_sign_in() -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "kyoso API"
    listed = {(method, path) for path, ops in schema["paths"].items() for method in ops}
    assert listed >= MAIN_PATHS, MAIN_PATHS - listed
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}
    posting = schema["paths"]["/api/v1/channels/{channel_id}/messages"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(posting)


@pytest.mark.django_db
def test_there_is_no_swagger_page_loading_from_a_cdn() -> None:
    assert Client().get("/api/v1/docs").status_code == 404


@pytest.mark.django_db
def test_unknown_paths_and_methods_answer_in_the_api_error_shape() -> None:
    client = Client()
    for path in ("/api/v1/nothing-here", "/api/v1/messages/1/nothing-here"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    wrong_method = client.put("/api/v1/me")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
    assert "GET" in wrong_method["Allow"]
