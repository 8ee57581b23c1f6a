"""Fixtures for conversation tests: a recorder of the events actions publish."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from django.test import Client

from kyoso.accounts.models import Member
from kyoso.chat import events
from kyoso.chat.models import Channel
from kyoso.testing.factories import make_channel, make_member, make_organization


class Published:
    """Events delivered to subscribers, as (audience, event) pairs in the order they were sent."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    @property
    def types(self) -> list[str]:
        return [event["type"] for _audience, event in self.events]

    def of(self, type_: str) -> list[tuple[str, dict[str, Any]]]:
        return [(audience, event) for audience, event in self.events if event["type"] == type_]

    def data(self, type_: str) -> list[dict[str, Any]]:
        return [event["data"] for _audience, event in self.of(type_)]

    def audiences(self, type_: str) -> list[str]:
        return [audience for audience, _event in self.of(type_)]


@pytest.fixture
def published(
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[object]],
) -> Iterator[Callable[[], AbstractContextManager[Published]]]:
    """``with published() as sent: action(...)``: what the action published once its work committed."""
    record = Published()
    unsubscribe = events.subscribe(lambda audience, event: record.events.append((audience, event)))

    @contextmanager
    def capture() -> Iterator[Published]:
        record.events.clear()
        with django_capture_on_commit_callbacks(execute=True):
            yield record

    yield capture
    unsubscribe()


# The member signed in on the test client, and her channel: what the web UI tests (test_web_*) share.


@pytest.fixture
def hanako(client: Client) -> Member:
    member = make_member(make_organization("久留米市"), display_name="久留米 花子")
    client.force_login(member)
    return member


@pytest.fixture
def channel(hanako: Member) -> Channel:
    return make_channel("窓口業務", creator=hanako)
