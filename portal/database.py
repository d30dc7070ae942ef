"""Database plumbing: the declarative ``Base`` with a constraint naming convention,
an always-aware UTC datetime type, engine and session factories, and migrations.

Engines are created by the app's lifespan (or a CLI command), never at import.
SQLite gets foreign keys, WAL and a busy timeout so the embedded default
behaves like the real thing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import functools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard, cast

from sqlalchemy import DateTime, Enum, Insert, MetaData, Table, event, insert, inspect
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapper
from sqlalchemy.types import TypeDecorator

from portal.private_files import make_private, private_dir

if TYPE_CHECKING:
    from portal.settings import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores UTC, always returns timezone-aware datetimes (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


MAX_ID = 2**31 - 1  # ids and counters are 32-bit integers in the database


def is_id(value: object) -> TypeGuard[int]:
    """A JSON value that can name a row: an int from 1 to ``MAX_ID`` (not a bool, not a float)."""
    return type(value) is int and 0 < value <= MAX_ID


def is_count(value: object) -> TypeGuard[int]:
    """A JSON value that can be a cursor or count: an int from 0 to ``MAX_ID``."""
    return type(value) is int and 0 <= value <= MAX_ID


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def str_enum(kind: type[enum.StrEnum], name: str) -> Enum:
    """A column type storing a ``StrEnum``'s values (not its names) as plain strings,
    the same on SQLite and PostgreSQL (no native enum type to migrate)."""
    return Enum(kind, name=name, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


def create_engine(url: str, *, schema: str | None = None, **kwargs: Any) -> AsyncEngine:
    """An async engine; ``schema`` sets PostgreSQL's search_path (tests use one per run)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        private = path and path != ":memory:"
        if private:
            private_dir(Path(path).parent)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        if private:  # SQLite gives its -wal and -shm files the database file's mode
            event.listen(engine.sync_engine, "connect", lambda *_: make_private(Path(path)))
        return engine
    # pg_stat_activity names Schriftje's connections (with the schema when it has one of its own)
    server_settings = {"application_name": f"schriftje/{schema}"[:63] if schema else "schriftje"}
    if schema:
        server_settings["search_path"] = schema
    connect_args: dict[str, Any] = {"server_settings": server_settings}
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, connect_args=connect_args, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@functools.cache
def _insert_returning(mapper: Mapper[Any]) -> tuple[Insert, tuple[tuple[str, str], ...]]:
    """The statement and, per column in RETURNING order, (column key, attribute name)."""
    table = cast(Table, mapper.local_table)
    keys = tuple((column.key, mapper.get_property_by_column(column).key) for column in table.columns)
    return insert(table).returning(*table.columns), keys


async def insert_row(session: AsyncSession, instance: Base) -> None:
    """INSERT ``instance`` with one cached Core statement and fill in what the database
    and the column defaults gave it (id, created_at, ...).

    For write paths that add one row per request and read it back at once: it skips
    the unit of work's flush, which costs more than the statement. The instance stays
    transient (the session does not track it), so change it through the session only
    after loading it there."""
    stmt, keys = _insert_returning(inspect(type(instance)))
    given = instance.__dict__
    row = (await session.execute(stmt, {key: given[attr] for key, attr in keys if attr in given})).one()
    for (_, attr), value in zip(keys, row, strict=True):
        setattr(instance, attr, value)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(connection: Connection | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (Alembic upgrade on the engine's connection)."""
    from alembic import command

    def upgrade(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    async with _without_sqlite_cascades(engine) as connection, connection.begin():
        await connection.run_sync(upgrade)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    from alembic import command

    def run(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), revision)

    async with _without_sqlite_cascades(engine) as connection, connection.begin():
        await connection.run_sync(run)


@contextlib.asynccontextmanager
async def _without_sqlite_cascades(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for migrating. On SQLite, foreign keys are off while it runs: a batch
    migration copies a table and drops the old one, and with them on that DROP would
    cascade into every table that refers to it. They are checked once it is done."""
    async with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await connection.commit()
        try:
            yield connection
        finally:
            if sqlite:
                await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                await connection.commit()
        if sqlite and (await connection.exec_driver_sql("PRAGMA foreign_key_check")).first() is not None:
            raise RuntimeError("the migration left rows that refer to nothing (PRAGMA foreign_key_check)")


@functools.cache
def head_revision() -> str | None:
    """The latest migration this code ships (read once per process)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def schema_revision(engine: AsyncEngine) -> str:
    """Raise unless the database is at the latest migration; its revision."""
    from alembic.runtime.migration import MigrationContext

    head = head_revision()

    def current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        found = await connection.run_sync(current)
    if found is None or found != head:
        raise SchemaBehind(f"the database is at {found}, the code at {head}: run 'schriftje migrate'")
    return found


class SchemaBehind(RuntimeError):
    """The database has not been migrated to what this code expects."""


def engine_from_settings(settings: Settings) -> AsyncEngine:
    if settings.is_postgres:
        size = max(1, settings.database_pool_size)
        return create_engine(
            settings.database_url, schema=settings.database_schema or None, pool_size=size, max_overflow=size
        )
    return create_engine(settings.database_url)
