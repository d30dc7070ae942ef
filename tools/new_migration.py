"""Writes the next Alembic migration from the difference between the models and a
fresh database at the latest migration (autogenerate, on SQLite), with every package's
tables registered first (``schriftje.schema``). Review what it wrote before committing.

  .venv/bin/python tools/new_migration.py 0015 "what changed"
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alembic import command
from sqlalchemy.engine import Connection

import schriftje.schema  # noqa: F401  (every table on Base.metadata)
from portal.database import alembic_config, create_engine, migrate


async def main(revision: str, message: str) -> None:
    folder = tempfile.mkdtemp()
    engine = create_engine(f"sqlite+aiosqlite:///{folder}/schema.sqlite3")
    await migrate(engine)

    def write(connection: Connection) -> None:
        command.revision(alembic_config(connection), message=message, autogenerate=True, rev_id=revision)

    async with engine.begin() as connection:
        await connection.run_sync(write)
    await engine.dispose()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    asyncio.run(main(sys.argv[1], sys.argv[2]))
