"""Catch-up: a client that reconnects gets what it missed from the database, once and in order."""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test import Client, override_settings

from kyoso.accounts.models import Member
from kyoso.chat import actions, queries
from kyoso.chat.models import Channel, ChannelKind, Message, Stamp
from kyoso.realtime import catchup
from kyoso.realtime.tests.support import Live, db, run, session_cookie
from kyoso.testing.auth import force_login_verified
from kyoso.testing.factories import make_channel, make_member

pytestmark = pytest.mark.django_db(transaction=True)

Event = dict[str, Any]


async def hello_at(socket: Live, cursors: dict[int, int]) -> tuple[list[Event], Event]:
    """Say hello with a change-log cursor per channel, as live.js does: the catch-up, then ``ready``."""
    channels = {str(channel): {"cursor": cursor} for channel, cursor in cursors.items()}
    await socket.send({"type": "hello", "channels": channels})
    heard: list[Event] = []
    while (event := await socket.next())["type"] != "ready":
        heard.append(event)
    return heard, event


def cursor_of(reader: Member, channel: Channel) -> int:
    cursor = queries.channel_cursor(reader, channel.pk)
    assert cursor is not None
    return cursor


def test_a_reconnecting_client_gets_every_change_it_missed_once_in_its_final_state_in_order() -> None:
    author, reader, other, watcher = make_member(), make_member(), make_member(), make_member()
    channel = make_channel("窓口DX", creator=author, members=[reader, other, watcher])
    actions.ensure_default_stamps()
    kyoso_stamp, naruhodo = Stamp.objects.get(name="共創"), Stamp.objects.get(name="なるほど")
    edited, deleted, stamped, unstamped = (
        actions.post_message(author=author, channel=channel, text=f"既読 {n}") for n in range(4)
    )
    actions.add_reaction(member=other, message=unstamped, stamp=kyoso_stamp)
    cookie, watching = session_cookie(reader), session_cookie(watcher)

    async def scenario() -> None:
        # A page that stays connected throughout: what it hears live is what catch-up must draw.
        stays = Live(watching)
        await stays.open()
        await hello_at(stays, {channel.pk: await db(cursor_of)(watcher, channel)})
        socket = Live(cookie)
        await socket.open()
        caught, ready = await hello_at(socket, {channel.pk: await db(cursor_of)(reader, channel)})
        assert caught == []
        left_at = ready["data"]["cursors"][str(channel.pk)]
        await socket.close()

        await db(actions.edit_message)(member=author, message=edited, text="改訂 1")
        await db(actions.delete_message)(member=author, message=deleted)
        await db(actions.add_reaction)(member=other, message=stamped, stamp=kyoso_stamp)
        await db(actions.remove_reaction)(member=other, message=unstamped, stamp=kyoso_stamp)
        # Pressed and taken back while the client was away: nothing changed for it.
        await db(actions.add_reaction)(member=other, message=edited, stamp=naruhodo)
        await db(actions.remove_reaction)(member=other, message=edited, stamp=naruhodo)
        await db(actions.pin_message)(member=other, message=stamped)
        await db(actions.edit_message)(member=author, message=edited, text="改訂 2")
        posted = await db(actions.post_message)(author=author, channel=channel, text="不在中の投稿")
        await db(actions.edit_message)(member=author, message=posted, text="不在中の投稿（訂正）")
        head = await db(cursor_of)(watcher, channel)
        live: list[Event] = []
        while not set(range(left_at + 1, head + 1)) <= {e["data"].get("seq") for e in live}:
            live.append(await stays.next())
        live = [e for e in live if e["data"].get("seq")]

        again = Live(cookie)
        await again.open()
        caught, ready = await hello_at(again, {channel.pk: left_at})
        assert [(e["type"], e["data"].get("id") or e["data"].get("message_id")) for e in caught] == [
            ("message.deleted", deleted.pk),
            ("reaction.added", stamped.pk),
            ("reaction.removed", unstamped.pk),
            ("message.updated", stamped.pk),
            ("message.updated", edited.pk),
            ("message.created", posted.pk),
        ]
        assert all(set(e) == {"id", "type", "at", "data"} for e in caught)
        seqs = [e["data"]["seq"] for e in caught]
        assert seqs == sorted(seqs) and seqs[0] > left_at
        # Final states, and the client is told it now has every change the page heard live.
        by_type = {e["type"]: e["data"] for e in caught}
        assert caught[4]["data"]["text"] == "改訂 2" and caught[3]["data"]["pinned"]
        assert by_type["message.created"]["text"] == "不在中の投稿（訂正）"
        assert (by_type["reaction.added"]["count"], by_type["reaction.removed"]["count"]) == (1, 0)
        assert by_type["reaction.added"]["member_id"] == other.pk
        assert ready["data"]["cursors"] == {str(channel.pk): max(e["data"]["seq"] for e in live)}
        # Drawn exactly as the page that stayed heard each message last (a new message is drawn for the
        # stream only: it is nobody's open thread yet).
        last_heard = {(e["data"].get("id") or e["data"].get("message_id")): e["data"] for e in live}
        for event in caught:
            message_id = event["data"].get("id") or event["data"].get("message_id")
            drawn, heard_live = event["data"]["fragments"], last_heard[message_id]["fragments"]
            assert drawn == {lang: {p: heard_live[lang][p] for p in places} for lang, places in drawn.items()}
            assert set(drawn["ja"]) == (
                {"stream"} if event["type"] == "message.created" else {"stream", "thread"}
            )

        after = await db(actions.edit_message)(member=author, message=posted, text="接続後の訂正")
        heard = await again.next_of("message.updated")
        assert (heard["data"]["id"], heard["data"]["seq"]) == (
            after.pk,
            ready["data"]["cursors"][str(channel.pk)] + 1,
        )
        assert await again.silent()
        await stays.close()

    run(scenario)


def test_a_reply_while_away_comes_with_its_thread_root_redrawn() -> None:
    author, reader = make_member(), make_member()
    channel = make_channel("スレッド", creator=author, members=[reader])
    root = actions.post_message(author=author, channel=channel, text="質問です")
    left_at = cursor_of(reader, channel)
    reply = actions.post_message(author=author, channel=channel, text="回答です", thread=root)

    caught = catchup.missed(reader, {channel.pk: catchup.Held(cursor=left_at)}, {channel.pk})
    events = [json.loads(frame) for frame in caught.frames]
    assert [(e["type"], e["data"]["seq"]) for e in events] == [
        ("message.created", left_at + 1),
        ("thread.replied", left_at + 2),
    ]
    assert events[0]["data"]["id"] == reply.pk
    assert events[1]["data"] | {"fragments": None} == {
        "thread_root_id": root.pk,
        "channel_id": channel.pk,
        "reply_id": reply.pk,
        "reply_count": 1,
        "last_reply_at": reply.created_at.isoformat(),
        "seq": left_at + 2,
        "fragments": None,
    }
    assert "返信 1件" in events[1]["data"]["fragments"]["ja"]["stream"]
    assert caught.cursors == {channel.pk: left_at + 2}
    assert caught.message_ids == {str(reply.pk)}


def test_a_page_is_drawn_with_the_cursor_it_catches_up_from_and_a_rolled_back_change_takes_no_number() -> (
    None
):
    author, reader = make_member(), make_member()
    channel = make_channel("ページ", creator=author, members=[reader])
    message = actions.post_message(author=author, channel=channel, text="表示済み")
    client = Client()
    force_login_verified(client, reader)
    page = client.get(f"/channels/{channel.slug}/").content.decode()
    found = re.search(r'data-chat [^>]*data-cursor="(\d+)"', page)
    assert found is not None
    drawn_at = int(found[1])
    assert drawn_at == cursor_of(reader, channel)
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.edit_message(member=author, message=message, text="取り消される編集")
        raise RuntimeError("rolled back")
    actions.edit_message(member=author, message=message, text="編集後")

    caught = catchup.missed(reader, {channel.pk: catchup.Held(cursor=drawn_at)}, {channel.pk})
    [event] = [json.loads(frame) for frame in caught.frames]
    assert (event["type"], event["data"]["text"], event["data"]["seq"]) == (
        "message.updated",
        "編集後",
        drawn_at + 1,
    )
    assert caught.cursors == {channel.pk: drawn_at + 1}


@override_settings(KYOSO_WS_CATCHUP_LIMIT=3)
def test_a_client_whose_cursor_is_too_far_behind_or_unknown_is_told_to_reload_the_channel() -> None:
    author, reader = make_member(), make_member()
    busy = make_channel("にぎやか", creator=author, members=[reader])
    calm = make_channel("おだやか", creator=author, members=[reader])
    message = actions.post_message(author=author, channel=busy, text="スタンプ歓迎")
    busy_at, calm_at = cursor_of(reader, busy), cursor_of(reader, calm)
    actions.ensure_default_stamps()
    for stamp in Stamp.objects.all()[:4]:
        actions.add_reaction(member=reader, message=message, stamp=stamp)

    held = {busy.pk: catchup.Held(cursor=busy_at), calm.pk: catchup.Held(cursor=calm_at + 5)}
    caught = catchup.missed(reader, held, {busy.pk, calm.pk})
    assert [json.loads(frame)["type"] for frame in caught.frames] == ["resync", "resync"]
    assert caught.cursors == {busy.pk: busy_at + 4, calm.pk: calm_at}


def test_a_hello_is_read_leniently_and_bounded() -> None:
    assert catchup.held_channels(
        {"12": {"cursor": 5}, "13": 7, "14": {"cursor": True}, "15": {"cursor": 2**63}, "x": 1, "0": 4}
    ) == {12: catchup.Held(cursor=5), 13: catchup.Held(last_id=7)}
    assert catchup.held_channels({"12": -1, "13": {"cursor": -1}, "14": "1e400"}) == {}
    assert catchup.held_channels([1, 2]) == {}


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
        again = Live(await db(session_cookie)(outsider))
        await again.open()
        caught, ready = await hello_at(again, {private.pk: 0, left.pk: 0, 999_999: 0})
        assert (caught, ready["data"]["cursors"]) == ([], {})

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


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has one writer at a time: a second change cannot even start before the first commits",
)
def test_a_change_committed_before_an_older_one_still_in_flight_does_not_let_the_cursor_skip_it() -> None:
    author, reader, other = make_member(), make_member(), make_member()
    channel = make_channel("同時書き込み", creator=author, members=[reader, other])
    actions.ensure_default_stamps()
    stamp = Stamp.objects.get(name="共創")
    first, second = (actions.post_message(author=author, channel=channel, text=f"元 {n}") for n in range(2))
    start = cursor_of(reader, channel)
    first_written, first_may_commit, second_done = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def writer(work: Any) -> threading.Thread:
        def target() -> None:
            try:
                work()
            except BaseException as error:
                errors.append(error)
            finally:
                connections.close_all()

        thread = threading.Thread(target=target)
        thread.start()
        return thread

    def slow_edit() -> None:
        # T1: its change is written (it takes the lower number) and stays uncommitted for a while.
        with transaction.atomic():
            actions.edit_message(member=author, message=first, text="遅れてコミット")
            first_written.set()
            first_may_commit.wait(10)

    def quick_stamp() -> None:
        # T2: a change made after T1's, committed at once if nothing holds it back.
        actions.add_reaction(member=other, message=second, stamp=stamp)
        second_done.set()

    def read_from(cursor: int) -> catchup.CatchUp:
        return catchup.missed(reader, {channel.pk: catchup.Held(cursor=cursor)}, {channel.pk})

    def kinds(caught: catchup.CatchUp) -> list[tuple[str, int]]:
        events = [json.loads(frame) for frame in caught.frames]
        return [(e["type"], e["data"].get("id") or e["data"]["message_id"]) for e in events]

    slow = writer(slow_edit)
    assert first_written.wait(10)
    quick = writer(quick_stamp)
    second_done.wait(1.0)  # time enough for T2 to commit, were it not made to wait for T1
    while_in_flight = read_from(start)
    first_may_commit.set()
    slow.join(10)
    quick.join(10)
    assert not errors
    cursor = while_in_flight.cursors[channel.pk]
    after_commit = read_from(cursor)

    # Whatever the first read handed out, its cursor must not have passed T1's change: the next read
    # from that cursor brings it.
    assert ("message.updated", first.pk) not in kinds(while_in_flight)
    assert ("message.updated", first.pk) in kinds(after_commit)
    assert ("reaction.added", second.pk) in kinds(while_in_flight) + kinds(after_commit)
    edit = Message.objects.get(pk=first.pk)
    assert edit.text == "遅れてコミット"
    assert after_commit.cursors[channel.pk] == start + 2
