"""One error protocol: one code and one status for each error, rendered alike on every edge."""

from __future__ import annotations

import contextlib
import json
import re

import pytest
from django.apps import apps
from django.http import HttpRequest
from django.test import Client, RequestFactory

from kyoso.core.errors import (
    MemberFacingError,
    NotAllowed,
    NotAuthenticated,
    NotFound,
    close_code,
    error_body,
    error_frame,
    error_page,
    refusal_response,
)
from kyoso.core.middleware import MemberFacingErrorMiddleware

# 503: a service kyoso depends on is down (kyoso.core.outage); 507: the disk is full (kyoso.core.storage).
ALLOWED_STATUSES = {400, 401, 403, 404, 405, 409, 413, 429, 503, 507}


def every_error_class() -> list[type[MemberFacingError]]:
    # Importing every app's errors module registers its classes as subclasses.
    for config in apps.get_app_configs():
        if config.name.startswith("kyoso."):
            with contextlib.suppress(ModuleNotFoundError):
                __import__(f"{config.name}.errors")
    found: list[type[MemberFacingError]] = []
    pending: list[type[MemberFacingError]] = [MemberFacingError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_error_has_a_snake_case_code_and_an_http_status() -> None:
    classes = every_error_class()
    assert len(classes) > 50
    for cls in classes:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", cls.code), cls
        assert cls.status in ALLOWED_STATUSES, cls


def test_one_code_means_one_status_on_every_edge() -> None:
    status_of: dict[str, set[int]] = {}
    for cls in every_error_class():
        status_of.setdefault(cls.code, set()).add(cls.status)
    assert {code: s for code, s in status_of.items() if len(s) > 1} == {}


def test_code_comes_from_the_class_name() -> None:
    class MessageTooShiny(MemberFacingError):
        message = "光りすぎ"

    assert MessageTooShiny.code == "message_too_shiny"
    assert error_body(MessageTooShiny()) == {"error": {"code": "message_too_shiny", "message": "光りすぎ"}}


def test_what_may_not_be_read_is_not_found_not_forbidden() -> None:
    from kyoso.chat.errors import AttachmentNotFound, ChannelNotFound, MessageNotFound

    assert {ChannelNotFound.status, MessageNotFound.status, AttachmentNotFound.status} == {404}
    assert NotFound.status == 404


def test_a_socket_is_closed_with_4000_plus_the_status() -> None:
    assert close_code(NotAuthenticated()) == 4401
    assert close_code(NotAllowed()) == 4403


def test_a_refused_frame_carries_the_same_body_as_the_api() -> None:
    frame = error_frame(NotAllowed())
    assert frame["type"] == "error"
    assert frame["data"]["error"]["code"] == "not_allowed"
    assert frame["data"]["error"]["status"] == 403


def test_a_refused_script_form_and_a_refused_page_keep_the_status() -> None:
    response = refusal_response(NotFound())
    assert response.status_code == 404
    assert json.loads(response.content) == {
        "ok": False,
        "error": {"code": "not_found", "message": "見つかりません。"},
    }


@pytest.mark.django_db
def test_an_uncaught_error_in_a_page_is_its_status_and_message_never_a_500() -> None:
    request = RequestFactory().get("/somewhere/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()

    def view(_request: HttpRequest) -> None:
        raise NotAllowed()

    middleware = MemberFacingErrorMiddleware(view)  # type: ignore[arg-type]
    page = middleware.process_exception(request, NotAllowed())
    assert page is not None
    assert page.status_code == 403
    body = page.content.decode()
    assert "この操作をする権限がありません。" in body
    assert 'data-error-code="not_allowed"' in body

    scripted = RequestFactory().post("/somewhere/", headers={"X-Kyoso-Fragment": "1"})
    answer = middleware.process_exception(scripted, NotAllowed())
    assert answer is not None
    assert answer.status_code == 403
    assert json.loads(answer.content)["error"]["code"] == "not_allowed"
    # Anything that is not a member's error is left to Django (and so logged as a real fault).
    assert middleware.process_exception(request, ValueError()) is None


@pytest.mark.django_db
def test_the_error_page_is_drawn_in_the_sites_frame(client: Client) -> None:
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = error_page(request, NotFound())
    assert response.status_code == 404
    assert "<main" in response.content.decode()
