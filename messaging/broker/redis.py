"""The Redis pub/sub broker: every node publishes to and reads one channel
(``<prefix>:feed``); each message is one written item for all its recipients.

A reader task hands messages to the hub. When Redis goes away the reader
retries with jittered backoff, subscribes again once Redis is back, and then
calls the reconnect handler so the hub replays from the database what its
sockets may have missed. Publishing while Redis is down logs and returns: the
items are committed already and reach clients through replay.
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

from messaging.broker.base import Handler, Published, ReconnectHandler

log = logging.getLogger(__name__)

BACKOFF_START_SECS = 0.05
BACKOFF_MAX_SECS = 2.0


class RedisBroker:
    name = "redis"

    def __init__(self, url: str, prefix: str) -> None:
        self._redis = Redis.from_url(url, socket_connect_timeout=2, health_check_interval=10)
        self.channel = f"{prefix}:feed"
        self._pubsub: PubSub | None = None
        self._handler: Handler | None = None
        self._reconnect: ReconnectHandler | None = None
        self._reader: asyncio.Task[None] | None = None

    async def publish(self, message: Published) -> None:
        try:
            await self._redis.publish(self.channel, message.encode())
        except RedisError as exc:
            log.warning("publish failed; clients catch up by replay", extra={"error": type(exc).__name__})

    def on_message(self, handler: Handler) -> None:
        self._handler = handler

    def on_reconnect(self, handler: ReconnectHandler) -> None:
        self._reconnect = handler

    async def start(self) -> None:
        await self._connect()
        self._reader = asyncio.create_task(self._read_forever(), name="redis-broker-reader")

    async def _connect(self) -> None:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self.channel)
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
            try:
                published = Published.decode(message["data"])
            except (ValueError, KeyError, TypeError):
                log.warning("malformed broker message ignored")
                continue
            self._handler(published)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        await self._redis.aclose()
