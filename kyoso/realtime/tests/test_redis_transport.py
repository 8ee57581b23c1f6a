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


def test_an_ended_session_closes_its_socket_through_redis_and_only_its_own(redis_url: str) -> None:
    from django.test import Client

    from kyoso.accounts.actions import security
    from kyoso.accounts.models import MemberSession
    from kyoso.realtime.sockets import CLOSE_SIGNED_OUT
    from kyoso.realtime.tests.test_sessions import cookie, sign_in
    from kyoso.testing.factories import DEFAULT_PASSWORD

    member, author = make_member(password=DEFAULT_PASSWORD), make_member()
    channel = make_channel("広域連携", creator=author, members=[member])

    async def scenario() -> None:
        assert isinstance(transport(), RedisTransport)
        office: Client = await db(sign_in)(member, "Office PC")
        phone: Client = await db(sign_in)(member, "Phone")
        phone_session = await db(MemberSession.objects.get)(user_agent="Phone")
        on_office = await Live(cookie(office)).open({})
        on_phone = await Live(cookie(phone)).open({})
        await db(security.end_member_session)(member=member, session_id=phone_session.pk)
        assert await on_phone.closed_with() == CLOSE_SIGNED_OUT
        assert await on_office.silent()  # the event is the hub's: no client hears it
        await db(actions.post_message)(author=author, channel=channel, text="Redis 経由")
        assert (await on_office.next_of("message.created"))["data"]["text"] == "Redis 経由"
        await on_office.close()

    with override_settings(REDIS_URL=redis_url):
        run(scenario)
