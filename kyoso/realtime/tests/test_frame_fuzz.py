"""Whatever a client sends on /ws/, the socket stays up and the server raises nothing.

Hypothesis writes the frames: valid and broken JSON, wrong types, huge and non-finite numbers, deep
nesting, long strings, bytes, unknown types, and hellos whose held channels are hostile (a 5000-digit
id, 2**63, Infinity, negative ids, nested objects). Each example opens a real socket of a signed-in
member on the ASGI application, sends a few frames, then a ping: the pong must come back, every frame
before it must be one the protocol knows, and the socket must not have been closed. An exception in
the consumer (what a server answers with close code 1011) fails the test, as does any error logged.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kyoso.chat.models import ChannelKind
from kyoso.core.validation import MAX_ID
from kyoso.realtime.tests.support import EXPECT_SECONDS, Closed, Live, run, session_cookie
from kyoso.testing.factories import make_channel, make_member, make_message

pytestmark = pytest.mark.django_db(transaction=True)

# Each example opens its own socket (a hello is taken once per socket); this many keep the module
# near ten seconds on either database.
EXAMPLES = 120
INTERNAL_ERROR = 1011
EVENT_KEYS = {"id", "type", "at", "data"}


@dataclass(frozen=True)
class Frame:
    text: str | None = None
    data: bytes | None = None


# Numbers a hostile client may write: ids, the edges of the database's range, far beyond it.
numbers = st.one_of(
    st.integers(min_value=-(2**64), max_value=2**64),
    st.sampled_from([0, 1, MAX_ID, MAX_ID + 1, 2**64, -(2**63), 10**100, 10**4000]),
    st.floats(allow_nan=True, allow_infinity=True),
)
# Digits as text: within the database's range, past it, and past Python's int() limit (4300 digits).
digit_strings = st.one_of(
    st.integers(min_value=0, max_value=2**70).map(str),
    st.integers(min_value=20, max_value=6000).map(lambda n: "9" * n),
    st.sampled_from(["１２", "٣", " 1", "1_000", "-1", "+5", "1e3", "0x10", ""]),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=30), digit_strings),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
# Where a page stands in a channel: a last message id, or a change-log cursor, both hostile here.
positions = st.one_of(
    numbers,
    digit_strings,
    json_values,
    st.fixed_dictionaries({"cursor": st.one_of(numbers, digit_strings, json_values)}),
)
held = st.one_of(
    st.dictionaries(st.one_of(digit_strings, st.text(max_size=12)), positions, max_size=6),
    json_values,
)


def objects(channel_ids: list[int]) -> st.SearchStrategy[dict[str, Any]]:
    ids = st.one_of(st.sampled_from(channel_ids), numbers, json_values)
    return st.one_of(
        st.fixed_dictionaries({"type": st.just("hello"), "channels": held}),
        st.fixed_dictionaries(
            {"type": st.just("hello")},
            optional={"channels": st.dictionaries(st.sampled_from([str(i) for i in channel_ids]), positions)},
        ),
        st.fixed_dictionaries({"type": st.just("typing")}, optional={"channel_id": ids}),
        st.fixed_dictionaries({"type": st.sampled_from(["ping", "PING", "pong", "ready", "error", ""])}),
        st.dictionaries(st.text(max_size=8), json_values, max_size=5),
        st.fixed_dictionaries({"type": json_values}, optional={"channels": held, "channel_id": ids}),
    )


def raw_texts() -> st.SearchStrategy[str]:
    """Frames no encoder would write: broken JSON, deep nesting, numbers past every limit, long text."""
    return st.one_of(
        st.text(max_size=200),
        st.integers(min_value=1, max_value=50_000).map(lambda n: "[" * n + "]" * n),
        st.integers(min_value=1, max_value=50_000).map(lambda n: '{"a":' * n + "1" + "}" * n),
        st.integers(min_value=1, max_value=50_000).map(lambda n: "[" * n),
        st.integers(min_value=4000, max_value=6000).map(
            lambda n: '{"type": "hello", "channels": {"1": ' + "9" * n + "}}"
        ),
        st.integers(min_value=0, max_value=200_000).map(lambda n: json.dumps({"type": "x" * n})),
        st.sampled_from(
            [
                '{"type": "hello", "channels": {"1": Infinity, "2": NaN, "3": -Infinity}}',
                '{"type": "hello", "channels": {"1": 1e999}}',
                '{"type": "typing", "channel_id": 1e999}',
                '{"type": "hello", "channels": {"9223372036854775808": 0}}',
                '{"type": "hello", "type": "typing"}',
                "\ud800",
                "",
                "null",
            ]
        ),
    )


def frames(channel_ids: list[int]) -> st.SearchStrategy[Frame]:
    return st.one_of(
        objects(channel_ids).map(lambda value: Frame(text=json.dumps(value))),
        raw_texts().map(lambda text: Frame(text=text)),
        st.binary(max_size=64).map(lambda data: Frame(data=data)),
    )


async def exchange(cookie: str, sent: list[Frame]) -> list[dict[str, Any]]:
    """Open a socket, send the frames and a ping; what came back before the pong."""
    socket = await Live(cookie).open()
    try:
        for frame in sent:
            # Straight to the application: the helper refuses the empty frames a client can send.
            if frame.data is not None:
                await socket.communicator.send_input({"type": "websocket.receive", "bytes": frame.data})
            else:
                await socket.communicator.send_input({"type": "websocket.receive", "text": frame.text})
        await socket.send({"type": "ping"})
        heard: list[dict[str, Any]] = []
        while True:
            event = await socket.next(EXPECT_SECONDS)
            if event == {"type": "pong"}:
                return heard
            heard.append(event)
    finally:
        await socket.close()


def test_no_frame_ends_the_socket_or_raises(caplog: pytest.LogCaptureFixture) -> None:
    member, other = make_member(), make_member()
    channel = make_channel("窓口DX", creator=member)
    hidden = make_channel("人事の相談", creator=other, kind=ChannelKind.PRIVATE)
    for n in range(3):
        make_message(channel, other, f"受付時間の件 {n}")
    make_message(hidden, other, "見えないはず")
    cookie = session_cookie(member)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(sent=st.lists(frames([channel.pk, hidden.pk]), min_size=1, max_size=4))
    def check(sent: list[Frame]) -> None:
        caplog.clear()
        heard: list[dict[str, Any]] = []

        async def scenario() -> None:
            try:
                heard.extend(await exchange(cookie, sent))
            except Closed as closed:
                pytest.fail(f"the socket was closed with {closed.code} after {sent!r:.500}")

        with caplog.at_level(logging.WARNING):
            run(scenario)
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert not errors, [r.getMessage() for r in errors]
        for event in heard:
            # Refusals in the error protocol; everything else an event of the one event shape.
            if event.get("type") == "error":
                assert event["data"]["error"]["code"] == "invalid_frame", event
                assert event["data"]["error"]["status"] == 400, event
                continue
            assert set(event) == EVENT_KEYS, event
            assert event["data"].get("channel_id") != hidden.pk, event  # claiming is not reading

    check()
