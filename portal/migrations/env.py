"""Alembic environment: runs on a connection handed over by ``portal.database.migrate``,
or, when called by the ``alembic`` command, on an async engine from the settings.

Upgrades and downgrades run the scripts in ``versions/`` and need no models. Only
autogenerate compares against the models: whoever runs it imports the registry of
every table first (``import schriftje.schema``), which fills ``Base.metadata``."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from portal.database import Base, engine_from_settings
from portal.settings import Settings

target_metadata = Base.metadata


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_from_settings() -> None:
    settings = Settings.from_env()
    engine = engine_from_settings(settings)
    async with engine.begin() as connection:
        await connection.run_sync(run_with)
    await engine.dispose()


shared = context.config.attributes.get("connection")
if shared is not None:
    run_with(shared)
else:
    asyncio.run(run_from_settings())
