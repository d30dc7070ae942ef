"""Which queue a job goes to. Jobs that may run for hours (``LONG_JOBS``: archive
builds, the housekeeping) have a queue and a worker of their own: arq holds a job
of a worker that died for the longest timeout among that worker's functions, and a
photo must not wait six hours for an archive's timeout."""

from __future__ import annotations

from messaging.archive.service import BUILD_ARCHIVE
from messaging.retention import RETENTION

LONG_JOBS: dict[str, int] = {BUILD_ARCHIVE: 6 * 3600, RETENTION: 3600}  # name -> timeout in seconds


def queue_name(prefix: str) -> str:
    """The queue of the quick jobs: photos, mail, the sweeper."""
    return f"{prefix}:queue"


def long_queue_name(prefix: str) -> str:
    """The queue of jobs that may run for hours."""
    return f"{prefix}:queue:long"


def queue_for(prefix: str, job_name: str) -> str:
    return long_queue_name(prefix) if job_name in LONG_JOBS else queue_name(prefix)
