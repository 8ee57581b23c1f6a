"""The live connection /ws/: who hears what, and when a socket is refused or closed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kyoso.accounts.actions import lifecycle, roles
from kyoso.accounts.models import MemberStatus, Role, TOTPDevice
from kyoso.accounts.totp import new_secret
from kyoso.chat import actions
from kyoso.chat.models import ChannelKind
from kyoso.realtime.sockets import CLOSE_NOT_ALLOWED, CLOSE_SIGNED_OUT
from kyoso.realtime.tests.support import Live, db, run, session_cookie
from kyoso.testing.factories import make_channel, make_member

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_message_reaches_the_members_of_its_channel_and_nobody_else() -> None:
    author, reader, outsider = make_member(), make_member(), make_member()
    channel = make_channel("窓口DX", creator=author, members=[reader])
    other = make_channel("雑談", creator=outsider)

    async def scenario() -> None:
        reader_socket = await Live.signed_in(reader, {})
        outsider_socket = await Live.signed_in(outsider, {})
        message = await db(actions.post_message)(author=author, channel=channel, text="受付時間の件")
        event = await reader_socket.next_of("message.created")
        assert set(event) == {"id", "type", "at", "data"}
        assert event["data"]["id"] == message.pk
        assert event["data"]["text"] == "受付時間の件"
        assert event["data"]["author"]["name"] == author.display_name
        assert await outsider_socket.silent()
        await db(actions.post_message)(author=outsider, channel=other, text="別の話")
        assert (await outsider_socket.next_of("message.created"))["data"]["text"] == "別の話"
        assert await reader_socket.silent()
        await reader_socket.close()
        await outsider_socket.close()

    run(scenario)


def test_private_channel_and_direct_messages_do_not_reach_outsiders_even_if_asked_for() -> None:
    owner, friend, outsider = make_member(), make_member(), make_member()
    private = make_channel("人事の相談", creator=owner, kind=ChannelKind.PRIVATE)
    direct = actions.open_direct_conversation(member=owner, others=[friend])

    async def scenario() -> None:
        # The outsider's page claims to hold both: claiming is not reading.
        outsider_socket = await Live.signed_in(outsider, {private.pk: 0, direct.pk: 0})
        friend_socket = await Live.signed_in(friend, {})
        await db(actions.post_message)(author=owner, channel=private, text="非公開の話")
        await db(actions.post_message)(author=owner, channel=direct, text="こんにちは")
        assert (await friend_socket.next_of("message.created"))["data"]["text"] == "こんにちは"
        assert await outsider_socket.silent()
        assert all(e["type"] == "ready" for e in outsider_socket.heard)

    run(scenario)


def test_a_public_channel_the_page_holds_is_heard_without_joining() -> None:
    author, visitor = make_member(), make_member()
    channel = make_channel("公開チャンネル", creator=author)

    async def scenario() -> None:
        visitor_socket = await Live.signed_in(visitor, {channel.pk: 0})
        await db(actions.post_message)(author=author, channel=channel, text="見ている人にも届く")
        assert (await visitor_socket.next_of("message.created"))["data"]["channel_id"] == channel.pk

    run(scenario)


def test_a_member_hears_their_own_events_and_not_anothers() -> None:
    author, me, someone = make_member(), make_member(), make_member()
    channel = make_channel("雑談", creator=author, members=[me, someone])

    async def scenario() -> None:
        mine = await Live.signed_in(me, {})
        theirs = await Live.signed_in(someone, {})
        message = await db(actions.post_message)(author=author, channel=channel, text="読んでください")
        await mine.next_of("message.created")
        await theirs.next_of("message.created")
        await db(actions.save_message)(member=me, message=message)
        event = await mine.next_of("saved.added")
        assert event["data"]["message_id"] == message.pk
        assert await theirs.silent()

    run(scenario)


def test_leaving_a_channel_stops_its_events_at_once_and_joining_starts_them() -> None:
    author, member = make_member(), make_member()
    channel = make_channel("勉強会", creator=author, members=[member])

    async def scenario() -> None:
        socket = await Live.signed_in(member, {channel.pk: 0})
        await db(actions.leave_channel)(member=member, channel=channel)
        left = await socket.next_of("channel.updated")
        assert (left["data"]["id"], left["data"]["change"]) == (channel.pk, "left")
        await socket.drain()  # the copy sent to the channel and the one sent to the member
        await db(actions.post_message)(author=author, channel=channel, text="もう届かない")
        assert await socket.silent()
        await db(actions.join_channel)(member=member, channel=channel)
        await socket.drain()
        await db(actions.post_message)(author=author, channel=channel, text="また届く")
        assert (await socket.next_of("message.created"))["data"]["text"] == "また届く"

    run(scenario)


def test_an_invitation_to_a_private_channel_starts_its_events() -> None:
    owner, guest = make_member(), make_member()
    private = make_channel("非公開", creator=owner, kind=ChannelKind.PRIVATE)

    async def scenario() -> None:
        socket = await Live.signed_in(guest, {})
        await db(actions.invite_to_channel)(inviter=owner, channel=private, invitee=guest)
        joined = await socket.next_of("channel.updated")
        assert joined["data"]["change"] == "joined"
        await db(actions.post_message)(author=owner, channel=private, text="ようこそ")
        assert (await socket.next_of("message.created"))["data"]["text"] == "ようこそ"

    run(scenario)


def test_a_suspended_members_sockets_are_closed() -> None:
    operator = make_member(role=Role.OPERATOR)
    member = make_member()

    async def scenario() -> None:
        socket = await Live.signed_in(member, {})
        await db(roles.change_status)(operator, member, MemberStatus.SUSPENDED, reason="規約違反")
        event = await socket.next_of("member.status_changed")
        assert event["data"] == {"id": member.pk, "status": MemberStatus.SUSPENDED}
        assert await socket.closed_with() == CLOSE_NOT_ALLOWED

    run(scenario)


def test_a_socket_without_a_session_is_refused() -> None:
    async def scenario() -> None:
        socket = await Live(None).open()
        assert await socket.closed_with() == CLOSE_SIGNED_OUT
        forged = await Live("not-a-session").open()
        assert await forged.closed_with() == CLOSE_SIGNED_OUT

    run(scenario)


def test_a_suspended_member_is_refused() -> None:
    member = make_member()
    cookie = session_cookie(member)
    member.status = MemberStatus.SUSPENDED
    member.save(update_fields=["status"])

    async def scenario() -> None:
        socket = await Live(cookie).open()
        assert await socket.closed_with() in {CLOSE_SIGNED_OUT, CLOSE_NOT_ALLOWED}

    run(scenario)


def test_a_session_waiting_for_its_second_factor_is_refused() -> None:
    member = make_member()
    TOTPDevice.objects.create(member=member, secret=new_secret(), confirmed_at=timezone.now())
    moderator = make_member(role=Role.MODERATOR)  # must enrol two-factor before anything
    unverified, unenrolled = session_cookie(member, verified=False), session_cookie(moderator, verified=False)

    async def scenario() -> None:
        for cookie in (unverified, unenrolled):
            socket = await Live(cookie).open()
            assert await socket.closed_with() == CLOSE_NOT_ALLOWED
        verified = await Live.signed_in(member, {})
        assert verified.heard[-1]["type"] == "ready"

    run(scenario)


def test_typing_reaches_the_channel_once_per_interval() -> None:
    typist, reader, outsider = make_member(), make_member(), make_member()
    channel = make_channel("雑談", creator=typist, members=[reader])
    other = make_channel("他のチャンネル", creator=outsider)

    async def scenario() -> None:
        typing_socket = await Live.signed_in(typist, {})
        reader_socket = await Live.signed_in(reader, {})
        for _ in range(3):
            await typing_socket.send({"type": "typing", "channel_id": channel.pk})
        event = await reader_socket.next_of("member.typing")
        assert event["data"] == {
            "channel_id": channel.pk,
            "member": {"id": typist.pk, "name": typist.display_name},
        }
        assert await reader_socket.silent(0.5)
        # Not a channel the typist hears: ignored.
        await typing_socket.send({"type": "typing", "channel_id": other.pk})
        assert await reader_socket.silent()

    run(scenario)


def test_ping_is_answered_with_pong() -> None:
    member = make_member()

    async def scenario() -> None:
        socket = await Live.signed_in(member, {})
        await socket.send({"type": "ping"})
        assert (await socket.next()) == {"type": "pong"}

    run(scenario)


@pytest.mark.parametrize("frame", ["not json", "[1, 2]", "[" * 100_000 + "]" * 100_000, '"text"'])
def test_an_unreadable_frame_is_answered_with_the_error_protocol_and_the_socket_stays(frame: str) -> None:
    member = make_member()

    async def scenario() -> None:
        socket = await Live.signed_in(member, {})
        await socket.communicator.send_to(text_data=frame)
        refused = await socket.next()
        assert refused["type"] == "error"
        assert refused["data"]["error"]["code"] == "invalid_frame"
        assert refused["data"]["error"]["status"] == 400
        # The socket is still there and still answers.
        await socket.send({"type": "ping"})
        assert (await socket.next()) == {"type": "pong"}

    run(scenario)


def test_refusal_close_codes_are_4000_plus_the_http_status_of_the_error() -> None:
    assert (CLOSE_SIGNED_OUT, CLOSE_NOT_ALLOWED) == (4401, 4403)


def test_a_member_the_yearly_job_suspends_loses_their_sockets() -> None:
    member = make_member()
    member.reconfirmation_requested_at = timezone.now() - timedelta(days=365)
    member.save(update_fields=["reconfirmation_requested_at"])

    async def scenario() -> None:
        socket = await Live.signed_in(member, {})
        outcomes = await db(lifecycle.suspend_unconfirmed_members)()
        assert [o.member_id for o in outcomes] == [member.pk]
        assert await socket.closed_with() == CLOSE_NOT_ALLOWED

    run(scenario)
