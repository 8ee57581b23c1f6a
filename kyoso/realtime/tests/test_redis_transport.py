"""With KYOSO_REDIS_URL, events travel through Redis: published once, heard on each process's subscription."""

from __future__ import annotations

import pytest
from django.test import override_settings

from kyoso.chat import actions
from kyoso.realtime.pubsub import RedisTransport, transport
from kyoso.realtime.tests.support import Live, db, run
from kyoso.testing.factories import make_channel, make_member

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_a_post_reaches_the_channel_through_redis(redis_url: str) -> None:
    author, reader = make_member(), make_member()
    channel = make_channel("広域連携", creator=author, members=[reader])

    async def scenario() -> None:
        assert isinstance(transport(), RedisTransport)
        socket = await Live.signed_in(reader, {})
        await db(actions.post_message)(author=author, channel=channel, text="Redis 経由")
        assert (await socket.next_of("message.created"))["data"]["text"] == "Redis 経由"
        # Once: this process published to Redis and did not also deliver it by itself.
        assert await socket.silent()

    with override_settings(REDIS_URL=redis_url):
        run(scenario)


def test_the_channel_name_keeps_instances_on_other_redis_databases_apart() -> None:
    assert RedisTransport("redis://127.0.0.1:6379/3").channel == "kyoso:3:events"
    assert RedisTransport("redis://127.0.0.1:6379").channel == "kyoso:0:events"
