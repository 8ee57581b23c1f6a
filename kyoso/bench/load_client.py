"""The simulated members of ``kyoso bench load``: one asyncio loop, a WebSocket and a think-time loop each.

Each member holds a WebSocket (``kyoso.bench.fanout_client.Client``: the hello, ``ready``, and a cheap
frame reader) and, between pauses of its think time, does one of four things through the JSON API with
its session cookie and CSRF token, on a fresh HTTP/1.1 connection (with a think time of seconds, a
browser's keep-alive connection would have been closed by the server by then; a few lines of asyncio
streams do, as no HTTP client is among kyoso's dependencies). The CSRF token is a secret the member
sets as its ``csrftoken`` cookie and repeats in ``X-CSRFToken``, which is what Django's check compares;
without it the API refuses every post and stamp.

- ``post``: POST /api/v1/channels/<id>/messages, with ``bench <seq> <sent at>`` in the text, to the
  channel everyone is in or to their team's; the answer's id is the acknowledged post;
- ``read``: GET the newest page of one of their channels;
- ``search``: GET /api/v1/search/messages?q=<a word the posts use>;
- ``stamp``: PUT a stamp on a message of one of their channels.

Every ``message.created`` frame a socket hears is recorded by its ``seq`` (``fanout_client.Step``), so
that afterwards each acknowledged post can be checked against every socket of its channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
import secrets
import string
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from urllib.parse import quote

from kyoso.bench.fanout_client import (
    CONNECT_TIMEOUT_SECONDS,
    CONNECTING_AT_ONCE,
    MARK,
    Client,
    Step,
    post_text,
)

OPERATIONS = ("post", "read", "search", "stamp")
# How often a member does each: reading dominates a chat, then posting and stamping.
WEIGHTS = (0.3, 0.4, 0.1, 0.2)
# A post goes to the channel everyone is in this often; otherwise to the member's team channel.
EVERYONE_SHARE = 0.1
# Words the posts carry and the searches look for (each matches about one post in eight).
WORDS = ("予算", "防災訓練", "子育て支援", "観光", "窓口", "議会", "広報誌", "福祉")
REQUEST_TIMEOUT_SECONDS = 30.0
RECENT_POSTS = 50  # the latest posts of a channel, among which a member picks one to stamp
# A stamp event draws the stamped message again, marker and all: only this kind of frame is a delivery.
CREATED = b'"type":"message.created"'
EVENT_HEAD = 80  # {"id":"<32 hex>", then "type":"message.created" (ends at the 65th byte)
TITLE = re.compile(r"<title>(.*?)</title>", re.S)
CSRF_CHARS = string.ascii_letters + string.digits
CSRF_SECRET_LENGTH = 32


@dataclass
class Server:
    host: str
    port: int

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"


@dataclass
class Member:
    index: int
    cookie: str  # the session cookie, "name=key"
    channels: tuple[int, ...]  # the channel everyone is in, then their team's
    csrf: str = field(
        default_factory=lambda: "".join(secrets.choice(CSRF_CHARS) for _ in range(CSRF_SECRET_LENGTH))
    )

    def headers(self) -> list[str]:
        # The double-submit CSRF check: the token in the header must match the csrftoken cookie.
        return [f"Cookie: {self.cookie}; csrftoken={self.csrf}", f"X-CSRFToken: {self.csrf}"]


class Listener(Client):
    """A member's socket: hears the ``bench <seq>`` of a ``message.created``, and nothing else."""

    def _text(self, payload: bytes) -> None:
        if MARK not in payload or payload.find(CREATED, 0, EVENT_HEAD) >= 0:
            super()._text(payload)


class Sockets:
    """The sockets open on one server process; what they hear goes to the one shared ``Step``."""

    def __init__(self, server: Server, hello: dict[str, int], step: Step) -> None:
        self.server, self.hello, self.step = server, hello, step
        self.url = f"ws://{server.host}:{server.port}/ws/"
        self.deflate = False
        self.loop = asyncio.get_running_loop()
        self.lost = 0  # sockets closed while the benchmark ran

    def heard(self, index: int, seq: int, sent_at: float) -> None:
        self.step.heard(index, seq, sent_at, time.time())


async def open_sockets(groups: list[Sockets], members: list[Member]) -> tuple[list[Listener], list[str]]:
    """Member ``i`` opens a socket on server ``i % P`` and waits for ``ready``; returns the ready ones."""
    gate = asyncio.Semaphore(CONNECTING_AT_ONCE)
    ready: list[Listener] = []
    failures: list[str] = []

    async def open_one(member: Member) -> None:
        group = groups[member.index % len(groups)]
        headers = {"Origin": group.server.origin, "Cookie": member.cookie}
        async with gate:
            try:
                _, client = await asyncio.wait_for(
                    group.loop.create_connection(
                        lambda: Listener(group, member.index, headers),  # type: ignore[arg-type]
                        group.server.host,
                        group.server.port,
                    ),
                    CONNECT_TIMEOUT_SECONDS,
                )
                if await asyncio.wait_for(client.ready, CONNECT_TIMEOUT_SECONDS):
                    ready.append(client)
                else:
                    failures.append(f"member {member.index}: closed before ready")
            except (OSError, TimeoutError) as error:
                failures.append(f"member {member.index}: {error!r}")

    await asyncio.gather(*(open_one(member) for member in members))
    return ready, failures


def _unchunk(data: bytes) -> bytes:
    parts: list[bytes] = []
    position = 0
    while True:
        end = data.index(b"\r\n", position)
        size = int(data[position:end].split(b";")[0], 16)
        if size == 0:
            return b"".join(parts)
        parts.append(data[end + 2 : end + 2 + size])
        position = end + 4 + size


async def http(
    server: Server, member: Member, method: str, path: str, body: bytes = b""
) -> tuple[int, bytes]:
    """One request on its own connection (``Connection: close``); the status and the body."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {server.host}:{server.port}",
            f"Origin: {server.origin}",
            "Connection: close",
            *member.headers(),
        ]
        if method != "GET":
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body)
        raw = await reader.read()
    finally:
        writer.close()
    head, _, content = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    if b"\r\ntransfer-encoding: chunked" in head.lower():
        content = _unchunk(content)
    return status, content


def refusal(status: int, body: bytes) -> str:
    """An unexpected answer in a few words: the error code of a JSON answer, or the title of a page."""
    text = body.decode("utf-8", "replace")
    with contextlib.suppress(ValueError, KeyError, TypeError):
        return f"{status} {json.loads(text)['error']['code']}"
    title = TITLE.search(text)
    return f"{status} {title.group(1).strip() if title else text[:100]}"


@dataclass
class Outcomes:
    """Timings and failures of one kind of operation."""

    latencies_ms: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)


class Crowd:
    """The members' think-time loops, and what they posted."""

    def __init__(
        self,
        servers: list[Server],
        members: list[Member],
        *,
        stamps: list[int],
        first_posts: dict[int, int],
        think: float,
        capacity: int,
        seed: int,
    ) -> None:
        self.servers, self.members, self.stamps, self.think = servers, members, stamps, think
        self.capacity = capacity
        self.random = random.Random(seed)
        self.outcomes = {kind: Outcomes() for kind in OPERATIONS}
        self.recent = {channel: deque([pk], maxlen=RECENT_POSTS) for channel, pk in first_posts.items()}
        self.seq = 0
        self.acknowledged: dict[int, tuple[int, int]] = {}  # seq: (message id, channel id)
        self.requests = 0

    def _server(self) -> Server:
        # As a load balancer would: requests go round the server processes.
        self.requests += 1
        return self.servers[self.requests % len(self.servers)]

    async def _post(self, member: Member) -> str | None:
        if self.seq >= self.capacity:
            return await self._read(member)
        self.seq += 1
        seq = self.seq
        share = self.random.random() < EVERYONE_SHARE
        channel = member.channels[0] if share else member.channels[-1]
        text = f"{post_text(seq)} {self.random.choice(WORDS)}の件です"
        body = json.dumps({"text": text}, ensure_ascii=False).encode()
        status, answer = await http(
            self._server(), member, "POST", f"/api/v1/channels/{channel}/messages", body
        )
        if status != 201:
            return refusal(status, answer)
        message_id = json.loads(answer)["id"]
        self.acknowledged[seq] = (message_id, channel)
        self.recent[channel].append(message_id)
        return None

    async def _read(self, member: Member) -> str | None:
        channel = self.random.choice(member.channels)
        status, answer = await http(self._server(), member, "GET", f"/api/v1/channels/{channel}/messages")
        return None if status == 200 else refusal(status, answer)

    async def _search(self, member: Member) -> str | None:
        path = f"/api/v1/search/messages?q={quote(self.random.choice(WORDS))}"
        status, answer = await http(self._server(), member, "GET", path)
        return None if status == 200 else refusal(status, answer)

    async def _stamp(self, member: Member) -> str | None:
        message = self.random.choice(self.recent[self.random.choice(member.channels)])
        path = f"/api/v1/messages/{message}/reactions/{self.random.choice(self.stamps)}"
        status, answer = await http(self._server(), member, "PUT", path)
        return None if status == 200 else refusal(status, answer)

    async def _act(self, member: Member, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        actions = {"post": self._post, "read": self._read, "search": self._search, "stamp": self._stamp}
        # Members start at random moments of their first think time, not all at once.
        await asyncio.sleep(self.random.uniform(0, self.think))
        while loop.time() < deadline:
            kind = self.random.choices(OPERATIONS, WEIGHTS)[0]
            started = time.perf_counter()
            try:
                problem = await asyncio.wait_for(actions[kind](member), REQUEST_TIMEOUT_SECONDS)
            except TimeoutError:
                problem = f"no answer in {REQUEST_TIMEOUT_SECONDS:.0f} s"
            except (OSError, ValueError, KeyError) as error:
                problem = type(error).__name__
            if problem is None:
                self.outcomes[kind].latencies_ms.append((time.perf_counter() - started) * 1000.0)
            else:
                self.outcomes[kind].failures[problem] += 1
            pause = self.random.uniform(self.think / 2, self.think * 1.5)
            if loop.time() + pause >= deadline:
                return  # the run ends before this member's next action
            await asyncio.sleep(pause)

    async def run(self, seconds: float) -> float:
        """Every member acts until ``seconds`` have passed; the time until the last answer came."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.gather(*(self._act(member, started + seconds) for member in self.members))
        return loop.time() - started
