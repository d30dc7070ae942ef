"""The arq workers behind ``schriftje worker``: job functions, Redis, queues and
startup/shutdown from the settings.

One process runs three arq workers: one for the quick jobs (photos, mail, the
sweeper), one for the long ones (``workers.queues.LONG_JOBS``) and one for clip
transcodes (``CLIP_JOBS``, one at a time), because arq holds the jobs of a worker
that died for the longest timeout among its functions plus 10 s: a killed worker
keeps a photo for about a minute, not for an archive's six hours or a clip's five
minutes. ``run`` keeps both going through Redis outages (reconnecting
with backoff, logging once per change, writing its state to a health file for
``schriftje worker --health``). Tests build the same workers in burst mode
(``burst``) and use them as their barrier.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from arq import cron, func
from arq.connections import create_pool
from arq.worker import Worker
from redis.asyncio import Redis
from redis.exceptions import RedisError

if TYPE_CHECKING:
    from arq.typing import WorkerCoroutine

from messaging.retention import RETENTION
from notify.trigger import NOTIFY_SWEEP
from planning.housekeeping import PLANNING_SWEEP
from portal.settings import Settings
from workers.arq_queue import ArqQueue, redis_settings
from workers.context import shutdown, startup
from workers.jobs import FUNCTIONS, MAX_TRIES, SWEEP_EVERY_SECS, SWEEP_PHOTOS, timeout_secs
from workers.queues import CLIP_JOBS, LONG_JOBS, all_queue_names, clip_queue_name, long_queue_name, queue_name

log = logging.getLogger(__name__)

RETENTION_MINUTE = 17  # past every hour
BURST_ROUNDS = 20  # a barrier runs both queues again while jobs enqueue more jobs
RECONNECT_FIRST_SECS = 0.5
RECONNECT_MAX_SECS = 5.0  # a ping every few seconds costs nothing; a photo waits at most this after Redis is back
HEALTH_EVERY_SECS = 5.0
HEALTH_STALE_SECS = 30.0


def _functions(settings: Settings, names: list[str]) -> list[Any]:
    return [
        func(
            cast("WorkerCoroutine", FUNCTIONS[name]),
            name=name,
            timeout=timeout_secs(name, settings),
            max_tries=MAX_TRIES,
        )
        for name in names
    ]


def build_workers(settings: Settings, *, burst: bool = False, **overrides: Any) -> list[Worker]:
    """The quick worker, the long worker and the clip worker for these settings."""
    if not settings.redis_url:
        raise RuntimeError("schriftje worker needs SCHRIFTJE_REDIS_URL; the embedded default runs jobs in-process.")
    quick_names = [name for name in FUNCTIONS if name not in LONG_JOBS and name not in CLIP_JOBS]
    common: dict[str, Any] = {
        "redis_settings": redis_settings(settings.redis_url),
        "on_startup": startup,
        "on_shutdown": shutdown,
        "ctx": {"settings": settings},
        "burst": burst,
        "handle_signals": not burst,
        **overrides,
    }
    seconds = set(range(0, 60, SWEEP_EVERY_SECS))
    quick = Worker(
        functions=_functions(settings, quick_names),
        # photos whose hand-off was lost (Redis away, a worker killed) are found and handed off again
        cron_jobs=[]
        if burst
        else [
            cron(
                cast("WorkerCoroutine", FUNCTIONS[SWEEP_PHOTOS]),
                name=SWEEP_PHOTOS,
                second=seconds,
                unique=True,
                timeout=timeout_secs(SWEEP_PHOTOS, settings),
            ),
            # pushes a lost trigger or quiet hours left, and the daily digests
            cron(
                cast("WorkerCoroutine", FUNCTIONS[NOTIFY_SWEEP]),
                name=NOTIFY_SWEEP,
                second={30},
                unique=True,
                timeout=timeout_secs(NOTIFY_SWEEP, settings),
            ),
            # credit earned and expired, the wait list given places that freed up
            cron(
                cast("WorkerCoroutine", FUNCTIONS[PLANNING_SWEEP]),
                name=PLANNING_SWEEP,
                minute=set(range(2, 60, 5)),
                second={15},
                unique=True,
                timeout=timeout_secs(PLANNING_SWEEP, settings),
            ),
        ],
        queue_name=queue_name(settings.redis_prefix),
        health_check_key=f"{settings.redis_prefix}:worker-health",
        **common,
    )
    long = Worker(
        functions=_functions(settings, list(LONG_JOBS)),
        # hourly housekeeping; arq runs a cron job once across all workers (unique job id per run)
        cron_jobs=[
            cron(
                cast("WorkerCoroutine", FUNCTIONS[RETENTION]),
                name=RETENTION,
                minute=RETENTION_MINUTE,
                timeout=LONG_JOBS[RETENTION],
                unique=True,
            )
        ],
        queue_name=long_queue_name(settings.redis_prefix),
        health_check_key=f"{settings.redis_prefix}:worker-health:long",
        **common,
    )
    clips = Worker(
        functions=_functions(settings, sorted(CLIP_JOBS)),
        queue_name=clip_queue_name(settings.redis_prefix),
        health_check_key=f"{settings.redis_prefix}:worker-health:clips",
        **{**common, "max_jobs": 1},  # a transcode keeps a core busy: one at a time
    )
    return [quick, long, clips]


async def burst(settings: Settings, **overrides: Any) -> None:
    """Run every job queued on both queues, and the jobs those enqueue, then return."""
    redis = Redis.from_url(settings.redis_url)
    try:
        for _ in range(BURST_ROUNDS):
            workers = build_workers(settings, burst=True, **overrides)
            try:
                await asyncio.gather(*(w.main() for w in workers))
            finally:
                for worker in workers:
                    await worker.close()
            waiting = [await redis.zcard(q) for q in all_queue_names(settings.redis_prefix)]
            if not any(waiting):
                return
    finally:
        await redis.aclose()


class HealthFile:
    """``DATA_DIR/worker-health.json``: what this worker is doing, rewritten every few
    seconds; ``schriftje worker --health`` reads it (a container's health check)."""

    def __init__(self, settings: Settings) -> None:
        self.path = Path(settings.data_dir) / "worker-health.json"

    def write(self, state: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"state": state, "at": time.time()}))
        tmp.replace(self.path)

    def healthy(self) -> tuple[bool, str]:
        """Whether a worker here is running and said so lately; what to tell the operator."""
        try:
            health = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return False, f"no worker has written {self.path}"
        age = time.time() - float(health.get("at", 0))
        if age > HEALTH_STALE_SECS:
            return False, f"the worker last reported {age:.0f} s ago"
        if health.get("state") != "running":
            return False, f"the worker is {health.get('state')}"
        return True, "the worker is running"


async def run(settings: Settings, **overrides: Any) -> None:
    """Both workers until cancelled, through Redis outages: while Redis is away the
    worker waits (backoff with jitter, up to RECONNECT_MAX_SECS) and says so once;
    when it is back the workers start again, pick up where the queues are, and sweep at
    once for photos whose hand-off was lost while it was away."""
    health = HealthFile(settings)
    delay, state = RECONNECT_FIRST_SECS, ""
    while True:
        try:
            await _ping(settings)
        except (RedisError, OSError) as exc:
            if state != "waiting":
                log.warning("redis is not reachable; the worker waits for it", extra={"error": type(exc).__name__})
                state = "waiting"
            health.write("waiting for redis")
            await asyncio.sleep(delay * (0.5 + random.random()))  # noqa: S311 (jitter)
            delay = min(delay * 2, RECONNECT_MAX_SECS)
            continue
        if state != "running":
            log.info(
                "worker running",
                extra={"queues": all_queue_names(settings.redis_prefix)},
            )
            state = "running"
            with contextlib.suppress(RedisError, OSError):  # the next cron sweep covers a failure here
                await _sweep_now(settings)
        delay = RECONNECT_FIRST_SECS
        workers = build_workers(settings, handle_signals=False, **overrides)
        beating = asyncio.create_task(_beat(health))
        try:
            await asyncio.gather(*(w.main() for w in workers))
        except (RedisError, OSError) as exc:  # Redis went away under the workers: wait for it again
            log.warning("redis connection lost; the worker waits for it", extra={"error": type(exc).__name__})
            state = "waiting"
        finally:
            beating.cancel()
            for worker in workers:
                with contextlib.suppress(Exception):
                    await worker.close()


async def _beat(health: HealthFile) -> None:
    while True:
        health.write("running")
        await asyncio.sleep(HEALTH_EVERY_SECS)


async def _sweep_now(settings: Settings) -> None:
    """Queue a photo sweep now (a worker that starts, or finds Redis back, may find photos
    accepted while nothing could take them), not at the next SWEEP_EVERY_SECS."""
    pool = await create_pool(redis_settings(settings.redis_url))
    try:
        await ArqQueue(pool, settings.redis_prefix).enqueue(SWEEP_PHOTOS, job_id=f"{SWEEP_PHOTOS}:{uuid.uuid4().hex}")
    finally:
        await pool.aclose()


async def _ping(settings: Settings) -> None:
    redis = Redis.from_url(settings.redis_url, socket_connect_timeout=5)
    try:
        await redis.ping()
    finally:
        await redis.aclose()
