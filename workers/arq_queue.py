"""The production queue: jobs go to arq on Redis and any ``schriftje worker`` runs them.

arq keys a job's state and result by job id alone (``arq:job:<id>``), not by
queue, so job ids are namespaced with the Redis prefix: two installations (or
test runs) sharing one Redis never swallow each other's jobs as duplicates. A job
without an id of ours gets a random one under the prefix too, so every job key but
the worker's cron runs (``arq:job:cron:…``) names its installation.
"""

from __future__ import annotations

import uuid

from arq.connections import ArqRedis, RedisSettings

from workers.queues import queue_for, queue_name

# arq connects with a 1 s timeout by default; on a busy node (or an event loop busy
# with other work) a new connection to Redis can take longer, and a failed connect
# inside arq's job bookkeeping stops the worker with jobs marked in progress.
REDIS_CONNECT_TIMEOUT_SECS = 10


def redis_settings(url: str) -> RedisSettings:
    """arq's connection settings for ``url``, with a connect timeout that tolerates load."""
    settings = RedisSettings.from_dsn(url)
    settings.conn_timeout = REDIS_CONNECT_TIMEOUT_SECS
    return settings


class ArqQueue:
    def __init__(self, pool: ArqRedis, prefix: str) -> None:
        self._pool = pool
        self.prefix = prefix
        self.queue_name = queue_name(prefix)

    async def enqueue(self, name: str, *args: object, job_id: str | None = None, defer: float = 0) -> None:
        namespaced = f"{self.prefix}:{job_id or uuid.uuid4().hex}"
        await self._pool.enqueue_job(
            name, *args, _job_id=namespaced, _queue_name=queue_for(self.prefix, name), _defer_by=defer or None
        )

    async def pending(self, job_id: str) -> bool:
        """arq keeps ``arq:job:<id>`` from enqueue until the job is done."""
        return bool(await self._pool.exists(f"arq:job:{self.prefix}:{job_id}"))

    async def close(self) -> None:
        await self._pool.aclose()
