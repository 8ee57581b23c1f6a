"""Catch-up: a client that reconnects gets what it missed from the database, once and in order."""

from __future__ import annotations

import pytest
from django.test import override_settings

from kyoso.chat import actions
from kyoso.chat.models import ChannelKind
from kyoso.realtime.tests.support import Live, db, run, session_cookie
from kyoso.testing.factories import make_channel, make_member

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_reconnecting_client_gets_the_missed_messages_once_in_order_then_live_ones() -> None:
    author, reader = make_member(), make_member()
    channel = make_channel("窓口DX", creator=author, members=[reader])
    quiet = make_channel("静かなチャンネル", creator=author, members=[reader])
    first = actions.post_message(author=author, channel=channel, text="最初")
    cookie = session_cookie(reader)

    async def scenario() -> None:
        socket = await Live(cookie).open({channel.pk: first.pk, quiet.pk: 0})
        await socket.close()
        missed = [
            await db(actions.post_message)(author=author, channel=channel, text=f"不在中 {n}")
            for n in range(3)
        ]
        reply = await db(actions.post_message)(author=author, channel=channel, text="返信", thread=missed[0])
        again = Live(cookie)
        await again.open()
        catch_up = await again.hello({channel.pk: first.pk, quiet.pk: 0})
        assert [e["type"] for e in catch_up] == ["message.created"] * 4
        assert [e["data"]["id"] for e in catch_up] == [m.pk for m in [*missed, reply]]
        assert catch_up[-1]["data"]["thread_root_id"] == missed[0].pk
        assert all(set(e) == {"id", "type", "at", "data"} for e in catch_up)
        live = await db(actions.post_message)(author=author, channel=channel, text="接続後")
        assert (await again.next_of("message.created"))["data"]["id"] == live.pk
        assert await again.silent()

    run(scenario)


@override_settings(KYOSO_WS_CATCHUP_LIMIT=3)
def test_a_client_that_missed_too_much_is_told_to_reload_the_channel() -> None:
    author, reader = make_member(), make_member()
    busy = make_channel("にぎやか", creator=author, members=[reader])
    calm = make_channel("おだやか", creator=author, members=[reader])
    for n in range(4):
        actions.post_message(author=author, channel=busy, text=f"投稿 {n}")
    calm_message = actions.post_message(author=author, channel=calm, text="ひとつだけ")

    async def scenario() -> None:
        socket = Live(await db(session_cookie)(reader))
        await socket.open()
        catch_up = await socket.hello({busy.pk: 0, calm.pk: 0})
        assert [(e["type"], e["data"].get("channel_id")) for e in catch_up] == [
            ("resync", busy.pk),
            ("message.created", calm.pk),
        ]
        assert catch_up[1]["data"]["id"] == calm_message.pk

    run(scenario)


def test_catch_up_gives_nothing_of_a_channel_the_member_may_not_read() -> None:
    owner, outsider = make_member(), make_member()
    private = make_channel("非公開", creator=owner, kind=ChannelKind.PRIVATE)
    actions.post_message(author=owner, channel=private, text="秘密")
    left = make_channel("抜けたチャンネル", creator=owner, kind=ChannelKind.PRIVATE, members=[outsider])
    actions.leave_channel(member=outsider, channel=left)
    actions.post_message(author=owner, channel=left, text="抜けた後の話")

    async def scenario() -> None:
        socket = Live(await db(session_cookie)(outsider))
        await socket.open()
        assert await socket.hello({private.pk: 0, left.pk: 0, 999_999: 0}) == []

    run(scenario)


def test_a_message_committed_while_catching_up_arrives_once() -> None:
    author, reader = make_member(), make_member()
    channel = make_channel("同時", creator=author, members=[reader])
    cookie = session_cookie(reader)
    posted: list[int] = []

    from kyoso.realtime import catchup

    real_missed = catchup.missed

    def missed_with_a_post_in_between(member, held, channel_ids):
        # Committed after the socket is subscribed and before catch-up reads: it is both read by
        # catch-up and heard live; the client must get it once.
        posted.append(actions.post_message(author=author, channel=channel, text="その間に").pk)
        return real_missed(member, held, channel_ids)

    async def scenario() -> None:
        catchup.missed = missed_with_a_post_in_between
        try:
            socket = Live(cookie)
            await socket.open()
            catch_up = await socket.hello({channel.pk: 0})
        finally:
            catchup.missed = real_missed
        assert [e["data"]["id"] for e in catch_up] == posted
        assert await socket.silent()

    run(scenario)
