"""The hub's direct send: a frame that is next in order on an idle socket is written
straight to it (the server's ``send_now``); anything else goes through the socket's
queue and its pump. Switching between the two must never reorder, repeat or lose a
frame: when the socket's buffer fills, when the pump is replaying, after a gap."""

from __future__ import annotations

import asyncio
import json

from messaging import protocol
from messaging.broker import LocalBroker, Published
from messaging.hub import Hub, HubMetrics
from tests.messaging.conftest import World, ws
from tests.messaging.test_slow_consumer import ReadingSocket


class Wire(ReadingSocket):
    """One socket's bytes as the client would read them, whichever path wrote them;
    ``room``: how many more frames its buffer takes without waiting (None: any)."""

    def __init__(self, room: int | None = None) -> None:
        super().__init__()
        self.room = room
        self.direct = 0
        self.loop = asyncio.get_running_loop()

    def send_now(self, text: str) -> bool:
        if self.room is not None:
            if self.room == 0:
                return False
            self.room -= 1
        self.direct += 1
        self.loop.create_task(ReadingSocket.send_text(self, text))  # recorded in write order
        return True


def event(seq: int, user: int = 1) -> Published:
    return Published(protocol.MESSAGE_CREATED, json.dumps({"id": seq}), ((user, seq),))


async def started(hub: Hub, wire: Wire, after: int = 0) -> asyncio.Task[None]:
    conn = await hub.attach(1, wire, after, send_now=wire.send_now)
    pump = asyncio.create_task(hub.run(conn, after))
    await wire.ready.wait()
    return pump


async def test_frames_of_an_idle_socket_skip_the_queue_then_queue_once_its_buffer_is_full(world: World) -> None:
    broker = LocalBroker()
    hub = Hub(broker, world.harness.rt.sessionmaker, metrics=HubMetrics(), heartbeat_secs=60)
    wire = Wire(room=5)
    pump = await started(hub, wire)
    try:
        async with asyncio.timeout(20):
            for seq in range(1, 21):
                await broker.publish(event(seq))
            await wire.reached(20)
    finally:
        pump.cancel()
        await hub.close()
    assert wire.seqs == list(range(1, 21))  # in order, once: 5 written directly, 15 through the queue
    assert wire.direct == 5


async def test_nothing_is_written_directly_while_the_pump_replays(world: World, port: int) -> None:
    """A socket that connects behind is replayed from the database; live frames that
    arrive meanwhile wait for the replay (queued), and only then go direct."""
    hub: Hub = world.harness.rt.extras["hub"]
    path = f"/api/children/{world.children['Noor']}/messages"
    for i in range(3):
        assert (await world.post("ingrid@example.nl", path, {"body": f"eerder {i}"})).status_code == 201
    async with ws(port, token=world.tokens["anna@example.nl"], after=0) as socket:
        replayed, ready = await socket.until("ready")
        hub.metrics.flush()
        before = hub.metrics.sent_directly._value.get()
        for i in range(4):
            assert (await world.post("ingrid@example.nl", path, {"body": f"live {i}"})).status_code == 201
        live = await socket.events(4)
    assert [f["seq"] for f in replayed] == [1, 2, 3] and ready["seq"] == 3
    assert [f["seq"] for f in live] == [4, 5, 6, 7]
    assert [f["data"]["body"] for f in live] == [f"live {i}" for i in range(4)]
    # uvicorn offered send_now (schriftje.ws_server): the live frames went straight to the socket
    hub.metrics.flush()
    assert hub.metrics.sent_directly._value.get() - before == 4


async def test_a_gap_goes_through_the_pump_which_replays_it(world: World) -> None:
    broker = LocalBroker()
    hub = Hub(broker, world.harness.rt.sessionmaker, metrics=HubMetrics(), heartbeat_secs=60)
    wire = Wire()
    pump = await started(hub, wire)
    try:
        async with asyncio.timeout(20):
            await broker.publish(event(1))
            await broker.publish(event(1))  # a second copy (another node, a retried publish)
            await wire.reached(1)
            # seq 2 never arrives (this user has no feed rows to replay it from): seq 3 must
            # not be written directly past the gap; the pump takes it and looks for 2 first
            await broker.publish(event(3))  # dispatched before publish returns (in-process broker)
    finally:
        pump.cancel()
        await hub.close()
    assert wire.seqs[:1] == [1] and wire.seqs.count(1) == 1
    assert wire.direct == 1
