"""An upload is bounded while it streams, through a real uvicorn (both stacks): a file
part past ``UPLOAD_MAX_BYTES`` is answered 413 at once, naming the file, while the
client is still sending (the rest is never read); a body that stops arriving is
ended with 408 after ``UPLOAD_STALL_SECONDS``."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator

import pytest

from schriftje.app import create_app
from tests.messaging.conftest import World, serving

MB = 1024 * 1024
BOUNDARY = "schriftje-test-boundary"
ANSWER_WITHIN_SECS = 10.0


@pytest.fixture
async def port(world: World) -> AsyncIterator[int]:
    """A node with a 1 MB file limit and a 1 s stall limit."""
    settings = dataclasses.replace(world.harness.settings, upload_max_bytes=MB, upload_stall_seconds=1)
    node = create_app(settings)
    async with node.router.lifespan_context(node), serving(node) as bound:
        yield bound


def head(world: World, declared_bytes: int) -> bytes:
    lines = [
        f"POST /api/groups/{world.groups['Rupsjes']}/photos HTTP/1.1",
        "Host: kober.localhost",
        f"Authorization: Bearer {world.tokens['ingrid@example.nl']}",
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}",
        f"Content-Length: {declared_bytes}",
    ]
    spec = json.dumps([{"key": "stream-test-0001"}])
    form = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="photos"\r\n\r\n{spec}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="groot.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    )
    return ("\r\n".join(lines) + "\r\n\r\n" + form).encode()


async def answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    async with asyncio.timeout(ANSWER_WITHIN_SECS):
        status = await reader.readline()
        rest = await reader.read(65536)
    return int(status.split()[1]), rest


async def test_a_file_past_the_limit_is_refused_while_it_is_still_coming(world: World, port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head(world, 20 * MB))  # says 20 MB are coming: within the batch's total
        sent = 0
        while sent < 2 * MB:  # a little past the file limit, then no more
            writer.write(b"\xff" * 65536)
            sent += 65536
        await writer.drain()
        code, body = await answer(reader)  # answered although 18 MB never came
    finally:
        writer.close()
    assert code == 413 and b"groot.jpg" in body
    assert await world.harness.rt.extras["storage"].list_keys("org/") == []


async def test_a_body_that_stops_coming_is_ended(world: World, port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head(world, 2 * MB) + b"\xff" * 1000)  # then silence
        await writer.drain()
        code, body = await answer(reader)
    finally:
        writer.close()
    assert code == 408 and b"opnieuw" in body
