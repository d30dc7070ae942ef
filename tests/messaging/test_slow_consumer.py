"""A socket that stops reading is dropped (4408) once its bounded queue is full; the
user's other sockets and everyone else keep receiving, in order."""

from __future__ import annotations

import asyncio
import json

from messaging import protocol
from messaging.broker import LocalBroker, Published
from messaging.hub import Hub, HubMetrics
from tests.messaging.conftest import World

QUEUE = 16


class ReadingSocket:
    def __init__(self) -> None:
        self.seqs: list[int] = []
        self.ready = asyncio.Event()
        self._progress = asyncio.Condition()

    async def send_text(self, data: str) -> None:
        frame = json.loads(data)
        if frame["type"] == "ready":
            self.ready.set()
        elif frame["type"] == "event":
            async with self._progress:
                self.seqs.append(frame["seq"])
                self._progress.notify_all()

    async def reached(self, seq: int) -> None:
        async with self._progress:
            await self._progress.wait_for(lambda: bool(self.seqs) and self.seqs[-1] >= seq)

    async def close(self, code: int) -> None:
        return None


class StuckSocket(ReadingSocket):
    """A peer whose TCP window is full: every send blocks until the test ends."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def send_text(self, data: str) -> None:
        await self.release.wait()


async def test_stuck_socket_is_dropped_and_others_keep_going(world: World) -> None:
    broker = LocalBroker()
    hub = Hub(broker, world.harness.rt.sessionmaker, metrics=HubMetrics(), max_queued=QUEUE, heartbeat_secs=60)
    stuck, healthy, other_user = StuckSocket(), ReadingSocket(), ReadingSocket()
    connections = [await hub.attach(1, stuck, 0), await hub.attach(1, healthy, 0), await hub.attach(2, other_user, 0)]
    pumps = [asyncio.create_task(hub.run(conn, 0)) for conn in connections]
    bursts, per_burst = 6, QUEUE // 2
    try:
        async with asyncio.timeout(20):
            await healthy.ready.wait()
            await other_user.ready.wait()
            seq = 0
            for _ in range(bursts):
                for _ in range(per_burst):
                    seq += 1
                    await broker.publish(
                        Published(protocol.MESSAGE_CREATED, json.dumps({"id": seq}), ((1, seq), (2, seq)))
                    )
                await healthy.reached(seq)
                await other_user.reached(seq)
            await asyncio.wait({pumps[0]})  # the stuck socket's pump ends: it was dropped
    finally:
        stuck.release.set()
        for pump in pumps:
            pump.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)
    assert connections[0].dropped
    assert not connections[1].dropped and not connections[2].dropped
    assert healthy.seqs == other_user.seqs == list(range(1, bursts * per_burst + 1))
    assert hub.metrics.slow_drops._value.get() == 1


class FrameSocket(ReadingSocket):
    def __init__(self) -> None:
        super().__init__()
        self.types: list[str] = []
        self.heartbeat = asyncio.Event()

    async def send_text(self, data: str) -> None:
        await super().send_text(data)
        kind = json.loads(data)["type"]
        self.types.append(kind)
        if kind == "heartbeat":
            self.heartbeat.set()


async def test_idle_sockets_get_heartbeats_outside_the_sequence(world: World) -> None:
    broker = LocalBroker()
    hub = Hub(broker, world.harness.rt.sessionmaker, metrics=HubMetrics(), heartbeat_secs=0.05)
    socket = FrameSocket()
    conn = await hub.attach(1, socket, 0)
    pump = asyncio.create_task(hub.run(conn, 0))
    try:
        async with asyncio.timeout(10):
            await socket.heartbeat.wait()
    finally:
        pump.cancel()
        await hub.close()
        await asyncio.gather(pump, return_exceptions=True)
    assert socket.types[0] == "ready" and "heartbeat" in socket.types
    assert conn.last_seq == 0  # a heartbeat is not a feed item
