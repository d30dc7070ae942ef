"""The running app's shared parts, built once by the lifespan and passed to handlers.

Holds the settings, database engine and session factory, the job queue, the
mailer, the rate limiter, the readiness checks, shutdown hooks and the take-back
that roster changes hand ended entitlements to. Handlers
reach it with ``runtime(request)``; services receive the pieces they need.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from portal.jobs import JobQueue
from portal.mail import Mailer
from portal.ratelimit import RateLimiter
from portal.roster.events import TakeBack, nothing_to_take_back
from portal.settings import Settings
from portal.uow import UnitOfWork

ReadinessCheck = Callable[[], Awaitable[object]]


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    queue: JobQueue
    mailer: Mailer
    limiter: RateLimiter
    readiness: dict[str, ReadinessCheck] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    # what ending an entitlement takes back (feeds, photos, archives): messaging's, plugged in by the app
    take_back: TakeBack = nothing_to_take_back

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessionmaker)
