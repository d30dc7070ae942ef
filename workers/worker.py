"""The arq worker for ``schriftje worker``: job functions, Redis, queue name and
startup/shutdown from the settings. Tests build the same worker with
``burst=True`` and use it as their barrier."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from arq import cron, func
from arq.worker import Worker

if TYPE_CHECKING:
    from arq.typing import WorkerCoroutine

from messaging.retention import RETENTION
from portal.settings import Settings
from workers.arq_queue import queue_name, redis_settings
from workers.context import shutdown, startup
from workers.jobs import FUNCTIONS, MAX_TRIES, TIMEOUT_SECS

JOB_TIMEOUT_SECS = 120
RETENTION_MINUTE = 17  # past every hour


def build_worker(settings: Settings, *, burst: bool = False, **overrides: Any) -> Worker:
    if not settings.redis_url:
        raise RuntimeError("schriftje worker needs SCHRIFTJE_REDIS_URL; the embedded default runs jobs in-process.")
    options: dict[str, Any] = {
        "functions": [
            func(
                cast("WorkerCoroutine", f),
                name=name,
                timeout=TIMEOUT_SECS.get(name, JOB_TIMEOUT_SECS),
                max_tries=MAX_TRIES,
            )
            for name, f in FUNCTIONS.items()
        ],
        # hourly housekeeping; arq runs a cron job once across all workers (unique job id per run)
        "cron_jobs": [
            cron(
                cast("WorkerCoroutine", FUNCTIONS[RETENTION]),
                name=RETENTION,
                minute=RETENTION_MINUTE,
                timeout=TIMEOUT_SECS[RETENTION],
                unique=True,
            )
        ],
        "redis_settings": redis_settings(settings.redis_url),
        "queue_name": queue_name(settings.redis_prefix),
        "health_check_key": f"{settings.redis_prefix}:worker-health",
        "on_startup": startup,
        "on_shutdown": shutdown,
        "ctx": {"settings": settings},
        "burst": burst,
        "handle_signals": not burst,
    }
    options.update(overrides)
    return Worker(**options)
