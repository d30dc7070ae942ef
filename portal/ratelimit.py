"""Fixed-window rate limits behind one seam: in-process for the embedded default,
Redis for several ``serve`` nodes (so a limit holds across the whole cluster).

Used for login attempts per account and per client IP. ``hit`` counts one
attempt and says how long to wait if the limit is exceeded; ``reset`` clears a
key (after a successful login). With Redis, ``FallbackRateLimiter`` keeps the
limits while Redis is away by counting in the process (each node on its own):
logging in keeps working, never unlimited and never locked for everyone, and
the switch is logged once each way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
T = TypeVar("T")


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window_secs: int) -> int:
        """Count one attempt; 0 if allowed, else seconds until the window ends."""

    async def blocked_for(self, key: str, limit: int) -> int:
        """Seconds until ``key`` may try again without counting an attempt (0 = allowed)."""

    async def reset(self, key: str) -> None: ...


class MemoryRateLimiter:
    """Single-process limiter: ``{key: (window_end, count)}``, pruned as it goes."""

    def __init__(self) -> None:
        self._windows: dict[str, tuple[float, int]] = {}
        self._now = time.monotonic

    async def hit(self, key: str, limit: int, window_secs: int) -> int:
        now = self._now()
        end, count = self._windows.get(key, (0.0, 0))
        if end <= now:
            end, count = now + window_secs, 0
        count += 1
        self._windows[key] = (end, count)
        if len(self._windows) > 100_000:
            self._prune(now)
        return 0 if count <= limit else max(1, int(end - now))

    async def blocked_for(self, key: str, limit: int) -> int:
        now = self._now()
        end, count = self._windows.get(key, (0.0, 0))
        return max(1, int(end - now)) if end > now and count >= limit else 0

    async def reset(self, key: str) -> None:
        self._windows.pop(key, None)

    def _prune(self, now: float) -> None:
        self._windows = {k: v for k, v in self._windows.items() if v[0] > now}


class RedisRateLimiter:
    """Shared limiter: ``INCR`` + ``EXPIRE`` on ``<prefix>:rl:<key>`` in one round trip."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = f"{prefix}:rl:"

    async def hit(self, key: str, limit: int, window_secs: int) -> int:
        name = self._prefix + key
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window_secs, nx=True)
            pipe.ttl(name)
            count, _, ttl = await pipe.execute()
        return 0 if int(count) <= limit else max(1, int(ttl))

    async def blocked_for(self, key: str, limit: int) -> int:
        name = self._prefix + key
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(name)
            pipe.ttl(name)
            count, ttl = await pipe.execute()
        return max(1, int(ttl)) if count is not None and int(count) >= limit else 0

    async def reset(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)


class FallbackRateLimiter:
    """``primary`` (Redis) while it answers; ``fallback`` (this process) while it does not."""

    def __init__(self, primary: RateLimiter, fallback: RateLimiter) -> None:
        self.primary, self.fallback = primary, fallback
        self.degraded = False

    async def _either(self, call: Callable[[RateLimiter], Awaitable[T]]) -> T:
        try:
            result = await call(self.primary)
        except (RedisError, OSError) as exc:
            if not self.degraded:
                log.warning(
                    "rate limits: redis is not reachable; counting in this process until it is back",
                    extra={"error": type(exc).__name__},
                )
                self.degraded = True
            return await call(self.fallback)
        if self.degraded:
            log.info("rate limits: counting in redis again")
            self.degraded = False
        return result

    async def hit(self, key: str, limit: int, window_secs: int) -> int:
        return await self._either(lambda limiter: limiter.hit(key, limit, window_secs))

    async def blocked_for(self, key: str, limit: int) -> int:
        return await self._either(lambda limiter: limiter.blocked_for(key, limit))

    async def reset(self, key: str) -> None:
        await self._either(lambda limiter: limiter.reset(key))
