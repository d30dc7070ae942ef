"""A socket that stops reading is dropped (4408) once its bounded queue is full; the
user's other sockets and everyone else keep receiving, in order."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import select
from websockets.exceptions import ConnectionClosed

from messaging import protocol, service
from messaging.broker import LocalBroker, Published
from messaging.delivery import deliver_many
from messaging.hub import Hub, HubMetrics
from portal.roster.models import User
from tests.messaging.conftest import World, ws

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


async def test_a_socket_whose_send_is_stuck_is_dropped_even_with_nothing_more_queued(world: World) -> None:
    """The peer stopped reading: its transport's and the kernel's buffers are full, so the
    send never completes. A quiet feed would never fill the queue; the watchdog drops it
    (4408) once its send is stuck for SLOW_SEND_SECS."""
    broker = LocalBroker()
    hub = Hub(broker, world.harness.rt.sessionmaker, metrics=HubMetrics(), heartbeat_secs=60, slow_send_secs=0.2)
    stuck = StuckSocket()
    conn = await hub.attach(1, stuck, 0)
    pump = asyncio.create_task(hub.run(conn, 0))  # its first frame ("ready") is already stuck
    try:
        async with asyncio.timeout(10):
            await asyncio.wait({pump})  # the watchdog ended it
    finally:
        stuck.release.set()
        await hub.close()
    assert conn.close_code == protocol.CLOSE_SLOW_CONSUMER and conn.queue.qsize() == 0


async def test_a_burst_bigger_than_the_queue_over_real_tcp_loses_nothing(world: World, port: int) -> None:
    """One change delivering more items than a socket may queue (a withdrawn consent taking
    back hundreds of photos), arriving at once: what the socket takes without waiting goes
    straight to it; what it cannot take is queued, and a queue that overflows closes the
    socket with 4408, after which the client reconnects with its cursor and gets the rest
    (the overflow itself is tested with a stuck socket above). On either stack: every
    item exactly once, in order."""
    harness = world.harness
    broker = harness.rt.extras["hub"].broker
    burst = protocol.MAX_QUEUED_EVENTS + 100
    async with harness.uow() as uow:
        ingrid = await uow.session.scalar(select(User).where(User.email == "ingrid@example.nl"))
        anna = await uow.session.scalar(select(User).where(User.email == "anna@example.nl"))
        assert ingrid is not None and anna is not None
        post = await service.post_to_group(uow, broker, ingrid, world.groups["Rupsjes"], "zwemkleding mee")
    seqs: list[int] = []
    closes: list[int] = []
    async with ws(port, token=world.tokens["anna@example.nl"]) as socket:
        replayed, _ = await socket.until("ready")
        seqs.extend(f["seq"] for f in replayed)
        async with harness.uow() as uow:
            await deliver_many(uow, broker, [({anna.id}, protocol.GROUP_POST_CREATED, post.id)] * burst)
        try:
            while len(seqs) < burst + 1:
                seqs.append((await socket.frame())["seq"])
        except ConnectionClosed as closed:
            assert closed.rcvd is not None
            closes.append(closed.rcvd.code)
    if len(seqs) < burst + 1:
        async with ws(port, token=world.tokens["anna@example.nl"], after=seqs[-1]) as again:
            replayed, _ = await again.until("ready")
            seqs.extend(f["seq"] for f in replayed)
    assert seqs == list(range(1, burst + 2))
    assert all(code == protocol.CLOSE_SLOW_CONSUMER for code in closes)


async def test_progress_frames_never_get_a_socket_dropped_real_events_do(world: World) -> None:
    broker = LocalBroker()
    hub = Hub(broker, world.harness.rt.sessionmaker, metrics=HubMetrics(), max_queued=QUEUE, heartbeat_secs=60)
    conn = await hub.attach(1, StuckSocket(), 0)  # nobody drains its queue
    for percent in range(2 * QUEUE):
        data = json.dumps({"id": 1, "status": "building", "progress": percent})
        await broker.publish(Published(protocol.ARCHIVE_PROGRESS, data, ((1, 0),)))
    assert conn.queue.full() and not conn.dropped  # transient: skipped when there is no room
    await broker.publish(Published(protocol.MESSAGE_CREATED, json.dumps({"id": 1}), ((1, 1),)))
    assert conn.dropped  # a feed event that does not fit still means "resume from your cursor"
    await hub.close()
