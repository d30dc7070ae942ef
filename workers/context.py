"""What every job function receives: settings, a session factory, the mailer, media
storage, the feed broker (to publish what a job delivers; it also hands deliveries to
notify), the photo and clip sandboxes and the push sender.

The arq worker builds it in ``on_startup``; the inline queue shares the web
app's pieces. Either way jobs see the same ``JobContext``.
"""

from __future__ import annotations

from typing import Any, TypedDict

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from media.sandbox import CLIP, Limits, SandboxPool
from media.storage import Storage, open_storage
from media.storage.lazy import LazyStorage
from messaging.broker import RedisBroker
from messaging.broker.base import Broker
from notify.push import PushSender, sender_from_settings
from notify.trigger import NotifyingBroker
from planning.trigger import PlanningBroker
from portal.database import create_sessionmaker, engine_from_settings
from portal.jobs import JobQueue
from portal.mail import Mailer, mailer_from_settings
from portal.settings import Settings
from workers.arq_queue import ArqQueue


class JobContext(TypedDict, total=False):
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    mailer: Mailer
    storage: Storage
    broker: Broker
    photos: SandboxPool
    clips: SandboxPool  # the clip transcoder's sandbox (``media.video``)
    queue: JobQueue  # for jobs that hand work on (the sweeper)
    pusher: PushSender
    job_try: int
    job_id: str


def sandbox_from_settings(settings: Settings) -> SandboxPool:
    limits = Limits(
        seconds=float(settings.photo_seconds),
        memory_bytes=settings.photo_memory_mb * 1024 * 1024,
        max_pixels=settings.upload_max_pixels,
    )
    return SandboxPool(limits, settings.photo_processes)


def clip_sandbox_from_settings(settings: Settings) -> SandboxPool:
    """One transcoding child per worker: a clip keeps a core busy for its whole length."""
    limits = Limits(
        seconds=float(settings.clip_transcode_seconds),
        memory_bytes=settings.clip_memory_mb * 1024 * 1024,
        max_pixels=settings.upload_max_pixels,
    )
    return SandboxPool(limits, 1, work=CLIP)


async def startup(ctx: dict[str, Any]) -> None:
    """arq ``on_startup``: open the database, mailer, storage, broker and sandbox for this worker."""
    settings: Settings = ctx["settings"]
    engine = engine_from_settings(settings)
    queue = ArqQueue(ctx["redis"], settings.redis_prefix)  # arq's own pool: closed by arq
    broker = RedisBroker(settings.redis_url, settings.redis_prefix)
    ctx.update(
        engine=engine,
        sessionmaker=create_sessionmaker(engine),
        mailer=mailer_from_settings(settings),
        storage=LazyStorage(lambda: open_storage(settings)),
        broker=PlanningBroker(NotifyingBroker(broker, queue, batch_seconds=settings.push_batch_seconds), queue),
        photos=sandbox_from_settings(settings),
        clips=clip_sandbox_from_settings(settings),
        queue=queue,
        pusher=sender_from_settings(settings),
    )


async def shutdown(ctx: dict[str, Any]) -> None:
    for name in ("photos", "clips", "broker", "storage", "pusher"):
        part = ctx.get(name)
        if part is not None:
            await part.close()
    engine: AsyncEngine | None = ctx.get("engine")
    if engine is not None:
        await engine.dispose()
