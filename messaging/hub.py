"""The node-local WebSocket hub: which sockets belong to which user, and each
socket's pump.

A pump owns everything sent on its socket, in order: the socket is registered
for live events *before* the replay, the feed after the client's cursor is
replayed from the database, ``ready`` is sent, then live events follow. Each live event is
checked against the socket's last ``seq``: already covered (by replay or
another copy) is dropped, the next one is sent, and a jump means something was
missed, so the gap is replayed from the database first. A frame that is next in
order for a socket whose pump is idle (live, nothing queued, nothing being sent or
replayed) skips the queue and the task switch: ``_dispatch`` writes it at once
through the server's ``send_now`` when the socket can take it without waiting
(``schriftje.ws_server``); otherwise it is queued as before. A cursor from the
future, or one too far behind, gets ``reset``. Queues are bounded: a socket
whose queue overflows is dropped with 4408 and never slows the others; so is one
whose send has not gone through for ``protocol.SLOW_SEND_SECS`` (its transport and
the kernel's buffers are full: the peer stopped reading), even when nothing more
is queued for it. The hub
knows nothing of HTTP; a socket is anything with ``send_text`` and ``close``.

Sessions end anywhere (logout on another node, a password change, a deactivated
account, the ``schriftje`` command, a tablet that locked itself): every node looks
every ``SESSION_SWEEP_SECS`` for sessions revoked or expired since its last look
(one indexed query, whatever the number of sockets) and closes their sockets
with 4401, also one still replaying. Every ``SESSION_FULL_CHECK_SWEEPS``-th look
also asks which of its sockets' sessions still exist at all (a purged account's
are deleted, not revoked). A socket also looks at its own session right after it
was registered, so one that ended just before is not missed; that look and the
read of its cursor are made for many new sockets at once (``portal.coalesce``), and
so is the first replay page of those that are behind: a reconnect storm costs a few
queries per few hundred sockets, not a few per socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from messaging import feed, protocol
from messaging.broker.base import Broker, Published
from messaging.entitlement import Viewer, viewer_of, viewers_of
from messaging.mailbox import Mailbox
from messaging.render import Data, frames_for, frames_for_many
from portal.accounts.service import live_sessions, sessions_ended_between
from portal.coalesce import Coalescer
from portal.database import utcnow

log = logging.getLogger(__name__)

REPLAY_PAGE = 500
SESSION_SWEEP_SECS = 1.0  # how often a node looks for sessions that ended
SESSION_SWEEP_OVERLAP = dt.timedelta(seconds=30)
SLOW_CHECK_SECS = 1.0  # how often stuck sends are looked for
SESSION_FULL_CHECK_SWEEPS = 2  # every other look: are the sockets' sessions still there at all


class Socket(Protocol):
    async def send_text(self, data: str) -> None: ...

    async def close(self, code: int) -> None: ...


class HubMetrics:
    """The hub's Prometheus metrics. Deliveries are counted in plain integers on the send
    path and handed to the Prometheus counter in batches (every FLUSH_EVERY frames, and
    whenever the registry is read), and the lag is observed once per published message
    (its first frame sent), not per recipient: no lock per frame."""

    FLUSH_EVERY = 256

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self._delivered = 0
        self._direct = 0
        self._lags: list[float] = []
        self._last_written: float | None = None
        if registry is not None:
            registry.register(_Flusher(self))  # first: collected before the metrics it brings up to date
        self.open_sockets = Gauge("schriftje_ws_open_sockets", "Open WebSocket connections", registry=registry)
        self.delivered = Counter("schriftje_ws_events_delivered_total", "Event frames sent", registry=registry)
        self.sent_directly = Counter(
            "schriftje_ws_events_sent_directly_total",
            "Event frames written straight to an idle socket, without its queue",
            registry=registry,
        )
        self.replayed = Histogram(
            "schriftje_ws_replay_events",
            "Events replayed from the database per replay",
            buckets=(0, 1, 5, 20, 100, 500, 2000, 5000),
            registry=registry,
        )
        self.slow_drops = Counter(
            "schriftje_ws_slow_consumer_drops_total", "Sockets dropped as slow", registry=registry
        )
        self.resets = Counter("schriftje_ws_resets_total", "Reset frames sent", registry=registry)
        self.lag = Histogram(
            "schriftje_ws_event_lag_seconds",
            "From writing new content (inside its transaction) to its first live frame sent by this node",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=registry,
        )

    def count_delivery(self, written_at: float | None, *, direct: bool = False) -> None:
        self._delivered += 1
        self._direct += direct
        if written_at is not None and written_at != self._last_written:
            self._last_written = written_at
            self._lags.append(max(0.0, time.time() - written_at))
        if self._delivered >= self.FLUSH_EVERY or len(self._lags) >= self.FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        if self._delivered:
            self.delivered.inc(self._delivered)
            self._delivered = 0
        if self._direct:
            self.sent_directly.inc(self._direct)
            self._direct = 0
        lags, self._lags = self._lags, []
        for lag in lags:
            self.lag.observe(lag)


class _Flusher(Collector):
    """Yields nothing: reading the registry first brings the batched counts up to date."""

    def __init__(self, metrics: HubMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        self.metrics.flush()
        return iter(())

    def describe(self) -> Iterator[Metric]:
        return iter(())


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name


@dataclass(frozen=True)
class _Transient:
    """A frame outside ``seq`` (progress): sent as it comes, never replayed."""

    frame: str


CATCH_UP = _Marker("catch-up")
PONG = _Marker("pong")
HEARTBEAT_DUE = _Marker("heartbeat")
QueueItem = tuple[int, str, float | None] | _Marker | _Transient


@dataclass(eq=False, slots=True)
class Connection:
    user_id: int
    socket: Socket
    last_seq: int
    queue: Mailbox[QueueItem]
    session_id: int | None = None  # the sign-in it belongs to; ``None``: not checked (tests, tools)
    send_now: Callable[[str], bool] | None = None  # writes a frame at once if the socket can take it
    idle: bool = False  # live, and its pump waits for the next item: nothing of it is in flight
    sending_since: float | None = None  # a send in progress, since (monotonic)
    close_code: int | None = None  # set when the hub ends it: 4408 slow, 4401 signed out
    last_sent: float = field(default_factory=time.monotonic)

    @property
    def dropped(self) -> bool:
        return self.close_code is not None

    def offer(self, item: QueueItem) -> bool:
        """Queue without waiting; False when the socket cannot keep up."""
        if self.dropped:
            return False
        return self.queue.put_nowait(item)


class Hub:
    def __init__(
        self,
        broker: Broker,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        metrics: HubMetrics | None = None,
        heartbeat_secs: float = protocol.HEARTBEAT_SECS,
        max_queued: int = protocol.MAX_QUEUED_EVENTS,
        session_sweep_secs: float = SESSION_SWEEP_SECS,
        slow_send_secs: float = protocol.SLOW_SEND_SECS,
    ) -> None:
        self.broker = broker
        self.sessionmaker = sessionmaker
        self.metrics = metrics or HubMetrics()
        self.heartbeat_secs = heartbeat_secs
        self.max_queued = max_queued
        self.session_sweep_secs = session_sweep_secs
        self.slow_send_secs = slow_send_secs
        self._sweeper: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._by_user: dict[int, set[Connection]] = {}
        self._by_session: dict[int, set[Connection]] = {}
        self._pumps: dict[Connection, asyncio.Task[None]] = {}
        self._ticker: asyncio.Task[None] | None = None
        # a reconnect storm (a node restart): the new sockets' sessions and cursors are
        # looked up many at a time, and the rest wait here, not in the connection pool
        self._cursors: Coalescer[Connection, int | None] = Coalescer(
            self._current_seqs, max_batch=protocol.HANDSHAKE_BATCH_MAX, concurrency=protocol.HANDSHAKE_BATCHES
        )
        self._first_pages: Coalescer[Connection, tuple[list[Data], bool]] = Coalescer(
            self._replay_first_pages, max_batch=protocol.HANDSHAKE_BATCH_MAX, concurrency=protocol.HANDSHAKE_BATCHES
        )
        broker.on_message(self._dispatch)
        broker.on_reconnect(self.catch_up_all)

    @property
    def cursor_batches(self) -> int:
        """How many batches of new sockets' sessions and cursors were looked up so far."""
        return self._cursors.batches

    async def attach(
        self,
        user_id: int,
        socket: Socket,
        after: int,
        session_id: int | None = None,
        *,
        send_now: Callable[[str], bool] | None = None,
    ) -> Connection:
        """Register a socket before its replay: live events that arrive meanwhile are queued,
        so nothing falls between the replay and the live stream. ``send_now`` (from the
        server, when it offers one) lets the next frame of an idle socket skip its queue."""
        conn = Connection(user_id, socket, max(0, after), Mailbox(self.max_queued), session_id, send_now)
        if self._ticker is None:
            self._ticker = asyncio.create_task(self._heartbeats(), name="hub-heartbeats")
            self._watchdog = asyncio.create_task(self._watch_sends(), name="hub-send-watchdog")
        if self._sweeper is None and session_id is not None:
            self._sweeper = asyncio.create_task(self._sweep_sessions(), name="hub-session-sweep")
        self._by_user.setdefault(user_id, set()).add(conn)
        if session_id is not None:
            self._by_session.setdefault(session_id, set()).add(conn)
        self.metrics.open_sockets.inc()
        return conn

    async def detach(self, conn: Connection) -> None:
        peers = self._by_user.get(conn.user_id)
        if peers is None or conn not in peers:
            return
        peers.discard(conn)
        self.metrics.open_sockets.dec()
        if not peers:
            del self._by_user[conn.user_id]
        if conn.session_id is not None and (same := self._by_session.get(conn.session_id)) is not None:
            same.discard(conn)
            if not same:
                del self._by_session[conn.session_id]

    async def run(self, conn: Connection, requested_after: int) -> None:
        """The pump: replay after the cursor, ``ready``, then live events until cancelled."""
        self._pumps[conn] = asyncio.current_task()  # type: ignore[assignment]
        try:
            await self._initial_sync(conn, requested_after)
            while not conn.dropped:  # no timer per get: heartbeats come from one hub-wide ticker
                conn.idle = True  # from here until it has its next item, _dispatch may write directly
                item = await conn.queue.get()
                conn.idle = False
                await self._handle(conn, item)
        finally:
            conn.idle = False
            self._pumps.pop(conn, None)

    async def _initial_sync(self, conn: Connection, after: int) -> None:
        # registered before this look: a session that ends after it is found by the sweep,
        # and an event committed after it reaches the socket's queue
        current = await self._cursors(conn)
        if current is None:  # its session ended just before
            self.end(conn, protocol.CLOSE_UNAUTHENTICATED)
            return
        if after > current or current - after > protocol.REPLAY_LIMIT:
            self.metrics.resets.inc()
            conn.last_seq = current
            reason = "cursor_ahead" if after > current else "cursor_too_old"
            await self._send(conn, json.dumps({"type": protocol.RESET, "seq": current, "reason": reason}))
        else:
            conn.last_seq = after
            if after < current:
                frames, more = await self._first_pages(conn)  # batched with other sockets behind
                for frame in frames:
                    await self._send(conn, json.dumps(frame))
                    conn.last_seq = frame["seq"]
                if more:
                    await self._replay(conn, replayed=len(frames))
                else:
                    self.metrics.replayed.observe(len(frames))
                    self.metrics.delivered.inc(len(frames))
            else:  # up to date (most sockets after a node restart): nothing to read
                self.metrics.replayed.observe(0)
        await self._send(conn, json.dumps({"type": protocol.READY, "seq": conn.last_seq}))

    async def _replay_first_pages(self, conns: Sequence[Connection]) -> list[tuple[list[Data], bool]]:
        """For a batch of new sockets that are behind: each one's first replay page as
        frames (what its user may no longer see withheld), and whether there is more.
        One query for the items, one set for the users' viewers, one render, whatever
        the number of sockets; a socket with more than a page replays the rest itself."""
        lowest: dict[int, int] = {}
        for conn in conns:
            lowest[conn.user_id] = min(lowest.get(conn.user_id, conn.last_seq), conn.last_seq)
        async with self.sessionmaker() as session:
            pages = await feed.pages_after(session, lowest, REPLAY_PAGE)
            visible = await frames_for_many(session, pages, await viewers_of(session, list(pages))) if pages else {}
        return [
            (
                [frame for frame in visible.get(conn.user_id, []) if frame["seq"] > conn.last_seq],
                len(pages.get(conn.user_id, ())) == REPLAY_PAGE,
            )
            for conn in conns
        ]

    async def _current_seqs(self, conns: Sequence[Connection]) -> list[int | None]:
        """For a batch of new sockets: each one's user's last ``seq``, or ``None`` when its
        session has ended. Two queries for the whole batch."""
        session_ids = {conn.session_id for conn in conns if conn.session_id is not None}
        async with self.sessionmaker() as session:
            live = await live_sessions(session, session_ids) if session_ids else set()
            seqs = await feed.last_seqs(session, {conn.user_id for conn in conns})
        return [
            None if conn.session_id is not None and conn.session_id not in live else seqs[conn.user_id]
            for conn in conns
        ]

    async def _handle(self, conn: Connection, item: QueueItem) -> None:
        if item is CATCH_UP:
            await self._replay(conn)
            return
        if item is PONG:
            await self._send(conn, json.dumps({"type": protocol.PONG}))
            return
        if item is HEARTBEAT_DUE:
            if time.monotonic() - conn.last_sent >= self.heartbeat_secs:
                await self._send(conn, json.dumps({"type": protocol.HEARTBEAT}))
            return
        if isinstance(item, _Transient):
            await self._send(conn, item.frame)
            return
        assert isinstance(item, tuple)
        seq, payload, written_at = item
        if seq <= conn.last_seq:
            return  # covered by replay, or a second copy
        if seq > conn.last_seq + 1:
            await self._replay(conn)  # we missed something: the database has it
            return
        await self._send(conn, payload)
        conn.last_seq = seq
        self.metrics.count_delivery(written_at)

    async def _replay(self, conn: Connection, replayed: int = 0) -> None:
        """Replay from the database after ``conn.last_seq`` (``replayed``: frames of this
        replay already sent)."""
        viewer: Viewer | None = None  # what the user may see now; read once, and only if anything is replayed
        while True:
            async with self.sessionmaker() as session:
                items = await feed.items_after(session, conn.user_id, conn.last_seq, REPLAY_PAGE)
                if items and viewer is None:
                    viewer = await viewer_of(session, conn.user_id)
                frames = await frames_for(session, items, viewer) if viewer is not None else []
            for frame in frames:
                await self._send(conn, json.dumps(frame))
                conn.last_seq = frame["seq"]
            replayed += len(frames)
            if len(items) < REPLAY_PAGE:
                break
        self.metrics.replayed.observe(replayed)
        self.metrics.delivered.inc(replayed)

    @staticmethod
    async def _send(conn: Connection, text: str) -> None:
        conn.sending_since = time.monotonic()  # no timer per send: the watchdog looks once a second
        await conn.socket.send_text(text)
        conn.last_sent, conn.sending_since = time.monotonic(), None

    async def _watch_sends(self) -> None:
        """Every second: drop (4408) sockets whose send is stuck for SLOW_SEND_SECS."""
        while True:
            await asyncio.sleep(SLOW_CHECK_SECS)
            stuck_since = time.monotonic() - self.slow_send_secs
            for peers in list(self._by_user.values()):
                for conn in list(peers):
                    if conn.sending_since is not None and conn.sending_since < stuck_since:
                        self.drop_slow(conn)

    async def _heartbeats(self) -> None:
        """Every HEARTBEAT_SECS, ask each socket that sent nothing for that long to send a heartbeat."""
        while True:
            await asyncio.sleep(self.heartbeat_secs)
            due = time.monotonic() - self.heartbeat_secs
            for peers in list(self._by_user.values()):
                for conn in list(peers):
                    if conn.last_sent <= due and not conn.offer(HEARTBEAT_DUE):
                        self.drop_slow(conn)

    def _dispatch(self, message: Published) -> None:
        """Broker callback: each recipient with sockets on this node gets its frame queued.

        The frame is built by formatting around the data's JSON, once per recipient,
        with no JSON work per recipient."""
        by_user = self._by_user
        local = [(user_id, seq) for user_id, seq in message.recipients if user_id in by_user]
        if not local:
            return
        head = (
            '{"type": '
            + json.dumps(protocol.frame_type(message.kind))
            + ', "kind": '
            + json.dumps(message.kind)
            + ', "data": '
            + message.data_json
        )
        if message.kind in protocol.TRANSIENT_KINDS:
            transient = _Transient(head + "}")
            for user_id, _ in local:
                for conn in list(by_user.get(user_id, ())):
                    conn.offer(transient)  # a full queue skips it: the next one, or HTTP, tells the same
            return
        head += ', "seq": '
        written_at = _written_at(message)
        metrics = self.metrics
        now = time.monotonic()
        for user_id, seq in local:
            frame = f"{head}{seq}}}"
            for conn in list(by_user.get(user_id, ())):
                # next in order on an idle socket (nothing queued, nothing being sent or
                # replayed, not ended): straight to the socket, without a task switch
                if (
                    conn.idle
                    and seq == conn.last_seq + 1
                    and conn.send_now is not None
                    and not conn.queue.qsize()
                    and conn.close_code is None
                    and conn.send_now(frame)
                ):
                    conn.last_seq, conn.last_sent = seq, now
                    metrics.count_delivery(written_at, direct=True)
                elif not conn.offer((seq, frame, written_at)):
                    self.drop_slow(conn)

    def ping(self, conn: Connection) -> None:
        if not conn.offer(PONG):
            self.drop_slow(conn)

    def drop_slow(self, conn: Connection) -> None:
        """Stop feeding a socket that does not keep up; it resumes later from its cursor."""
        if conn.dropped:
            return
        self.metrics.slow_drops.inc()
        log.info("slow consumer dropped", extra={"user_id": conn.user_id})
        self.end(conn, protocol.CLOSE_SLOW_CONSUMER)

    def end(self, conn: Connection, code: int) -> None:
        """Stop the socket's pump now (also mid-replay); its endpoint closes it with ``code``."""
        if conn.dropped:
            return
        conn.close_code = code
        pump = self._pumps.get(conn)
        if pump is not None and pump is not asyncio.current_task():  # the pump itself stops after its step
            pump.cancel()

    async def _sweep_sessions(self) -> None:
        """Every SESSION_SWEEP_SECS: close the sockets of sessions that ended since the last look."""
        since = utcnow() - SESSION_SWEEP_OVERLAP
        for sweep in itertools.count(1):
            await asyncio.sleep(self.session_sweep_secs)
            now = utcnow()
            try:
                async with self.sessionmaker() as session:
                    ended = await sessions_ended_between(session, since, now)
                    if sweep % SESSION_FULL_CHECK_SWEEPS == 0:
                        held = set(self._by_session)
                        ended |= held - await live_sessions(session, held)
            except Exception:  # the database is away for a moment: the next look covers this one
                log.warning("could not look for ended sessions; will look again", exc_info=True)
                continue
            since = now - SESSION_SWEEP_OVERLAP  # clocks of nodes differ a little: look back a bit
            if ended:
                self.end_sessions(ended)

    def end_sessions(self, session_ids: set[int]) -> None:
        """Close (4401) the sockets this node holds for these sessions."""
        for session_id in session_ids & self._by_session.keys():
            for conn in list(self._by_session[session_id]):
                if not conn.dropped:
                    log.info("socket closed: its session ended", extra={"user_id": conn.user_id})
                    self.end(conn, protocol.CLOSE_UNAUTHENTICATED)

    async def catch_up_all(self) -> None:
        """After a broker outage: every socket replays what it may have missed."""
        for peers in list(self._by_user.values()):
            for conn in list(peers):
                if not conn.offer(CATCH_UP):
                    self.drop_slow(conn)

    async def close(self) -> None:
        for task in (self._ticker, self._sweeper, self._watchdog):
            if task is not None:
                task.cancel()
        for pump in list(self._pumps.values()):
            pump.cancel()


def _written_at(message: Published) -> float | None:
    """When new content was written (``created_at`` of a ``.created`` item), as a timestamp."""
    if not message.kind.endswith(".created"):
        return None
    try:
        return dt.datetime.fromisoformat(str(json.loads(message.data_json)["created_at"])).timestamp()
    except (KeyError, ValueError, TypeError):
        return None


async def close_quietly(socket: Socket, code: int, within_secs: float) -> None:
    """Send a close frame if the socket takes it within ``within_secs``; never raise."""
    with contextlib.suppress(Exception):
        async with asyncio.timeout(within_secs):
            await socket.close(code)
