"""The hub benchmark's second peer: the ``websockets`` library's own asyncio server and
its ``broadcast``, the fastest way that library offers to send one message to many.
It reads the same Redis channel as the nodes and sends each message's frame to all
its recipients at once with ``broadcast``: one identical frame for all (no per-user
``seq``: that is what lets it use ``broadcast``), no cursor, no replay, no
authentication (the client names its user in its ``hello``).

Usage: python bench/peers/websockets_relay.py PORT REDIS_URL PREFIX
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys

from redis.asyncio import Redis
from websockets.asyncio.server import ServerConnection, broadcast, serve

sockets: dict[int, ServerConnection] = {}


async def handler(ws: ServerConnection) -> None:
    hello = json.loads(await ws.recv())
    user = int(hello["user"])
    sockets[user] = ws
    await ws.send('{"type":"ready","seq":0}')
    with contextlib.suppress(Exception):
        async for _ in ws:
            pass
    sockets.pop(user, None)


async def relay(url: str, prefix: str) -> None:
    pubsub = Redis.from_url(url).pubsub()
    await pubsub.subscribe(f"{prefix}:feed")
    async for message in pubsub.listen():
        if message["type"] != "message":
            continue
        raw = json.loads(message["data"])
        frame = '{"type":"event","kind":' + json.dumps(raw["kind"]) + ',"data":' + raw["data"] + ',"seq":0}'
        broadcast([ws for user, _ in raw["to"] if (ws := sockets.get(user)) is not None], frame)


async def main() -> None:
    port, url, prefix = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    # backlog as uvicorn's (2048; the default 100 resets a 6,000-socket storm), and no
    # opening-handshake timeout: the storm waits in line, as on the hub
    async with serve(handler, "127.0.0.1", port, compression=None, max_queue=None, backlog=2048, open_timeout=None):
        await relay(url, prefix)


if __name__ == "__main__":
    asyncio.run(main())
