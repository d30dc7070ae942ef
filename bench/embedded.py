"""For benchmarks: a fresh embedded installation (SQLite, local media folder, in-process
queue and broker) in a temporary folder, migrated, opened as the test harness."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any


@asynccontextmanager
async def embedded_harness() -> AsyncIterator[Any]:
    from portal.database import create_engine, migrate
    from portal.settings import Settings
    from tests.harness import Harness

    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp}/schriftje.sqlite3")
        await migrate(engine)
        await engine.dispose()
        settings = Settings(data_dir=tmp, secret_key="x" * 40).resolved()
        async with Harness.open(settings) as harness:
            yield harness
