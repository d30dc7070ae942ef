"""The job-queue seam as the shell sees it: enqueue a named job with ids as arguments.

Implementations live in ``workers`` (the inline queue for the embedded default,
arq on Redis for production); the composition root picks one. Job names read
``"domain.verb"``. A deterministic ``job_id`` makes a duplicate enqueue a no-op.
"""

from __future__ import annotations

from typing import Protocol


class JobQueue(Protocol):
    async def enqueue(self, name: str, *args: object, job_id: str | None = None, defer: float = 0) -> None:
        """Run ``name(*args)`` once, ``defer`` seconds from now at the earliest."""
        ...

    async def pending(self, job_id: str) -> bool:
        """Whether the job with this id is queued or running."""
        ...


SEND_INVITATION = "accounts.send_invitation"
SEND_PASSWORD_RESET = "accounts.send_password_reset"  # noqa: S105 (a job name)
SEND_PIN_LOCKED = "accounts.send_pin_locked"
