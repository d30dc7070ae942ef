"""The hub benchmark's first peer: a bare Starlette relay under uvicorn, the fewest lines
that do the hub's job without its guarantees. It reads the same Redis channel the
nodes publish to (``messaging.broker.redis``), and sends each recipient of a message
its frame (the same JSON shape, with that recipient's ``seq``) with ``send_text``,
one recipient after the other. No cursor, no replay, no queue, no authentication:
the client names its user in its ``hello``.

Usage: python bench/peers/starlette_relay.py PORT REDIS_URL PREFIX
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator

import uvicorn
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

sockets: dict[int, WebSocket] = {}


async def endpoint(ws: WebSocket) -> None:
    await ws.accept()
    hello = json.loads(await ws.receive_text())
    user = int(hello["user"])
    sockets[user] = ws
    await ws.send_text('{"type":"ready","seq":0}')
    with contextlib.suppress(Exception):
        while True:
            await ws.receive_text()
    sockets.pop(user, None)


async def relay(url: str, prefix: str) -> None:
    pubsub = Redis.from_url(url).pubsub()
    await pubsub.subscribe(f"{prefix}:feed")
    async for message in pubsub.listen():
        if message["type"] != "message":
            continue
        raw = json.loads(message["data"])
        head = '{"type":"event","kind":' + json.dumps(raw["kind"]) + ',"data":' + raw["data"] + ',"seq":'
        for user, seq in raw["to"]:
            ws = sockets.get(user)
            if ws is not None:
                with contextlib.suppress(Exception):
                    await ws.send_text(head + str(seq) + "}")


def main() -> None:
    port, url, prefix = int(sys.argv[1]), sys.argv[2], sys.argv[3]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(relay(url, prefix))
        yield
        task.cancel()

    app = Starlette(routes=[WebSocketRoute("/ws", endpoint)], lifespan=lifespan)
    uvicorn.run(  # as `schriftje serve` runs
        app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio", ws_per_message_deflate=False
    )


if __name__ == "__main__":
    main()
