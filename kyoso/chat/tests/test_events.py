"""The publishing hook: one event shape, delivered only after the change commits."""

from __future__ import annotations

import pytest
from django.db import transaction

from kyoso.chat import actions, events
from kyoso.chat.errors import EmptyMessage
from kyoso.testing.factories import make_channel, make_member

pytestmark = pytest.mark.django_db


def test_an_event_has_id_type_at_and_data(published) -> None:
    with published() as sent:
        event = events.publish(events.member_audience(7), "read.updated", {"channel_id": 1})
    assert sent.events == [("member:7", event)]
    assert set(event) == {"id", "type", "at", "data"}
    assert event["type"] == "read.updated"
    assert event["data"] == {"channel_id": 1}
    assert event["at"].endswith("+00:00")
    assert event["id"] != events.make_event("read.updated", {})["id"]


def test_nothing_is_delivered_before_commit_or_after_a_rollback(django_capture_on_commit_callbacks) -> None:
    delivered: list[str] = []
    unsubscribe = events.subscribe(lambda audience, event: delivered.append(event["type"]))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            try:
                with transaction.atomic():
                    events.publish("channel:1", "message.created", {})
                    raise RuntimeError("rolled back")
            except RuntimeError:
                pass
            events.publish("channel:1", "message.updated", {})
            assert delivered == []  # still inside the test's transaction
        assert delivered == ["message.updated"]
    finally:
        unsubscribe()


def test_a_refused_action_publishes_nothing(published) -> None:
    author = make_member()
    channel = make_channel("雑談", creator=author)
    with published() as sent, pytest.raises(EmptyMessage):
        actions.post_message(author=author, channel=channel, text=" ")
    assert sent.events == []


def test_post_message_publishes_message_created_to_the_channel(published) -> None:
    author = make_member()
    channel = make_channel("雑談", creator=author)
    with published() as sent:
        message = actions.post_message(author=author, channel=channel, text="こんにちは")
    assert sent.types == ["message.created"]
    assert sent.audiences("message.created") == [events.channel_audience(channel.pk)]
    data = sent.data("message.created")[0]
    assert (data["id"], data["text"], data["html"]) == (message.pk, "こんにちは", "<p>こんにちは</p>")


def test_an_unsubscribed_listener_hears_nothing(django_capture_on_commit_callbacks) -> None:
    heard: list[str] = []
    unsubscribe = events.subscribe(lambda audience, event: heard.append(audience))
    unsubscribe()
    unsubscribe()  # twice is harmless
    with django_capture_on_commit_callbacks(execute=True):
        events.publish("community", "stamp.created", {})
    assert heard == []
