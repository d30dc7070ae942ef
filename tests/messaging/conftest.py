"""Messaging fixtures: a world with every party the entitlement matrix needs, bearer
tokens for each, a real uvicorn serving the harness's app, and WebSocket clients."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from portal.accounts.models import SessionKind
from portal.accounts.service import start_session
from portal.roster.models import Child, Group, Role, User
from schriftje.ws_server import DirectSendProtocol
from tests.harness import STAFF, Harness

FRAME_WAIT_SECS = 30.0

WORLD = """location,group,care_type,child_ref,child_first_name,child_last_name,birth_date,start_date,end_date,guardian1_name,guardian1_email,guardian1_relation,guardian2_name,guardian2_email,guardian2_relation
Centrum,Rupsjes,kdv,C1,Noor,Visser,2024-03-01,2024-09-01,,Anna Visser,anna@example.nl,moeder,Bram Visser,bram@example.nl,vader
Centrum,Rupsjes,kdv,C2,Pim,Jansen,2024-02-01,2024-09-01,,Piet Jansen,piet@example.nl,vader,,,
Centrum,Rupsjes,kdv,C5,Oud,Kind,2019-01-01,2019-06-01,2020-01-31,Olga Kind,olga@example.nl,moeder,,,
Centrum,Vlinders,peuteropvang,C3,Lina,Bakker,2023-01-15,2024-01-15,,Carla Bakker,carla@example.nl,moeder,,,
Oost,Boomhut,bso,C4,Mats,de Wit,2018-06-20,2022-08-22,,Dirk de Wit,dirk@example.nl,vader,,,
"""
OTHER_ORG = """location,group,care_type,child_ref,child_first_name,child_last_name,birth_date,start_date,end_date,guardian1_name,guardian1_email,guardian1_relation,guardian2_name,guardian2_email,guardian2_relation
Elders,Rupsjes,kdv,X1,Xander,Elders,2024-03-01,2024-09-01,,Xenia Elders,xenia@example.nl,moeder,,,
"""


@dataclass
class World:
    harness: Harness
    tokens: dict[str, str] = field(default_factory=dict)
    children: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    orgs: dict[str, str] = field(default_factory=dict)  # email -> org slug

    def client(self, email: str) -> Any:
        return self.harness.client(self.orgs[email], headers={"authorization": f"Bearer {self.tokens[email]}"})

    async def post(self, email: str, path: str, body: dict[str, Any]) -> Any:
        async with self.client(email) as client:
            return await client.post(path, json=body)

    async def feed(self, email: str, after: int = 0) -> list[dict[str, Any]]:
        async with self.client(email) as client:
            response = await client.get("/api/feed", params={"after": after, "limit": 200})
        assert response.status_code == 200, response.text
        return list(response.json()["items"])


@pytest.fixture
async def world(harness: Harness) -> World:
    return await build_world(harness)


async def build_world(harness: Harness) -> World:
    kober = await harness.organisation("kober", "Kober")
    other = await harness.organisation("other", "Andere Opvang")
    await harness.import_roster(kober, WORLD)
    await harness.import_staff(kober, STAFF)
    await harness.import_roster(other, OTHER_ORG)
    result = World(harness)
    async with harness.uow() as uow:
        for user in await uow.session.scalars(select(User)):
            token, _ = await start_session(uow.session, user, SessionKind.BEARER, label="test")
            result.tokens[user.email] = token
            result.orgs[user.email] = "kober" if user.organisation_id == kober.id else "other"
        for child in await uow.session.scalars(select(Child)):
            result.children[child.first_name] = child.id
        for group in await uow.session.scalars(select(Group).where(Group.organisation_id == kober.id)):
            result.groups[group.name] = group.id
    return result


async def add_admin(world: World) -> str:
    """An admin of Kober (Ad Min), with a bearer token; their e-mail address."""
    async with world.harness.uow() as uow:
        wilma = await uow.session.scalar(select(User).where(User.email == "wilma@example.nl"))
        assert wilma is not None
        user = User(
            organisation_id=wilma.organisation_id, email="ad@example.nl", display_name="Ad Min", role=Role.ADMIN
        )
        uow.session.add(user)
        await uow.session.flush()
        token, _ = await start_session(uow.session, user, SessionKind.BEARER, label="test")
    world.tokens[user.email], world.orgs[user.email] = token, "kober"
    return user.email


@asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[int]:
    """Serve an app whose lifespan already ran, in this event loop, on a pre-bound socket."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    server = uvicorn.Server(
        uvicorn.Config(
            app, lifespan="off", log_config=None, access_log=False, ws=DirectSendProtocol, ws_per_message_deflate=False
        )
    )
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        await task
        sock.close()


@pytest.fixture
async def port(world: World) -> AsyncIterator[int]:
    async with serving(world.harness.app) as bound:
        yield bound


class Ws:
    """A WebSocket client speaking the protocol, for tests."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    async def frame(self) -> dict[str, Any]:
        while True:
            frame: dict[str, Any] = json.loads(await asyncio.wait_for(self.connection.recv(), FRAME_WAIT_SECS))
            if frame["type"] != "heartbeat":
                return frame

    async def until(self, frame_type: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Frames before the first ``frame_type`` frame, and that frame."""
        before = []
        while (frame := await self.frame())["type"] != frame_type:
            before.append(frame)
        return before, frame

    async def events(self, count: int) -> list[dict[str, Any]]:
        frames = [await self.frame() for _ in range(count)]
        assert all(f["type"] == "event" for f in frames), frames
        return frames

    async def closed_with(self) -> int:
        """Read until the server closes the socket; the close code it sent."""
        try:
            while True:
                await self.frame()
        except ConnectionClosed as closed:
            assert closed.rcvd is not None, "closed without a close frame"
            return closed.rcvd.code

    async def drain(self) -> list[dict[str, Any]]:
        """Barrier: everything queued for this socket before a ping, then its pong."""
        await self.connection.send(json.dumps({"type": "ping"}))
        frames, _ = await self.until("pong")
        return frames


@asynccontextmanager
async def ws(
    port: int,
    org: str = "kober",
    *,
    token: str | None = None,
    after: int = 0,
    cookie: str | None = None,
    origin: str | None = None,
    hello: dict[str, Any] | None = None,
) -> AsyncIterator[Ws]:
    headers = {"Cookie": f"schriftje_session={cookie}"} if cookie else None
    async with connect(
        f"ws://{org}.localhost:{port}/ws",
        host="127.0.0.1",
        port=port,
        origin=origin,  # type: ignore[arg-type]
        additional_headers=headers,
        open_timeout=FRAME_WAIT_SECS,
    ) as connection:
        frame = hello or {"type": "hello", "after": after, **({"token": token} if token else {})}
        await connection.send(json.dumps(frame))
        client = Ws(connection)
        yield client
        with contextlib.suppress(Exception):
            await connection.close()
