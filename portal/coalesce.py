"""Coalescing concurrent look-ups into batches: callers ask for one key each and
wait; the keys that arrive while a batch is in the database go together in the
next one (the DataLoader pattern, but batched by what is waiting rather than by
event-loop tick, so a flood of requests becomes a few large queries and a lone
request is served at once).

At most ``concurrency`` batches run at a time, each of at most ``max_batch``
keys; the rest wait in line here, not in the connection pool. A batch that fails
fails each of its callers with the same exception; a caller that gives up
(cancelled) leaves the batch it was in running for the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K")
R = TypeVar("R")


class Coalescer(Generic[K, R]):
    def __init__(
        self,
        run: Callable[[Sequence[K]], Awaitable[Sequence[R]]],
        *,
        max_batch: int = 500,
        concurrency: int = 2,
    ) -> None:
        """``run`` gets the keys of one batch and returns one result per key, in order."""
        self._run = run
        self.max_batch = max_batch
        self.concurrency = concurrency
        self._waiting: list[tuple[K, asyncio.Future[R]]] = []
        self._running = 0
        self._drains: set[asyncio.Task[None]] = set()  # held: the loop keeps only weak references
        self.batches = 0  # how many batches ran (for tests and metrics)

    async def __call__(self, key: K) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((key, future))
        if self._running < self.concurrency:
            self._running += 1
            drain = asyncio.get_running_loop().create_task(self._drain())  # next loop turn: same-turn keys join
            self._drains.add(drain)
            drain.add_done_callback(self._drains.discard)
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[: self.max_batch], self._waiting[self.max_batch :]
                batch = [(key, future) for key, future in batch if not future.done()]
                if batch:
                    await self._serve(batch)
        finally:
            self._running -= 1

    async def _serve(self, batch: list[tuple[K, asyncio.Future[R]]]) -> None:
        self.batches += 1
        try:
            results = await self._run([key for key, _ in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"a batch of {len(batch)} keys returned {len(results)} results")
        except Exception as error:
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
