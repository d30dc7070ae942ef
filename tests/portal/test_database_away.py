"""When the database cannot be reached, a request is answered 503 with ``Retry-After``
and a message a person understands, never a 500 (both stacks: PostgreSQL on a port
where nothing listens; SQLite at a path that cannot be a database)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx

from portal.settings import Settings
from schriftje.app import create_app


async def test_a_database_that_is_away_is_a_503_to_retry(stack_settings: Settings, tmp_path: Path) -> None:
    if stack_settings.is_postgres:
        away = dataclasses.replace(stack_settings, database_url="postgresql+asyncpg://postgres@127.0.0.1:9/test")
    else:
        folder = tmp_path / "not-a-database"
        folder.mkdir()
        away = dataclasses.replace(stack_settings, database_url=f"sqlite+aiosqlite:///{folder}")
    app = create_app(away)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kober.localhost") as client:
            api = await client.get("/api/me", headers={"authorization": "Bearer whatever"})
            page = await client.get("/login")
    assert api.status_code == 503 and int(api.headers["retry-after"]) > 0
    assert api.json()["error"] == "unavailable" and "opnieuw" in api.json()["detail"]
    assert page.status_code == 503 and "opnieuw" in page.text
