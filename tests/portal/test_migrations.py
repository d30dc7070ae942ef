"""Migrations: from empty to head on both databases, the models match them exactly,
and the way down works too."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

import schriftje.schema  # noqa: F401  (registers every table)
from portal.database import Base, create_engine, downgrade, migrate
from tests.conftest import PG_DSN, pg_url, run_sync


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path) -> Iterator[tuple[str, str | None]]:
    """The URL (and PostgreSQL schema) of a database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}", None
        return
    request.getfixturevalue("postgres_schema")  # skips or fails with the service rule
    schema = f"mig_{secrets.token_hex(4)}"

    async def execute(statement: str) -> None:
        connection = await asyncpg.connect(PG_DSN)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    run_sync(execute(f'CREATE SCHEMA "{schema}"'))
    yield pg_url(), schema
    run_sync(execute(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
async def empty_engine(empty_database):
    url, schema = empty_database
    engine = create_engine(url, schema=schema)
    yield engine
    await engine.dispose()


async def table_names(engine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))


class TestMigrations:
    async def test_upgrade_from_empty_creates_every_table(self, empty_engine) -> None:
        assert await table_names(empty_engine) == set()
        await migrate(empty_engine)
        assert await table_names(empty_engine) == {t.name for t in Base.metadata.sorted_tables} | {"alembic_version"}

    async def test_models_and_migrations_agree(self, empty_engine) -> None:
        await migrate(empty_engine)
        async with empty_engine.connect() as connection:
            diff = await connection.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata)
            )
        assert diff == [], "models changed without a migration: run alembic revision --autogenerate"

    async def test_downgrade_to_base_and_up_again(self, empty_engine) -> None:
        await migrate(empty_engine)
        await downgrade(empty_engine, "base")
        assert await table_names(empty_engine) <= {"alembic_version"}
        await migrate(empty_engine)
        assert "child" in await table_names(empty_engine)

    async def test_migrate_is_idempotent(self, empty_engine) -> None:
        await migrate(empty_engine)
        await migrate(empty_engine)
        assert "app_user" in await table_names(empty_engine)


class TestMigratingData:
    async def test_rows_survive_a_migration_that_rebuilds_a_referenced_table(self, empty_engine) -> None:
        """0011 rebuilds ``child`` on SQLite (batch mode: copy, drop, rename). With foreign
        keys on, that DROP would cascade into every table that refers to a child."""
        await migrate(empty_engine, "0010")
        async with empty_engine.begin() as connection:
            for statement in (
                "INSERT INTO organisation (id, slug, name, leaving_window_days, absence_cutoff, timezone, language, created_at)"
                " VALUES (1, 'kober', 'Kober', 90, '07:30:00', 'Europe/Amsterdam', 'nl', '2026-01-01 00:00:00')",
                "INSERT INTO location (id, organisation_id, name) VALUES (1, 1, 'Centrum')",
                "INSERT INTO care_group (id, organisation_id, location_id, name, care_type) VALUES (1, 1, 1, 'Rupsjes', 'kdv')",
                "INSERT INTO child (id, organisation_id, group_id, first_name, last_name, birth_date, start_date)"
                " VALUES (7, 1, 1, 'Noor', 'Visser', '2024-03-01', '2024-09-01')",
                "INSERT INTO app_user (id, organisation_id, email, display_name, role, created_at)"
                " VALUES (3, 1, 'anna@example.nl', 'Anna', 'parent', '2026-01-01 00:00:00')",
                "INSERT INTO guardianship (id, user_id, child_id, relation) VALUES (1, 3, 7, 'moeder')",
            ):
                await connection.execute(text(statement))
        await migrate(empty_engine)
        async with empty_engine.connect() as connection:
            links = (await connection.execute(text("SELECT user_id, child_id FROM guardianship"))).all()
            children = (await connection.execute(text("SELECT id, first_name FROM child"))).all()
        assert links == [(3, 7)] and children == [(7, "Noor")]

    async def test_feed_items_survive_losing_their_surrogate_id(self, empty_engine) -> None:
        """0017 re-keys ``feed_item`` by (user_id, seq); the rows stay, and the way
        back gives them ids again."""
        await migrate(empty_engine, "0016")
        async with empty_engine.begin() as connection:
            for statement in (
                "INSERT INTO organisation (id, slug, name, leaving_window_days, absence_cutoff, timezone, language, created_at)"
                " VALUES (1, 'kober', 'Kober', 90, '07:30:00', 'Europe/Amsterdam', 'nl', '2026-01-01 00:00:00')",
                "INSERT INTO app_user (id, organisation_id, email, display_name, role, created_at)"
                " VALUES (3, 1, 'anna@example.nl', 'Anna', 'parent', '2026-01-01 00:00:00')",
                "INSERT INTO feed_item (id, user_id, seq, kind, ref_id, created_at) VALUES"
                " (10, 3, 1, 'group_post.created', 5, '2026-01-01 00:00:00'),"
                " (11, 3, 2, 'group_post.created', 6, '2026-01-01 00:00:00')",
            ):
                await connection.execute(text(statement))
        await migrate(empty_engine)
        async with empty_engine.connect() as connection:
            items = (await connection.execute(text("SELECT user_id, seq, ref_id FROM feed_item ORDER BY seq"))).all()
        assert items == [(3, 1, 5), (3, 2, 6)]
        await downgrade(empty_engine, "0016")
        async with empty_engine.connect() as connection:
            items = (
                await connection.execute(text("SELECT user_id, seq, id IS NOT NULL FROM feed_item ORDER BY seq"))
            ).all()
        assert items == [(3, 1, True), (3, 2, True)]
