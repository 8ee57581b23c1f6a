"""The baseline of ``kyoso bench fanout``: a bare ``websockets`` broadcast server, nothing else.

``python -m kyoso.bench.fanout_baseline serve --port P [--deflate]``: clients on ``/`` say hello and get
``ready``; a post on ``/post`` is wrapped in an event of the same shape and size as kyoso's
``message.created``, encoded once and written to every client with ``websockets``' ``broadcast``.
kyoso's events carry the message drawn by the server (``fragments``); ``--frame-bytes N`` pads the
baseline's fragment so its frames are as large as the kyoso frames measured in the same run.
``... post --port P``: the poster (steps on stdin, as in kyoso.bench.fanout_client.run_poster).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, broadcast, serve

READY = json.dumps({"type": "ready"}, separators=(",", ":"))


# What a WebSocket frame adds to its payload, server to client, for payloads of 126 to 65,535 bytes.
FRAME_HEADER_BYTES = 4


def event_frame(seq: int, text: str, frame_bytes: int = 0) -> str:
    """The JSON a kyoso client receives for a new message, with the same fields (and size)."""
    now = datetime.now(UTC).isoformat()
    author = {
        "id": 1,
        "name": "職員0",
        "affiliation": "ベンチ市 市民課",
        "role": "member",
        "role_label": "メンバー",
    }
    data = {
        "author": author,
        "id": seq,
        "channel_id": 1,
        "thread_root_id": None,
        "also_in_channel": False,
        "author_id": 1,
        "text": text,
        "html": f"<p>{text}</p>",
        "created_at": now,
        "edited_at": None,
        "deleted": False,
        "pinned": False,
        "reply_count": 0,
    }
    event: dict[str, Any] = {"id": uuid.uuid4().hex, "type": "message.created", "at": now, "data": data}
    frame = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    empty = {"ja": {"stream": ""}}
    room = (
        frame_bytes - FRAME_HEADER_BYTES - len(frame.encode()) - len(',"fragments":') - len(json.dumps(empty))
    )
    if room > 0:
        data["fragments"] = {"ja": {"stream": "x" * room}}
        frame = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    return frame


async def run_server(port: int, deflate: bool, frame_bytes: int = 0) -> None:
    clients: set[ServerConnection] = set()
    posted = 0

    async def handler(websocket: ServerConnection) -> None:
        nonlocal posted
        if websocket.request is not None and websocket.request.path == "/post":
            async for text in websocket:
                posted += 1
                broadcast(clients, event_frame(posted, str(text), frame_bytes))
            return
        await websocket.recv()  # hello
        await websocket.send(READY)
        clients.add(websocket)
        try:
            await websocket.wait_closed()
        finally:
            clients.discard(websocket)

    compression = "deflate" if deflate else None
    async with serve(handler, "127.0.0.1", port, compression=compression, max_size=2**16) as server:
        await server.serve_forever()


def run_post(port: int) -> None:
    from kyoso.bench.fanout_client import run_poster

    loop = asyncio.new_event_loop()
    websocket = loop.run_until_complete(connect(f"ws://127.0.0.1:{port}/post", compression=None))

    def post(text: str) -> None:
        loop.run_until_complete(websocket.send(text))

    try:
        run_poster(post)
    finally:
        loop.run_until_complete(websocket.close())
        loop.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="fanout_baseline")
    commands = parser.add_subparsers(dest="command", required=True)
    server = commands.add_parser("serve")
    server.add_argument("--port", type=int, required=True)
    server.add_argument("--deflate", action="store_true")
    server.add_argument("--frame-bytes", type=int, default=0, help="pad each event to this many bytes")
    poster = commands.add_parser("post")
    poster.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    if args.command == "serve":
        with contextlib.suppress(ImportError):
            import uvloop

            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_server(args.port, args.deflate, args.frame_bytes))
    else:
        run_post(args.port)


if __name__ == "__main__":
    main()
