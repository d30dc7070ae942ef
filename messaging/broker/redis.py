"""The Redis pub/sub broker: one channel per user (``<prefix>:feed:<user id>``).

A reader task delivers messages to the hub. When Redis goes away the reader
retries with backoff, resubscribes every channel once Redis is back, and then
calls the reconnect handler so the hub replays from the database what its
sockets may have missed. Publishing while Redis is down logs and returns: the
events are committed already and reach clients through replay.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from messaging.broker.base import Handler, ReconnectHandler

log = logging.getLogger(__name__)

BACKOFF_START_SECS = 0.05
BACKOFF_MAX_SECS = 2.0


class RedisBroker:
    name = "redis"

    def __init__(self, url: str, prefix: str) -> None:
        self._redis = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=10)
        self._prefix = f"{prefix}:feed:"
        self._control = f"{prefix}:broker"
        self._subscribed: set[int] = set()
        self._pubsub: PubSub | None = None
        self._handler: Handler | None = None
        self._reconnect: ReconnectHandler | None = None
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def channel(self, user_id: int) -> str:
        return f"{self._prefix}{user_id}"

    async def publish(self, messages: list[tuple[int, str]]) -> None:
        if not messages:
            return
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for user_id, payload in messages:
                    pipe.publish(self.channel(user_id), payload)
                await pipe.execute()
        except RedisError as exc:
            log.warning("publish failed; clients catch up by replay", extra={"error": type(exc).__name__})

    async def subscribe(self, user_id: int) -> None:
        async with self._lock:
            self._subscribed.add(user_id)
            if self._pubsub is not None:
                with contextlib.suppress(RedisError):
                    await self._pubsub.subscribe(self.channel(user_id))

    async def unsubscribe(self, user_id: int) -> None:
        async with self._lock:
            self._subscribed.discard(user_id)
            if self._pubsub is not None:
                with contextlib.suppress(RedisError):
                    await self._pubsub.unsubscribe(self.channel(user_id))

    def on_message(self, handler: Handler) -> None:
        self._handler = handler

    def on_reconnect(self, handler: ReconnectHandler) -> None:
        self._reconnect = handler

    async def start(self) -> None:
        await self._connect()
        self._reader = asyncio.create_task(self._read_forever(), name="redis-broker-reader")

    async def _connect(self) -> None:
        async with self._lock:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            await pubsub.subscribe(self._control, *(self.channel(u) for u in self._subscribed))
            old, self._pubsub = self._pubsub, pubsub
        if old is not None:
            with contextlib.suppress(Exception):
                await old.aclose()  # type: ignore[no-untyped-call]

    async def _read_forever(self) -> None:
        delay = BACKOFF_START_SECS
        while True:
            try:
                assert self._pubsub is not None
                # timeout=None blocks without arming a timer per call (a measurable cost at
                # thousands of messages a second); a dead connection still raises
                message = await self._pubsub.get_message(timeout=None)
                delay = BACKOFF_START_SECS
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                log.warning("redis broker lost its connection; retrying", extra={"error": type(exc).__name__})
                await asyncio.sleep(delay * (1 + random.random()))  # noqa: S311 (jitter)
                delay = min(delay * 2, BACKOFF_MAX_SECS)
                try:
                    await self._connect()
                except (RedisError, OSError):
                    continue
                log.info("redis broker reconnected")
                if self._reconnect is not None:
                    await self._reconnect()
                continue
            if message is None or message.get("type") != "message" or self._handler is None:
                continue
            channel = message["channel"].decode()
            if channel.startswith(self._prefix):
                self._handler(int(channel[len(self._prefix) :]), message["data"].decode())

    async def ping(self) -> str:
        await self._redis.ping()
        return self.name

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        await self._redis.aclose()
