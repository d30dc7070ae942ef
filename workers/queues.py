"""Which queue a job goes to. Jobs that may run for hours (``LONG_JOBS``: archive
builds, the housekeeping) have a queue and a worker of their own: arq holds a job
of a worker that died for the longest timeout among that worker's functions, and a
photo must not wait six hours for an archive's timeout. Clips (``CLIP_JOBS``) too:
a transcode may take minutes, and a photo must not wait for a clip's timeout."""

from __future__ import annotations

from media.upload import PROCESS_CLIP
from messaging.archive.service import BUILD_ARCHIVE
from messaging.retention import RETENTION

LONG_JOBS: dict[str, int] = {BUILD_ARCHIVE: 6 * 3600, RETENTION: 3600}  # name -> timeout in seconds
CLIP_JOBS = frozenset({PROCESS_CLIP})


def queue_name(prefix: str) -> str:
    """The queue of the quick jobs: photos, mail, the sweeper."""
    return f"{prefix}:queue"


def long_queue_name(prefix: str) -> str:
    """The queue of jobs that may run for hours."""
    return f"{prefix}:queue:long"


def clip_queue_name(prefix: str) -> str:
    """The queue of clip transcodes: one at a time per worker process (a core each)."""
    return f"{prefix}:queue:clips"


def all_queue_names(prefix: str) -> list[str]:
    return [queue_name(prefix), long_queue_name(prefix), clip_queue_name(prefix)]


def queue_for(prefix: str, job_name: str) -> str:
    if job_name in LONG_JOBS:
        return long_queue_name(prefix)
    return clip_queue_name(prefix) if job_name in CLIP_JOBS else queue_name(prefix)
