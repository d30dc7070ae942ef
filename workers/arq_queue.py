"""The production queue: jobs go to arq on Redis and any ``schriftje worker`` runs them."""

from __future__ import annotations

from arq.connections import ArqRedis


class ArqQueue:
    def __init__(self, pool: ArqRedis, queue_name: str) -> None:
        self._pool = pool
        self.queue_name = queue_name

    async def enqueue(
        self, name: str, *args: object, job_id: str | None = None
    ) -> None:
        await self._pool.enqueue_job(
            name, *args, _job_id=job_id, _queue_name=self.queue_name
        )

    async def close(self) -> None:
        await self._pool.aclose()


def queue_name(prefix: str) -> str:
    return f"{prefix}:queue"
