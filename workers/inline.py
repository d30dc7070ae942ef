"""The embedded default's queue: runs the very job functions arq runs, in-process,
as background tasks after the enqueueing transaction committed.

A job that raises arq's ``Retry`` runs again after its delay, up to
``MAX_TRIES``, with ``job_try`` counting up as under arq. ``drain()`` waits
until every queued job (and jobs they enqueued) finished; the CLI calls it
before exiting and tests use it as their barrier. A job id that
is queued or running is not queued again, like arq.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from arq import Retry

from workers.context import JobContext
from workers.jobs import FUNCTIONS, MAX_TRIES, JobFunction, is_transient

log = logging.getLogger(__name__)


class InlineQueue:
    def __init__(self, ctx: JobContext, functions: dict[str, JobFunction] | None = None) -> None:
        self._ctx: JobContext = {**ctx, "queue": self}
        self._functions = functions or FUNCTIONS
        self._tasks: dict[str, asyncio.Task[Any]] = {}

    def share(self, parts: JobContext) -> None:
        """Add parts built after the queue (the broker that hands deliveries to notify needs the queue)."""
        self._ctx = {**self._ctx, **parts}

    async def enqueue(self, name: str, *args: object, job_id: str | None = None, defer: float = 0) -> None:
        function = self._functions[name]  # an unknown name is a programming error: fail loudly
        key = job_id or uuid.uuid4().hex
        if key in self._tasks:
            return
        ctx: JobContext = {**self._ctx, "job_id": key, "job_try": 1}
        self._tasks[key] = asyncio.create_task(self._run(key, name, function, ctx, args, defer))

    async def _run(
        self,
        key: str,
        name: str,
        function: JobFunction,
        ctx: JobContext,
        args: tuple[object, ...],
        defer: float = 0,
    ) -> None:
        try:
            if defer:
                await asyncio.sleep(defer)
            for job_try in range(1, MAX_TRIES + 1):
                try:
                    await function({**ctx, "job_try": job_try}, *args)
                    return
                except Retry as retry:
                    if job_try == MAX_TRIES:
                        raise
                    await asyncio.sleep(retry.defer_score / 1000 if retry.defer_score else 0)
        except Exception as exc:
            if is_transient(exc):  # the database or storage is away: one line, the next run tries again
                log.warning("inline job could not reach a backend", extra={"job": name, "error": type(exc).__name__})
            else:
                log.exception("inline job failed", extra={"job": name})
        finally:
            self._tasks.pop(key, None)

    async def pending(self, job_id: str) -> bool:
        return job_id in self._tasks

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def close(self) -> None:
        await self.drain()
