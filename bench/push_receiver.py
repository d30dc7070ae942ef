"""A push service for the benchmark, in a process of its own (its CPU is not the
worker's): accepts every push with 201 and counts them; ``GET /count`` tells how many.
Run by ``bench/push_fanout.py``: ``python bench/push_receiver.py PORT``."""

from __future__ import annotations

import sys

import uvicorn

received = 0


async def app(scope, receive, send):  # a bare ASGI app: the receiver should cost next to nothing
    global received
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    if scope["method"] == "POST":
        received += 1
        body = b""
        status = 201
    else:
        body = str(received).encode()
        status = 200
    await send(
        {"type": "http.response.start", "status": status, "headers": [(b"content-length", str(len(body)).encode())]}
    )
    await send({"type": "http.response.body", "body": body})


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
