"""``X-Forwarded-For`` counts only from the configured proxy (``FORWARDED_ALLOW_IPS``),
through the real ``schriftje serve`` configuration: a client that rotates the header
is still one address to the login limits; the proxy's header is the client."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import uvicorn

from portal.settings import Settings
from schriftje.cli import uvicorn_config
from tests.harness import ROSTER, Harness, csrf_of

PASSWORD = "correct horse battery"


@asynccontextmanager
async def serve(settings: Settings) -> AsyncIterator[str]:
    """``schriftje serve``'s uvicorn on a socket bound (and listening) first, in this event loop."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    server = uvicorn.Server(uvicorn_config(settings, "127.0.0.1", sock.getsockname()[1]))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve(sockets=[sock]))  # connections wait in the backlog meanwhile
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


async def failed_logins(url: str, count: int, forwarded: list[str]) -> list[int]:
    statuses = []
    async with httpx.AsyncClient(base_url=url, headers={"host": "kober.localhost"}) as client:
        page = await client.get("/login")
        token = csrf_of(page.text)
        for n in range(count):
            headers = {"x-forwarded-for": forwarded[n % len(forwarded)]}
            data = {"csrf_token": token, "email": f"nobody{n}@example.nl", "password": "not the password"}
            statuses.append((await client.post("/login", data=data, headers=headers)).status_code)
    return statuses


async def test_a_rotated_header_from_anyone_else_does_not_dodge_the_limit(harness: Harness) -> None:
    await harness.import_roster(await harness.organisation(), ROSTER)
    settings = dataclasses.replace(harness.settings, forwarded_allow_ips="10.9.9.9", login_max_attempts_per_ip=5)
    async with serve(settings) as url:
        statuses = await failed_logins(url, 7, [f"198.51.100.{n}" for n in range(1, 8)])
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]


async def test_the_proxys_header_names_the_client(harness: Harness) -> None:
    await harness.import_roster(await harness.organisation(), ROSTER)
    settings = dataclasses.replace(harness.settings, forwarded_allow_ips="127.0.0.1", login_max_attempts_per_ip=5)
    async with serve(settings) as url:
        one_client = await failed_logins(url, 6, ["198.51.100.1"])
        others = await failed_logins(url, 5, [f"198.51.100.{n}" for n in range(2, 7)])
    assert one_client == [401] * 5 + [429]  # the limit is the client's
    assert others == [401] * 5  # not the proxy's: everyone else still gets in line
