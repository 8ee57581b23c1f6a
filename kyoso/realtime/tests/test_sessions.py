"""A socket belongs to the session it opened with: when that session ends, the socket closes (4401),
and only that one; a member's sockets are capped; a socket opens only from our exact origin."""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client, override_settings

from kyoso.accounts.actions import security
from kyoso.accounts.models import Member, MemberSession
from kyoso.chat import actions
from kyoso.realtime.sockets import CLOSE_SIGNED_OUT, CLOSE_TOO_MANY
from kyoso.realtime.tests.support import Live, db, run, session_cookie
from kyoso.testing.factories import DEFAULT_PASSWORD, make_channel, make_member

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "a-new-long-password-2026"


def sign_in(member: Member, user_agent: str) -> Client:
    client = Client(HTTP_USER_AGENT=user_agent)
    response = client.post("/accounts/sign-in/", {"username": member.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    return client


def cookie(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def still_hears(socket: Live, author: Member, channel: object, text: str) -> None:
    await db(actions.post_message)(author=author, channel=channel, text=text)
    assert (await socket.next_of("message.created"))["data"]["text"] == text


def test_ending_one_session_closes_its_sockets_and_no_other() -> None:
    member, author = make_member(password=DEFAULT_PASSWORD), make_member()
    channel = make_channel("人事の相談", creator=author, members=[member])
    office, phone = sign_in(member, "Office PC"), sign_in(member, "Phone")
    phone_session = MemberSession.objects.get(user_agent="Phone")

    async def scenario() -> None:
        on_office = await Live(cookie(office)).open({})
        on_phone = await Live(cookie(phone)).open({})
        await db(security.end_member_session)(member=member, session_id=phone_session.pk)
        assert await on_phone.closed_with() == CLOSE_SIGNED_OUT
        # The other session's socket is not told (the event names sessions) and still hears.
        assert await on_office.silent()
        await still_hears(on_office, author, channel, "まだ届く")
        await on_office.close()

    run(scenario)


def test_signing_out_closes_this_browsers_socket() -> None:
    member, author = make_member(password=DEFAULT_PASSWORD), make_member()
    channel = make_channel("人事の相談", creator=author, members=[member])
    office, phone = sign_in(member, "Office PC"), sign_in(member, "Phone")

    async def scenario() -> None:
        on_office = await Live(cookie(office)).open({})
        on_phone = await Live(cookie(phone)).open({})
        await db(phone.post)("/accounts/sign-out/")
        assert await on_phone.closed_with() == CLOSE_SIGNED_OUT
        await still_hears(on_office, author, channel, "サインアウト後")
        await on_office.close()

    run(scenario)


def test_signing_out_the_other_sessions_closes_their_sockets() -> None:
    member, author = make_member(password=DEFAULT_PASSWORD), make_member()
    channel = make_channel("人事の相談", creator=author, members=[member])
    office, phone, tablet = sign_in(member, "Office PC"), sign_in(member, "Phone"), sign_in(member, "Tablet")

    async def scenario() -> None:
        on_office = await Live(cookie(office)).open({})
        on_phone = await Live(cookie(phone)).open({})
        on_tablet = await Live(cookie(tablet)).open({})
        await db(office.post)("/accounts/security/sessions/sign-out-others/")
        assert await on_phone.closed_with() == CLOSE_SIGNED_OUT
        assert await on_tablet.closed_with() == CLOSE_SIGNED_OUT
        await still_hears(on_office, author, channel, "この端末だけ")
        await on_office.close()

    run(scenario)


def test_a_password_change_closes_the_other_sessions_sockets_and_keeps_this_ones() -> None:
    member, author = make_member(password=DEFAULT_PASSWORD), make_member()
    channel = make_channel("人事の相談", creator=author, members=[member])
    office, phone = sign_in(member, "Office PC"), sign_in(member, "Phone")

    async def scenario() -> None:
        on_office = await Live(cookie(office)).open({})
        on_phone = await Live(cookie(phone)).open({})
        response = await db(office.post)(
            "/accounts/security/password/",
            {"old_password": DEFAULT_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        assert response.status_code == 302
        assert await on_phone.closed_with() == CLOSE_SIGNED_OUT
        await still_hears(on_office, author, channel, "パスワード変更後")
        # This browser's socket followed its session to the new key: signing out still closes it.
        await db(office.post)("/accounts/sign-out/")
        assert await on_office.closed_with() == CLOSE_SIGNED_OUT

    run(scenario)


@override_settings(KYOSO_WS_MAX_SOCKETS_PER_MEMBER=2)
def test_one_socket_past_the_cap_closes_the_members_oldest() -> None:
    member, other, author = make_member(password=DEFAULT_PASSWORD), make_member(), make_member()
    channel = make_channel("人事の相談", creator=author, members=[member, other])
    browser = sign_in(member, "Office PC")

    async def scenario() -> None:
        first = await Live(cookie(browser)).open({})
        second = await Live(cookie(browser)).open({})
        others = await Live.signed_in(other, {})
        third = await Live(cookie(browser)).open({})
        assert await first.closed_with() == CLOSE_TOO_MANY
        assert await second.silent()
        await db(actions.post_message)(author=author, channel=channel, text="上限")
        for socket in (second, third, others):
            assert (await socket.next_of("message.created"))["data"]["text"] == "上限"
        for socket in (second, third, others):
            await socket.close()

    run(scenario)


def test_the_close_code_for_too_many_sockets_speaks_the_error_protocol() -> None:
    assert CLOSE_TOO_MANY == 4000 + 429


# --- the origin of the page ---------------------------------------------------------------------------


def origin_test(origin: bytes | None, host: bytes = b"testserver", *, accepted: bool) -> None:
    """Open a signed-in member's socket with these headers: is it accepted?"""
    member = make_member()

    async def scenario() -> None:
        from kyoso.asgi import application

        key = await db(session_cookie)(member)
        headers = [(b"host", host), (b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode())]
        if origin is not None:
            headers.append((b"origin", origin))
        communicator = WebsocketCommunicator(application, "/ws/", headers=headers)
        connected, code = await communicator.connect(timeout=5)
        assert connected is accepted, (origin, host, code)
        if accepted:
            await communicator.disconnect()

    run(scenario)


@pytest.mark.parametrize(
    "origin",
    [
        b"http://testserver:8080",  # same host, another port
        b"https://testserver",  # same host, another scheme
        b"https://evil.example",
        b"null",
        b"http://testserver.evil.example",
    ],
)
def test_a_socket_from_another_origin_is_refused(origin: bytes) -> None:
    origin_test(origin, accepted=False)


def test_a_socket_without_an_origin_is_refused() -> None:
    origin_test(None, accepted=False)


def test_a_socket_from_the_exact_origin_it_was_served_at_is_accepted_in_development() -> None:
    origin_test(b"http://testserver", accepted=True)
    origin_test(b"http://127.0.0.1:8000", b"127.0.0.1:8000", accepted=True)
    origin_test(b"http://localhost:8001", b"localhost:8000", accepted=False)


@override_settings(PRODUCTION=True, KYOSO_SITE_URL="https://kyoso.example.lg.jp/")
def test_in_production_only_the_site_and_the_trusted_origins_may_open_a_socket() -> None:
    origin_test(b"https://kyoso.example.lg.jp", b"kyoso.example.lg.jp", accepted=True)
    origin_test(b"https://kyoso.example.lg.jp:443", b"kyoso.example.lg.jp", accepted=True)
    origin_test(b"http://kyoso.example.lg.jp", b"kyoso.example.lg.jp", accepted=False)
    origin_test(b"https://kyoso.example.lg.jp:8443", b"kyoso.example.lg.jp", accepted=False)
    # The server's own Host is no longer enough.
    origin_test(b"http://testserver", accepted=False)
    with override_settings(CSRF_TRUSTED_ORIGINS=["https://*.example.lg.jp", "https://chat.example.jp"]):
        origin_test(b"https://www.example.lg.jp", b"kyoso.example.lg.jp", accepted=True)
        origin_test(b"https://chat.example.jp", b"kyoso.example.lg.jp", accepted=True)
        origin_test(b"https://chat.example.jp:444", b"kyoso.example.lg.jp", accepted=False)
        origin_test(b"https://example.lg.jp.evil", b"kyoso.example.lg.jp", accepted=False)
