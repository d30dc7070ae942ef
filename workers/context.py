"""What every job function receives: settings, a session factory and the mailer.

The arq worker builds it in ``on_startup``; the inline queue shares the web
app's pieces. Either way jobs see the same ``JobContext``.
"""

from __future__ import annotations

from typing import Any, TypedDict

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from portal.database import create_sessionmaker, engine_from_settings
from portal.mail import Mailer, mailer_from_settings
from portal.settings import Settings


class JobContext(TypedDict, total=False):
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    mailer: Mailer
    job_try: int
    job_id: str


async def startup(ctx: dict[str, Any]) -> None:
    """arq ``on_startup``: open the database and the mailer for this worker process."""
    settings: Settings = ctx["settings"]
    engine = engine_from_settings(settings)
    ctx.update(
        engine=engine,
        sessionmaker=create_sessionmaker(engine),
        mailer=mailer_from_settings(settings),
    )


async def shutdown(ctx: dict[str, Any]) -> None:
    engine: AsyncEngine | None = ctx.get("engine")
    if engine is not None:
        await engine.dispose()
