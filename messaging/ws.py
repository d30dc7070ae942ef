"""The ``/ws`` endpoint: the hello handshake (cookie with an Origin check, or a bearer
token), then the hub's pump for that socket (a task of its own) and a receive loop
for client frames in the endpoint's task (pings, within size and rate limits), and
the close code when it ends: the
hub's (4408 too slow, 4401 its session ended: logout, a locked tablet, ...)
or the receive loop's."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from messaging import protocol
from messaging.hub import Connection, Hub, close_quietly
from portal.accounts.service import Caller, Principal, resolve_callers
from portal.coalesce import Coalescer
from portal.database import is_count
from portal.errors import NotFound
from portal.runtime import Runtime
from portal.tenancy import resolve_organisation
from portal.web.requests import SESSION_COOKIE, runtime

log = logging.getLogger(__name__)

# an ASGI scope extension the server may offer (schriftje.ws_server): ``send_now(text) ->
# bool`` writes a frame straight to the socket when it can take it without waiting
SEND_NOW = "schriftje.send_now"


def _hub(websocket: WebSocket) -> Hub:
    hub: Hub = runtime(websocket).extras["hub"]
    return hub


class _StarletteSocket:
    def __init__(self, websocket: WebSocket) -> None:
        self._ws = websocket

    async def send_text(self, data: str) -> None:
        await self._ws.send_text(data)

    async def close(self, code: int) -> None:
        await self._ws.close(code)


def _same_origin(websocket: WebSocket) -> bool:
    origin = websocket.headers.get("origin")
    host = websocket.headers.get("host", "")
    return bool(origin) and urlsplit(origin).netloc.lower() == host.lower()


class _Credentials:
    """The hellos' cookies and tokens, resolved in batches (``portal.coalesce``): after a
    node restart thousands of parents say hello at once, and one query serves hundreds."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.resolve: Coalescer[Caller, Principal | NotFound | None] = Coalescer(
            self._resolve, max_batch=protocol.HANDSHAKE_BATCH_MAX, concurrency=protocol.HANDSHAKE_BATCHES
        )

    async def _resolve(self, callers: Sequence[Caller]) -> list[Principal | NotFound | None]:
        idle = dt.timedelta(days=self.rt.settings.session_days)
        async with self.rt.uow() as uow:  # a use slides a session forward: written at the end
            return await resolve_callers(uow.session, self.rt.settings, callers, idle)


def _credentials(websocket: WebSocket) -> _Credentials:
    rt = runtime(websocket)
    credentials = rt.extras.get("ws_credentials")
    if credentials is None:
        credentials = rt.extras["ws_credentials"] = _Credentials(rt)
    return credentials


async def _authenticate(websocket: WebSocket, token: object) -> Principal | int:
    """The principal, or the close code to refuse with."""
    bearer = token if isinstance(token, str) and token else None
    cookie = None if bearer else websocket.cookies.get(SESSION_COOKIE)
    if cookie and not _same_origin(websocket):
        return protocol.CLOSE_FORBIDDEN
    host = websocket.headers.get("host", "")
    raw = bearer or cookie
    if raw is None:  # nothing to look up; an unknown organisation is still refused as such
        rt = runtime(websocket)
        async with rt.uow() as uow:
            try:
                await resolve_organisation(uow.session, host, rt.settings)
            except NotFound:
                return protocol.CLOSE_FORBIDDEN
        return protocol.CLOSE_UNAUTHENTICATED
    found = await _credentials(websocket).resolve(Caller(host, raw, "bearer" if bearer else "cookie"))
    if isinstance(found, NotFound):
        return protocol.CLOSE_FORBIDDEN
    return found if found is not None else protocol.CLOSE_UNAUTHENTICATED


async def _receive_hello(websocket: WebSocket) -> dict[str, Any] | int:
    try:
        async with asyncio.timeout(protocol.HELLO_TIMEOUT_SECS):
            raw = await websocket.receive_text()
    except TimeoutError:
        return protocol.CLOSE_PROTOCOL_ERROR
    except (WebSocketDisconnect, KeyError, RuntimeError):
        return protocol.CLOSE_PROTOCOL_ERROR
    if len(raw.encode()) > protocol.MAX_CLIENT_FRAME_BYTES:
        return protocol.CLOSE_TOO_BIG
    try:
        hello = json.loads(raw)
    except ValueError:
        return protocol.CLOSE_PROTOCOL_ERROR
    except RecursionError:  # nested too deeply to read: not data this protocol has
        return protocol.CLOSE_BAD_DATA
    after = hello.get("after", 0) if isinstance(hello, dict) else None
    if not isinstance(hello, dict) or hello.get("type") != protocol.HELLO or not is_count(after):
        return protocol.CLOSE_PROTOCOL_ERROR
    return hello


async def _receive_loop(websocket: WebSocket, hub: Hub, conn: Connection) -> int | None:
    """Client frames after hello: pings, within size and rate limits. Returns a close code."""
    window_start, count = time.monotonic(), 0
    while True:
        try:
            raw = await websocket.receive_text()
        except (WebSocketDisconnect, RuntimeError, KeyError):
            return None
        now = time.monotonic()
        if now - window_start > 10:
            window_start, count = now, 0
        count += 1
        if count > protocol.MAX_CLIENT_FRAMES_PER_10_SECS:
            return protocol.CLOSE_RATE_LIMITED
        if len(raw.encode()) > protocol.MAX_CLIENT_FRAME_BYTES:
            return protocol.CLOSE_TOO_BIG
        try:
            frame = json.loads(raw)
        except ValueError:
            continue
        except RecursionError:
            return protocol.CLOSE_BAD_DATA
        if isinstance(frame, dict) and frame.get("type") == protocol.PING:
            hub.ping(conn)


async def websocket_endpoint(websocket: WebSocket) -> None:
    hub = _hub(websocket)
    await websocket.accept()
    hello = await _receive_hello(websocket)
    if isinstance(hello, int):
        await close_quietly(_StarletteSocket(websocket), hello, 5)
        return
    try:
        principal = await _authenticate(websocket, hello.get("token"))
    except Exception:  # the database is overloaded or away: the client retries with backoff
        log.warning("websocket handshake failed; asked the client to retry", exc_info=True)
        principal = protocol.CLOSE_TRY_AGAIN
    if isinstance(principal, int):
        await close_quietly(_StarletteSocket(websocket), principal, 5)
        return
    socket = _StarletteSocket(websocket)
    send_now = websocket.scope.get("extensions", {}).get(SEND_NOW)
    after: int = hello["after"]
    user_id, session_id = principal.user.id, principal.session.id
    # the rest of a socket's life needs only these: the user's and session's ORM objects
    # (with their SQLAlchemy state) and the hello would otherwise stay in this frame
    del principal, hello
    conn = await hub.attach(user_id, socket, after, session_id, send_now=send_now)
    # the pump sends; this task reads the client's frames (no third task per socket).
    # When the pump stops first (the hub ended the socket, or it failed), it interrupts the read.
    pump = asyncio.create_task(hub.run(conn, after))
    reader = asyncio.current_task()
    assert reader is not None
    reading = True

    def pump_stopped(_: asyncio.Task[None]) -> None:
        if reading:
            reader.cancel()

    pump.add_done_callback(pump_stopped)
    code: int | None = None
    try:
        code = await _receive_loop(websocket, hub, conn)
    except asyncio.CancelledError:
        if not pump.done():
            raise  # cancelled from outside (the server stops): not ours to swallow
        reader.uncancel()
        if not pump.cancelled() and (error := pump.exception()) is not None:
            # the database went away mid-handshake or mid-replay: the client reconnects with its cursor
            log.warning("live feed failed; asked the client to reconnect", exc_info=error)
            code = protocol.CLOSE_TRY_AGAIN
    finally:
        reading = False
        pump.cancel()
        await asyncio.gather(pump, return_exceptions=True)
        await hub.detach(conn)
    if conn.close_code is not None:  # the hub ended it: too slow (4408), or its session ended (4401)
        code = conn.close_code
    if code is not None:
        await close_quietly(socket, code, protocol.SLOW_CLOSE_TIMEOUT_SECS)


routes: list[BaseRoute] = [WebSocketRoute("/ws", websocket_endpoint)]
